import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api';
import { valueOf } from './location';
import { Pager, useCursors } from './pager';
import { useQuery } from './use-query';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, inWords, words } from './vocab';
import type { AuditEventsQuery, TenantSlugsQuery, VerifyAuditChainQuery } from '../graphql.generated';

type Page = AuditEventsQuery['auditEvents'];
type AuditEvent = Page['nodes'][number];

const EVENTS = /* GraphQL */ `query AuditEvents($first: Int, $after: String, $t: ID, $a: String, $x: [String!], $o: AuditOutcome, $from: DateTimeISO, $to: DateTimeISO) {
  auditEvents(first: $first, after: $after, tenantId: $t, action: $a, exceptActions: $x, outcome: $o, from: $from, to: $to) {
    nodes { seq at tenantId principalId actorRole caseNumber action outcome reason legalBasis details hash } pageInfo { endCursor hasNextPage } } }`;
// what every page view of the console itself reads: left out unless asked for, so the log shows decisions
const PAGE_VIEW_READS = ['STATISTICS_READ', 'AUDIT_READ'];

/** The people of the tenants on a page of events, by principal id (one request, one alias per tenant). */
async function namesOf(slugs: string[]): Promise<Record<string, string>> {
  if (!slugs.length) return {};
  const fields = slugs.map((s, i) => `t${i}: principals(tenantSlug: ${JSON.stringify(s)}) { id name }`).join(' ');
  const r = await gql<Record<string, { id: string; name: string }[]>>(`{ ${fields} }`);
  return Object.fromEntries(Object.values(r).flat().map((p) => [p.id, p.name]));
}

/** An event's details as a reader reads them: "search id: …, final: yes", not JSON. */
export function detailWords(details: Record<string, unknown>): string {
  const value = (v: unknown): string =>
    v === null || v === undefined ? '—' : v === true ? 'yes' : v === false ? 'no' : Array.isArray(v) ? v.map(value).join(', ') || '—'
      : typeof v === 'object' ? Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => `${label(k)} ${value(x)}`).join(', ') || '—' : String(v);
  const label = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return Object.entries(details).map(([k, v]) => `${label(k)}: ${value(v)}`).join('; ') || '—';
}
const PAGE_SIZE = 25;

