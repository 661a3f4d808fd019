import { useState } from 'preact/hooks';
import { gql } from '../api';
import { useQuery } from './use-query';

const OFFENSES = ['HOMICIDE', 'SEXUAL_ASSAULT', 'ROBBERY', 'AGGRAVATED_ASSAULT', 'KIDNAPPING', 'HUMAN_TRAFFICKING', 'CHILD_EXPLOITATION', 'TERRORISM', 'ARSON', 'BURGLARY', 'WEAPONS', 'FRAUD', 'THEFT', 'DRUG_OFFENSE', 'OTHER_FELONY', 'MISDEMEANOR'];
const words = (v: string) => v.toLowerCase().replace(/_/g, ' ');

interface Policy { allowedBases: string[]; caseNumberRequiredFor: string[]; warrantRequiredFor: string[]; narrativeRequiredFor: string[]; offenseRequiredFor: string[] }
interface Candidate { rank: number; score: number; subjectRef: string; estimatedFalseMatchRate: number | null; falseMatchRateAtLimit: boolean }
interface Search { id: string; notice: string; threshold: number; modelVersion: string; candidates: Candidate[] }

const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id notice threshold modelVersion candidates { rank score subjectRef estimatedFalseMatchRate falseMatchRateAtLimit } } }`;

/** A false-match rate as an analyst reads it: one stranger in how many scores this high. */
const oneIn = (c: Candidate) =>
  c.estimatedFalseMatchRate === null ? 'not calibrated' : `${c.falseMatchRateAtLimit ? 'at most ' : ''}1 in ${Math.round(1 / c.estimatedFalseMatchRate).toLocaleString('en-US')}`;

function base64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error('Could not read the photo.'));
    r.readAsDataURL(file);
  });
}

export function AnalystPage() {
  const { data, error: loadError } = useQuery<{ legalBases: { basis: string; description: string }[] }>('{ legalBases { basis description } }');
  // the tenant's rules, shown before submitting, where the role may read them
  const rules = useQuery<{ tenantPolicy: Policy }>('{ tenantPolicy { allowedBases caseNumberRequiredFor warrantRequiredFor narrativeRequiredFor offenseRequiredFor } }');
  const [photo, setPhoto] = useState<File | null>(null);
  const [preview, setPreview] = useState('');
  const [form, setForm] = useState({ legalBasis: '', offenseCategory: '', caseNumber: '', warrantNumber: '', narrative: '' });
  const [result, setResult] = useState<Search | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const field = (k: keyof typeof form) => ({ value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value }) });
  const policy = rules.data?.tenantPolicy;
  const needs = (list?: string[]) => !!form.legalBasis && !!list?.includes(form.legalBasis);

  async function submit(e: Event) {
    e.preventDefault();
    if (!photo) return setError('Choose a probe photo first.');
    setBusy(true);
    setError('');
    setResult(null);
    try {
      const input = Object.fromEntries(Object.entries({ ...form, imageBase64: await base64(photo) }).filter(([, v]) => v !== ''));
      setResult((await gql<{ searchFaces: Search }>(SEARCH, { i: input })).searchFaces);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>New search</h1>
      {loadError && <p class="error" role="alert">{loadError}</p>}
      <form onSubmit={submit}>
        <label for="photo">Probe photo</label>
        <input id="photo" type="file" accept="image/jpeg,image/png,image/webp" required onChange={(e) => {
          const f = e.currentTarget.files?.[0] ?? null;
          setPhoto(f);
          if (preview) URL.revokeObjectURL(preview);
          setPreview(f ? URL.createObjectURL(f) : '');
        }} />
        {preview && <img class="probe" src={preview} alt="The probe photo you chose" />}
        <label for="legalBasis">Legal basis</label>
        <select id="legalBasis" required {...field('legalBasis')}>
          <option value="">Choose the legal basis…</option>
          {data?.legalBases.filter((b) => !policy || policy.allowedBases.includes(b.basis)).map((b) => <option value={b.basis}>{words(b.basis)}: {b.description}</option>)}
        </select>
        <label for="offenseCategory">Offense{needs(policy?.offenseRequiredFor) ? ' (required for this basis)' : ''}</label>
        <select id="offenseCategory" required={needs(policy?.offenseRequiredFor)} {...field('offenseCategory')}>
          <option value="">None</option>
          {OFFENSES.map((o) => <option value={o}>{words(o)}</option>)}
        </select>
        <label for="caseNumber">Case number{needs(policy?.caseNumberRequiredFor) ? ' (required for this basis)' : ''}</label>
        <input id="caseNumber" required={needs(policy?.caseNumberRequiredFor)} {...field('caseNumber')} />
        <label for="warrantNumber">Warrant number{needs(policy?.warrantRequiredFor) ? ' (required for this basis)' : ''}</label>
        <input id="warrantNumber" required={needs(policy?.warrantRequiredFor)} {...field('warrantNumber')} />
        <label for="narrative">Narrative: the facts that justify the search{needs(policy?.narrativeRequiredFor) ? ' (required for this basis)' : ''}</label>
        <textarea id="narrative" rows={3} required={needs(policy?.narrativeRequiredFor)} {...field('narrative')} />
        <p class="hint">By searching you declare it is not for live or continuous surveillance, First Amendment activity, immigration enforcement, or a protected class as its basis.</p>
        <button type="submit" disabled={busy}>{busy ? 'Searching…' : 'Search'}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {result && <Results search={result} />}
    </>
  );
}

function Results({ search }: { search: Search }) {
  return (
    <section aria-labelledby="results">
      <h2 id="results">Candidates</h2>
      <div class="notice" role="note">
        <p>Investigative lead only: not an identification.</p>
        <p>{search.notice}</p>
      </div>
      {search.candidates.length === 0 ? <p>No candidate scored above the threshold ({search.threshold.toFixed(2)}).</p> : (
        <table>
          <caption class="hint">Ranked by similarity; threshold {search.threshold.toFixed(2)}, model {search.modelVersion}. Search {search.id}.</caption>
          <thead><tr><th scope="col">Rank</th><th scope="col">Subject</th><th scope="col">Score</th><th scope="col">Estimated false-match rate</th></tr></thead>
          <tbody>{search.candidates.map((c) => <tr><td>{c.rank}</td><td>{c.subjectRef}</td><td>{c.score.toFixed(3)}</td><td>{oneIn(c)}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}
