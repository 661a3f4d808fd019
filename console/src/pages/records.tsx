import { useState } from 'preact/hooks';
import { gql } from '../api';
import { valueOf } from './location';
import { useQuery } from './use-query';
import { day, REMOVAL_REASONS, words } from './vocab';
import type { RemoveSubjectMutation, SubjectRemnantsQuery, SubjectsQuery } from '../graphql.generated';

type Subject = SubjectsQuery['subjects']['nodes'][number];
type Removal = RemoveSubjectMutation['removeSubject'];
type Remnants = SubjectRemnantsQuery['subjectRemnants'];

/**
 * A gallery's records: its subjects with the details kept, and the removal of one with its reason
 * (removeSubject), followed at once by the check that nothing of it is left (subjectRemnants).
 */
export function RecordsSection({ galleries, onChanged }: { galleries: { id: string; name: string }[]; onChanged: () => void }) {
  const [galleryId, setGalleryId] = useState(galleries[0]?.id ?? '');
  const { data, error, reload } = useQuery<SubjectsQuery>(/* GraphQL */ `query Subjects($g: ID!) { subjects(galleryId: $g, first: 100) { nodes { id subjectRef templateCount name bookingNumber disposition createdAt } } }`, { g: galleryId });
  const [form, setForm] = useState({ subjectId: '', reason: 'EXPUNGED' });
  const [result, setResult] = useState<{ removal: Removal; remnants: Remnants } | null>(null);
  const [message, setMessage] = useState('');
  if (!galleries.length) return null;
  const subjects = data?.subjects.nodes ?? [];
  const chosen = subjects.find((s) => s.id === form.subjectId) ?? subjects[0];
  async function remove(e: Event) {
    e.preventDefault();
    if (!chosen) return;
    try {
      const r = await gql<RemoveSubjectMutation>(/* GraphQL */ `mutation RemoveSubject($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectRef reason templateIds crops candidateRows searches } }`, { i: { subjectId: chosen.id, reason: form.reason } });
      const check = await gql<SubjectRemnantsQuery>(/* GraphQL */ `query SubjectRemnants($s: ID!) { subjectRemnants(subjectId: $s) { clean tables { table rows } } }`, { s: chosen.id });
      setResult({ removal: r.removeSubject, remnants: check.subjectRemnants });
      setMessage('');
      setForm({ ...form, subjectId: '' });
      reload();
      onChanged();
    } catch (err) {
      setMessage((err as Error).message);
    }
  }
  return (
    <section aria-labelledby="records">
      <h2 id="records">Records</h2>
      <label for="records-gallery">Gallery</label>
      <select id="records-gallery" value={galleryId} onInput={(e) => { setGalleryId(valueOf(e)); setResult(null); }}>
        {galleries.map((g) => <option value={g.id}>{g.name}</option>)}
      </select>
      {(error || message) && <p class="error" role="alert">{error || message}</p>}
      {data && (subjects.length === 0 ? <p>No subjects in this gallery.</p> : (
        <table data-testid="subjects">
          <caption class="hint">The first 100 subjects, with the details your agency keeps.</caption>
          <thead><tr><th scope="col">Reference</th><th scope="col">Name</th><th scope="col">Booking number</th><th scope="col">Disposition</th><th scope="col">Photos</th><th scope="col">Enrolled</th></tr></thead>
          <tbody>{subjects.map((s) => <tr><td>{s.subjectRef}</td><td>{s.name ?? '—'}</td><td>{s.bookingNumber ?? '—'}</td><td>{s.disposition ?? '—'}</td><td>{s.templateCount}</td><td>{day(s.createdAt)}</td></tr>)}</tbody>
        </table>
      ))}
      {chosen && (
        <form onSubmit={remove} aria-labelledby="remove-subject">
          <h3 id="remove-subject">Remove a subject</h3>
          <p class="hint">Removes every photo, template and face crop of the person at once, and their rows in past searches; audited with the reason. It cannot be undone.</p>
          <label for="remove-who">Subject</label>
          <select id="remove-who" value={chosen.id} onInput={(e) => setForm({ ...form, subjectId: valueOf(e) })}>
            {subjects.map((s) => <option value={s.id}>{s.subjectRef}{s.name ? ` (${s.name})` : ''}</option>)}
          </select>
          <label for="remove-reason">Reason</label>
          <select id="remove-reason" value={form.reason} onInput={(e) => setForm({ ...form, reason: valueOf(e) })}>
            {REMOVAL_REASONS.map((r) => <option value={r}>{words(r)}</option>)}
          </select>
          <button type="submit">Remove {chosen.subjectRef}</button>
        </form>
      )}
      {result && (
        <div class="notice-info" role="status" data-testid="removal">
          <p>Removed {result.removal.subjectRef} ({words(result.removal.reason)}): {result.removal.templateIds.length} templates, {result.removal.crops} face crops, {result.removal.candidateRows} rows of {result.removal.searches} past searches.</p>
          <p data-testid="remnants">{result.remnants.clean ? 'Checked: nothing of it is left' : 'Check: rows remain'} ({result.remnants.tables.map((t) => `${t.table} ${t.rows}`).join(', ')}).</p>
        </div>
      )}
    </section>
  );
}