/** The audit log (HUB_ADMIN): filters, pages of 25 newest first, and verification of the whole chain. */
export function AuditLogPage() {
  const tenants = useQuery<TenantSlugsQuery>(/* GraphQL */ `query TenantSlugs { tenants { id slug } }`);
  const [filter, setFilter] = useState({ tenantId: '', action: '', outcome: '', from: '', to: '', reads: '' });
  const [names, setNames] = useState<Record<string, string>>({});
  const [applied, setApplied] = useState(filter);
  const cursors = useCursors();
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState('');
  const { after } = cursors;
  useEffect(() => {
    const f = applied;
    gql<AuditEventsQuery>(EVENTS, {
      first: PAGE_SIZE, after, t: f.tenantId || null, a: f.action || null, x: f.reads || f.action ? null : PAGE_VIEW_READS, o: f.outcome || null,
      from: f.from ? `${f.from}T00:00:00Z` : null, to: f.to ? new Date(Date.parse(`${f.to}T00:00:00Z`) + 86_400_000).toISOString() : null,
    }).then((d) => { setPage(d.auditEvents); setError(''); }, (e: Error) => setError(e.message));
  }, [applied, after]);
  // who acted: the names of the people on this page (service accounts and the system have none)
  const slugsOnPage = [...new Set((page?.nodes ?? []).filter((e) => e.principalId && e.tenantId).map((e) => tenants.data?.tenants.find((t) => t.id === e.tenantId)?.slug).filter((s): s is string => !!s))];
  useEffect(() => void namesOf(slugsOnPage).then(setNames, () => setNames({})), [slugsOnPage.join(',')]);
  const who = (e: AuditEvent) => {
    const role = e.actorRole ? words(e.actorRole) : '';
    if (e.principalId) return `${names[e.principalId] ?? `principal ${e.principalId.slice(0, 8)}`}${role ? ` (${role})` : ''}`;
    return role ? `service account (${role})` : 'the hub';
  };
  const slugOf = (id: string | null) => (id ? tenants.data?.tenants.find((t) => t.id === id)?.slug ?? id : '—');
  const set = (k: keyof typeof filter) => ({ value: filter[k], onChange: (e: Event) => setFilter({ ...filter, [k]: valueOf(e) }) });
  return (
    <>
      <h1>Audit log</h1>
      <ChainStatus />
      <form class="filters" aria-labelledby="filters" onSubmit={(e) => { e.preventDefault(); cursors.reset(); setApplied({ ...filter }); }}>
        <h2 id="filters">Filters</h2>
        <div>
          <label for="f-tenant">Tenant</label>
          <select id="f-tenant" {...set('tenantId')}><option value="">Any</option>{tenants.data?.tenants.map((t) => <option value={t.id}>{t.slug}</option>)}</select>
        </div>
        <div>
          <label for="f-action">Action</label>
          <select id="f-action" {...set('action')}><option value="">Any</option>{AUDIT_ACTIONS.map((a) => <option value={a}>{words(a)}</option>)}</select>
        </div>
        <div>
          <label for="f-outcome">Outcome</label>
          <select id="f-outcome" {...set('outcome')}><option value="">Any</option>{AUDIT_OUTCOMES.map((o) => <option value={o}>{words(o)}</option>)}</select>
        </div>
        <div>
          <label for="f-from">From (day)</label>
          <input id="f-from" type="date" {...set('from')} />
        </div>
        <div>
          <label for="f-to">To (day, included)</label>
          <input id="f-to" type="date" {...set('to')} />
        </div>
        <div>
          <input id="f-reads" type="checkbox" checked={!!filter.reads} onChange={(e) => setFilter({ ...filter, reads: e.currentTarget.checked ? 'yes' : '' })} />
          <label for="f-reads">Include the console's own reads (statistics read, audit read)</label>
        </div>
        <button type="submit">Apply filters</button>
      </form>
      <p class="hint">Reading the log is itself an audited event. Reads of statistics and of this log, which every page view makes, are left out unless you include them.</p>
      {error && <p class="error" role="alert">{error}</p>}
      {page && (page.nodes.length === 0 ? <p>No event matches.</p> : (
        <table data-testid="audit-events">
          <caption class="hint">Events newest first, page {cursors.page}.</caption>
          <thead><tr><th scope="col">#</th><th scope="col">When (UTC)</th><th scope="col">Tenant</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Case</th><th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col">Details</th></tr></thead>
          <tbody>
            {page.nodes.map((e) => (
              <tr class={`outcome-${e.outcome.toLowerCase()}`}>
                <td>{e.seq}</td><td>{e.at.slice(0, 19).replace('T', ' ')}</td><td>{slugOf(e.tenantId)}</td><td data-testid="who">{who(e)}</td>
                <td>{words(e.action)}</td><td data-testid="case">{e.caseNumber ?? '—'}</td><td>{words(e.outcome)}</td><td>{e.reason ? `${inWords(e.reason)} (${e.reason})` : '—'}</td>
                <td class="details">{detailWords(e.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <Pager label="Pages of the audit log" noun="events" cursors={cursors} pageInfo={page?.pageInfo} />
    </>
  );
}

/** Recomputes the whole chain on request (the operator and oversight may). */
export function ChainStatus() {
  const [result, setResult] = useState<VerifyAuditChainQuery['verifyAuditChain'] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function verify() {
    setBusy(true);
    try {
      setResult((await gql<VerifyAuditChainQuery>(/* GraphQL */ `query VerifyAuditChain { verifyAuditChain { ok checked firstBrokenSequence } }`)).verifyAuditChain);
      setError('');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="chain-status">
      <h2 id="chain-status">Chain verification</h2>
      <p class="hint">Every event carries the hash of the one before it; verification recomputes them all, so an altered, removed or reordered event shows.</p>
      <button type="button" onClick={verify} disabled={busy}>{busy ? 'Verifying…' : 'Verify the chain'}</button>
      {error && <p class="error" role="alert">{error}</p>}
      {result && <p role="status" data-testid="chain-result" class={result.ok ? 'ok' : 'error'}>{result.ok ? `Intact: ${result.checked} events checked.` : `BROKEN at event ${result.firstBrokenSequence}: the log was altered or events are missing.`}</p>}
    </section>
  );
}
