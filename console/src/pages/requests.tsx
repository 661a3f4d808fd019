import { useState } from 'preact/hooks';
import { gql } from '../api';
import { navigate } from '../router';
import { base64, OFFENSES } from './analyst';
import { Pager, useCursors } from './pager';
import { Problem } from './problem';
import { useQuery } from './use-query';
import { LEGAL_BASES } from './vocab';
import { when, words } from './words';
import type { RequestListQuery, RequestRowFragment, RequestsMeQuery, SubmitRequestMutation } from '../graphql.generated';

export type RequestRow = RequestRowFragment;
type Me = RequestsMeQuery['me'];

const ROW = /* GraphQL */ `fragment RequestRow on Request { id status caseNumber offenseCategory legalBasis priority dueAt overdue createdAt examinerId verifierId servingTenantId }`;
const LIST = /* GraphQL */ `query RequestList($status: RequestStatus, $overdue: Boolean, $assignedToMe: Boolean, $first: Int, $after: String) {
  requests(status: $status, overdue: $overdue, assignedToMe: $assignedToMe, first: $first, after: $after) { nodes { ...RequestRow } pageInfo { endCursor hasNextPage } } } ${ROW}`;
const ME = /* GraphQL */ `query RequestsMe { me { role principalId tenant { id slug } } }`;
export const SOURCE_KINDS = ['CCTV', 'DOORBELL_CAMERA', 'BODY_WORN_CAMERA', 'MOBILE_PHONE', 'SOCIAL_MEDIA', 'PHOTOGRAPH', 'OTHER'];
const PRIORITIES = ['ROUTINE', 'URGENT', 'EMERGENCY'];
// a queue shows every open request at once, sorted here; the full list pages
const QUEUE = 100;

/** Overdue first, then the nearest due date, then the oldest. */
export const byUrgency = (a: RequestRow, b: RequestRow) =>
  Number(b.overdue) - Number(a.overdue) || (a.dueAt ?? '9999').localeCompare(b.dueAt ?? '9999') || a.createdAt.localeCompare(b.createdAt);

/** The requests page: the requester submits and follows; the examiner's queue; the supervisor's decisions and overdue list. */
export function RequestsPage() {
  const { data, error } = useQuery<RequestsMeQuery>(ME);
  if (error) return <><h1>Requests</h1><p class="error" role="alert">{error}</p></>;
  if (!data) return <p>Loading…</p>;
  const me = data.me;
  if (me.role === 'AGENCY_REQUESTER') {
    return (
      <>
        <h1>Requests</h1>
        <p class="hint">Ask for a face-recognition examination: trained examiners search, a second examiner verifies without seeing the first one’s conclusions, and only then is a lead released to you.</p>
        <SubmitRequest />
        <AllRequests title="Your agency’s requests" />
      </>
    );
  }
  const mine = (r: RequestRow) => r.servingTenantId === me.tenant.id;
  if (me.role === 'AGENCY_ANALYST') {
    return (
      <>
        <h1>Requests</h1>
        <Queue title="Assigned to me" hint="Requests you examine: overdue first, then by due date." vars={{ assignedToMe: true }} empty="Nothing is assigned to you." testId="my-queue" />
        <Queue title="Awaiting a verifier" hint="Examined requests that a second examiner, never the first, verifies blind. Claim one on its page." vars={{ status: 'IN_VERIFICATION' }}
          keep={(r) => r.examinerId !== me.principalId && !r.verifierId} empty="No request awaits a verifier." testId="verify-queue" />
        <Queue title="I am verifying" hint="Requests whose blind verification you claimed." vars={{ status: 'IN_VERIFICATION' }} keep={(r) => r.verifierId === me.principalId} empty="None." testId="verifying" />
      </>
    );
  }
  return (
    <>
      <h1>Requests</h1>
      <Queue title="Overdue" hint="Open requests past their due date." vars={{ overdue: true }} empty="No request is overdue." testId="overdue" />
      <Queue title="Awaiting your decision" hint="Requests sent to your agency: accept one (assigning an examiner) or decline it with a reason." vars={{ status: 'SUBMITTED' }} keep={mine} empty="No request awaits a decision." testId="to-accept" />
      <Queue title="Awaiting adjudication" hint="The examiner and the verifier disagree: a supervisor who did neither decides." vars={{ status: 'IN_ADJUDICATION' }} keep={mine} empty="No disagreement to adjudicate." testId="to-adjudicate" />
      <Queue title="Verified, to release" hint="Both examiners (or the adjudicator) found a possible lead: release it to the requester." vars={{ status: 'VERIFIED' }} keep={mine} empty="No verified lead awaits release." testId="to-release" />
      <AllRequests title="All requests" />
    </>
  );
}

