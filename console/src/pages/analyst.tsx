import { useState } from 'preact/hooks';
import { gql } from '../api';
import { CANDIDATE_FIELDS, CandidateTable, LeadsNotice } from './candidates';
import { Problem } from './problem';
import { OutlinedProbe, PREVIEW, ProbeFace, QualityParts, type Preview } from './probe';
import { useQuery } from './use-query';
import { words } from './words';
import type { PreviewProbeQuery, SearchFacesMutation, SearchRulesQuery } from '../graphql.generated';

export const OFFENSES = ['HOMICIDE', 'SEXUAL_ASSAULT', 'ROBBERY', 'AGGRAVATED_ASSAULT', 'KIDNAPPING', 'HUMAN_TRAFFICKING', 'CHILD_EXPLOITATION', 'TERRORISM', 'ARSON', 'BURGLARY', 'WEAPONS', 'FRAUD', 'THEFT', 'DRUG_OFFENSE', 'OTHER_FELONY', 'MISDEMEANOR'];

type Policy = SearchRulesQuery['tenantPolicy'];
type Basis = SearchRulesQuery['legalBases'][number];
type Search = SearchFacesMutation['searchFaces'];

const SEARCH = /* GraphQL */ `mutation SearchFaces($i: SearchFacesInput!) { searchFaces(input: $i) { id notice threshold modelVersion candidates { ...CandidateFields } } } ${CANDIDATE_FIELDS}`;
const RULES = /* GraphQL */ `query SearchRules { legalBases { basis description exigent } tenantPolicy { preset allowedBases caseNumberRequiredFor warrantRequiredFor narrativeRequiredFor offenseRequiredFor offenseThreshold exigentApprovalHours } }`;

export function base64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error('Could not read the photo.'));
    r.readAsDataURL(file);
  });
}

export function AnalystPage() {
  // the tenant's rules, read through the API, shown before the analyst submits
  const rules = useQuery<SearchRulesQuery>(RULES);
  const [photo, setPhoto] = useState<{ file: File; url: string; base64: string } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const [form, setForm] = useState({ legalBasis: '', offenseCategory: '', caseNumber: '', warrantNumber: '', narrative: '' });
  const [result, setResult] = useState<Search | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = (k: keyof typeof form) => ({ value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value }) });
  const policy = rules.data?.tenantPolicy;
  const bases = rules.data?.legalBases.filter((b) => !policy || policy.allowedBases.includes(b.basis)) ?? [];
  const needs = (list?: string[]) => !!form.legalBasis && !!list?.includes(form.legalBasis);

  async function choose(file: File | null) {
    if (photo) URL.revokeObjectURL(photo.url);
    setPhoto(null);
    setPreview(null);
    setPreviewError(null);
    setResult(null);
    if (!file) return;
    try {
      const p = { file, url: URL.createObjectURL(file), base64: await base64(file) };
      setPhoto(p);
      // the face the hub will search, found by the hub before anything is searched
      setPreview((await gql<PreviewProbeQuery>(PREVIEW, { i: { imageBase64: p.base64 } })).previewProbe);
    } catch (e) {
      setPreviewError(e);
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (!photo) return setError(new Error('Choose a probe photo first.'));
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const input = Object.fromEntries(Object.entries({ ...form, imageBase64: photo.base64 }).filter(([, v]) => v !== ''));
      setResult((await gql<SearchFacesMutation>(SEARCH, { i: input })).searchFaces);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>New search</h1>
      {rules.error && <p class="error" role="alert">{rules.error}</p>}
      <form onSubmit={submit}>
        <label for="photo">Probe photo</label>
        <input id="photo" type="file" accept="image/jpeg,image/png,image/webp,image/tiff,image/gif,.tif,.tiff" required aria-describedby="photo-hint" onChange={(e) => void choose(e.currentTarget.files?.[0] ?? null)} />
        <p id="photo-hint" class="hint">JPEG, PNG, WebP, TIFF or GIF (a browser may not show a TIFF, but the hub reads it). The hub finds the face it will search and outlines it here before you search. Nothing is searched or kept until you press Search.</p>
        {photo && preview && (
          <figure class="probe-figure">
            <OutlinedProbe src={photo.url} preview={preview} />
            <figcaption data-testid="probe-caption">The outlined face is the one the hub will search (face quality {preview.faces[0].quality.toFixed(2)} of 1). If it is not the person you mean, crop the photo to that person.</figcaption>
            <QualityParts components={preview.faces[0].components} />
          </figure>
        )}
        <Problem error={previewError} />

        <label for="legalBasis">Legal basis</label>
        <select id="legalBasis" required aria-describedby="rules" {...field('legalBasis')}>
          <option value="">Choose the legal basis…</option>
          {bases.map((b) => <option value={b.basis}>{words(b.basis)}: {b.description}</option>)}
        </select>
        <Rules policy={policy} basis={bases.find((b) => b.basis === form.legalBasis)} />
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
      <Problem error={error} />
      {result && (
        <section aria-labelledby="results">
          <h2 id="results">Candidates</h2>
          <LeadsNotice notice={result.notice} />
          <CandidateTable
            candidates={result.candidates}
            threshold={result.threshold}
            probe={photo && preview ? <ProbeFace src={photo.url} preview={preview} /> : undefined}
            caption={`Ranked by similarity; threshold ${result.threshold.toFixed(3)}, model ${result.modelVersion}. Search ${result.id}.`}
          />
          <p><a href={`/searches/${result.id}`}>Open this search for review</a></p>
        </section>
      )}
    </>
  );
}

/** What the tenant's policy asks of the chosen basis, in words, before submitting. */
function Rules({ policy, basis }: { policy?: Policy; basis?: Basis }) {
  if (!policy) return <p id="rules" class="hint">Your agency’s rules could not be read; the hub still applies them when you search.</p>;
  if (!basis) return <p id="rules" class="hint">Choose a legal basis to see what your agency’s policy ({policy.preset}) requires for it.</p>;
  const b = basis.basis;
  const rule = (list: string[], what: string) => <li>{what}: <strong>{list.includes(b) ? 'required' : 'not required'}</strong></li>;
  return (
    <div id="rules" class="rules" aria-live="polite" data-testid="rules">
      <p>Your agency’s rules ({policy.preset}) for <strong>{words(b)}</strong>:</p>
      <ul>
        {rule(policy.caseNumberRequiredFor, 'Case number')}
        {rule(policy.warrantRequiredFor, 'Warrant number')}
        {rule(policy.narrativeRequiredFor, 'Narrative')}
        <li>Offense: <strong>{policy.offenseRequiredFor.includes(b) ? `required, at least a ${words(policy.offenseThreshold)}` : 'not required'}</strong></li>
        {basis.exigent && <li>Exigent: the search runs at once, and a supervisor must approve it within <strong>{policy.exigentApprovalHours} hours</strong>.</li>}
      </ul>
    </div>
  );
}