/** Open requests of one kind, most urgent first. */
function Queue({ title, hint, vars, keep = () => true, empty, testId }: { title: string; hint: string; vars: Record<string, unknown>; keep?: (r: RequestRow) => boolean; empty: string; testId: string }) {
  const { data, error } = useQuery<RequestListQuery>(LIST, { ...vars, first: QUEUE });
  const id = `q-${testId}`;
  const rows = (data?.requests.nodes ?? []).filter(keep).sort(byUrgency);
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <p class="hint">{hint}</p>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (rows.length ? <RequestTable rows={rows} testId={testId} caption={`${rows.length} request${rows.length === 1 ? '' : 's'}, overdue first`} /> : <p>{empty}</p>)}
    </section>
  );
}

function AllRequests({ title }: { title: string }) {
  const cursors = useCursors();
  const { data, error } = useQuery<RequestListQuery>(LIST, { first: 20, after: cursors.after });
  return (
    <section aria-labelledby="all-requests">
      <h2 id="all-requests">{title}{cursors.page > 1 ? ` (page ${cursors.page})` : ''}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (data.requests.nodes.length ? <RequestTable rows={data.requests.nodes} testId="all-requests" caption="Newest first" /> : <p>No requests yet.</p>)}
      {data && <Pager label="Pages of requests" noun="requests" cursors={cursors} pageInfo={data.requests.pageInfo} />}
    </section>
  );
}

export function RequestTable({ rows, caption, testId }: { rows: RequestRow[]; caption: string; testId: string }) {
  return (
    <table data-testid={testId}>
      <caption class="hint">{caption}</caption>
      <thead><tr><th scope="col">Case</th><th scope="col">Status</th><th scope="col">Offense</th><th scope="col">Priority</th><th scope="col">Due</th><th scope="col">Submitted</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr class={r.overdue ? 'overdue' : undefined}>
            <td><a href={`/requests/${r.id}`}>{r.caseNumber}</a></td>
            <td>{words(r.status)}</td>
            <td>{words(r.offenseCategory) || '—'}</td>
            <td>{words(r.priority)}</td>
            <td>{r.dueAt ? when(r.dueAt) : '—'}{r.overdue ? ' (OVERDUE)' : ''}</td>
            <td>{when(r.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const SUBMIT = /* GraphQL */ `mutation SubmitRequest($input: SubmitRequestInput!) { submitRequest(input: $input) { id } }`;
const EMPTY = {
  servingTenantSlug: '', caseNumber: '', offenseCategory: '', statuteText: '', legalBasis: '', warrantNumber: '', narrative: '', sourceKind: '', howObtained: '', capturedAt: '',
  requestingOfficer: '', approvingSupervisor: '', priority: 'ROUTINE', dueAt: '',
};

/** The request form: the probe, the case and its legal basis, the probe's provenance, who asks and who approved it. */
function SubmitRequest() {
  const [form, setForm] = useState(EMPTY);
  const [photo, setPhoto] = useState<{ url: string; base64: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = (k: keyof typeof EMPTY) => ({ id: k, value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value }) });

  async function choose(file: File | null) {
    if (photo) URL.revokeObjectURL(photo.url);
    setPhoto(file ? { url: URL.createObjectURL(file), base64: await base64(file) } : null);
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (!photo) return setError(new Error('Choose the probe photo first.'));
    setBusy(true);
    setError(null);
    try {
      // a date alone is the start of that day (UTC)
      const dated = { ...form, capturedAt: form.capturedAt && `${form.capturedAt}T00:00:00Z`, dueAt: form.dueAt && `${form.dueAt}T23:59:59Z` };
      const input = Object.fromEntries(Object.entries({ ...dated, imageBase64: photo.base64 }).filter(([, v]) => v !== ''));
      const { submitRequest } = await gql<SubmitRequestMutation>(SUBMIT, { input });
      navigate(`/requests/${submitRequest.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="submit">
      <h2 id="submit">Submit a request</h2>
      <form onSubmit={submit}>
        <label for="probe">Probe photo</label>
        <input id="probe" type="file" accept="image/jpeg,image/png,image/webp,image/tiff,image/gif" required onChange={(e) => void choose(e.currentTarget.files?.[0] ?? null)} />
        {photo && <img class="probe" src={photo.url} alt="The probe photo you chose" />}
        <label for="servingTenantSlug">Examining agency (its short name)</label>
        <input {...field('servingTenantSlug')} aria-describedby="serving-hint" />
        <p id="serving-hint" class="hint">The agency whose examiners work the request, under an examination agreement with yours (for example <code>hub</code> for the operator). Leave empty for your own agency’s examiners.</p>
        <fieldset>
          <legend>The case</legend>
          <label for="caseNumber">Case number</label>
          <input {...field('caseNumber')} required />
          <label for="offenseCategory">Offense</label>
          <select {...field('offenseCategory')}>
            <option value="">None</option>
            {OFFENSES.map((o) => <option value={o}>{words(o)}</option>)}
          </select>
          <label for="statuteText">Statute, in words</label>
          <input {...field('statuteText')} />
          <label for="legalBasis">Legal basis</label>
          <select {...field('legalBasis')} required>
            <option value="">Choose the legal basis…</option>
            {LEGAL_BASES.map((b) => <option value={b}>{words(b)}</option>)}
          </select>
          <label for="warrantNumber">Warrant number (where a policy needs one)</label>
          <input {...field('warrantNumber')} />
          <label for="narrative">Narrative: the facts that justify the request</label>
          <textarea {...field('narrative')} rows={3} />
        </fieldset>
        <fieldset>
          <legend>Where the probe came from</legend>
          <label for="sourceKind">Source</label>
          <select {...field('sourceKind')} required>
            <option value="">Choose the source…</option>
            {SOURCE_KINDS.map((s) => <option value={s}>{words(s)}</option>)}
          </select>
          <label for="howObtained">How it was obtained</label>
          <textarea {...field('howObtained')} rows={2} />
          <label for="capturedAt">Capture date (when known)</label>
          <input {...field('capturedAt')} type="date" />
        </fieldset>
        <fieldset>
          <legend>Who asks</legend>
          <label for="requestingOfficer">Requesting officer</label>
          <input {...field('requestingOfficer')} required />
          <label for="approvingSupervisor">Supervisor who approved sending it</label>
          <input {...field('approvingSupervisor')} required />
          <label for="priority">Priority</label>
          <select {...field('priority')}>
            {PRIORITIES.map((p) => <option value={p}>{words(p)}</option>)}
          </select>
          <label for="dueAt">Due date</label>
          <input {...field('dueAt')} type="date" />
        </fieldset>
        <p class="hint">By submitting you declare the request is not for live or continuous surveillance, First Amendment activity, immigration enforcement, or a protected class as its basis.</p>
        <button type="submit" disabled={busy}>{busy ? 'Submitting…' : 'Submit request'}</button>
      </form>
      <Problem error={error} />
    </section>
  );
}
