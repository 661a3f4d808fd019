import { Pager, useCursors } from './pager';
import { useQuery } from './use-query';
import { when, words } from './words';
import type { AwaitingApprovalQuery, HeldSearchesQuery, SearchListQuery } from '../graphql.generated';

type Row = SearchListQuery['searches']['nodes'][number];
type Awaiting = AwaitingApprovalQuery['exigentSearchesAwaitingApproval'][number];

const PAGE = 20;
// no faces here: the list names searches, a search's own page shows its candidates
const LIST = /* GraphQL */ `query SearchList($first: Int, $after: String) { me { role } searches(first: $first, after: $after) {
  nodes { id createdAt caseNumber legalBasis offenseCategory reviewStatus reviewOutcome exigentDueAt approvedAt legalHold candidates { rank } }
  pageInfo { endCursor hasNextPage } } }`;
const AWAITING = /* GraphQL */ `query AwaitingApproval { exigentSearchesAwaitingApproval { id createdAt caseNumber legalBasis exigentDueAt } }`;
// every search of the tenant on legal hold, whichever page of all searches shows it
const HELD = /* GraphQL */ `query HeldSearches($first: Int, $after: String) { searches(first: $first, after: $after, legalHold: true) {
  nodes { id createdAt caseNumber legalBasis reviewStatus reviewOutcome } pageInfo { endCursor hasNextPage } } }`;
type Held = HeldSearchesQuery['searches']['nodes'][number];

const STATUS: Record<string, string> = {
  PENDING: 'Awaiting review',
  AWAITING_SECOND_REVIEW: 'Awaiting a second reviewer',
  REVIEWED: 'Reviewed',
};
const review = (s: { reviewStatus: string; reviewOutcome: string | null }) => `${STATUS[s.reviewStatus] ?? words(s.reviewStatus)}${s.reviewOutcome ? `: ${words(s.reviewOutcome)}` : ''}`;

export function SearchesPage() {
  const cursors = useCursors();
  const { after } = cursors;
  const { data, error } = useQuery<SearchListQuery>(LIST, { first: PAGE, after });
  const supervisor = data?.me.role === 'AGENCY_SUPERVISOR';
  const rows = data?.searches.nodes ?? [];
  return (
    <>
      <h1>Searches</h1>
      <p class="hint">{supervisor ? 'Every search of your agency, newest first.' : 'Your searches, newest first.'} Open one to see its candidates and review it.</p>
      {error && <p class="error" role="alert">{error}</p>}
      {supervisor && <ExigentAwaiting />}
      {supervisor && <OnLegalHold />}
      {data && (
        <section aria-labelledby="all-searches">
          <h2 id="all-searches">All searches{cursors.page > 1 ? ` (page ${cursors.page})` : ''}</h2>
          {rows.length === 0 ? <p>No searches yet.</p> : (
            <table>
              <caption class="hint">Page {cursors.page}: {rows.length} search{rows.length === 1 ? '' : 'es'}</caption>
              <thead><tr><th scope="col">When</th><th scope="col">Case</th><th scope="col">Legal basis</th><th scope="col">Offense</th><th scope="col">Candidates</th><th scope="col">Review</th><th scope="col">Exigent</th><th scope="col">Legal hold</th></tr></thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td><a href={`/searches/${r.id}`}>{when(r.createdAt)}</a></td>
                    <td>{r.caseNumber ?? '—'}</td>
                    <td>{words(r.legalBasis)}</td>
                    <td>{words(r.offenseCategory) || '—'}</td>
                    <td>{r.candidates.length}</td>
                    <td>{review(r)}</td>
                    <td>{r.exigentDueAt ? (r.approvedAt ? `approved ${when(r.approvedAt)}` : `approval due ${when(r.exigentDueAt)}`) : '—'}</td>
                    <td>{r.legalHold ? 'On hold' : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager label="Pages of searches" noun="searches" cursors={cursors} pageInfo={data.searches.pageInfo} />
        </section>
      )}
    </>
  );
}

/** Every search of the tenant kept past its retention by a legal hold, newest first, paged. */
function OnLegalHold() {
  const cursors = useCursors();
  const { after } = cursors;
  const { data, error } = useQuery<HeldSearchesQuery>(HELD, { first: PAGE, after });
  const list = data?.searches.nodes ?? [];
  return (
    <section aria-labelledby="on-legal-hold">
      <h2 id="on-legal-hold">On legal hold{cursors.page > 1 ? ` (page ${cursors.page})` : ''}</h2>
      <p class="hint">Searches of your agency kept past their retention period by a legal hold; a search’s page places or releases one, and its audit trail records the reason and who placed it.</p>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (list.length === 0 && cursors.page === 1 ? <p>No search is on legal hold.</p> : (
        <>
          <table data-testid="legal-holds">
            <thead><tr><th scope="col">When</th><th scope="col">Case</th><th scope="col">Legal basis</th><th scope="col">Review</th></tr></thead>
            <tbody>
              {list.map((s) => (
                <tr>
                  <td><a href={`/searches/${s.id}`}>{when(s.createdAt)}</a></td>
                  <td>{s.caseNumber ?? '—'}</td>
                  <td>{words(s.legalBasis)}</td>
                  <td>{review(s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="Pages of searches on legal hold" noun="holds" cursors={cursors} pageInfo={data.searches.pageInfo} />
        </>
      ))}
    </section>
  );
}

/** Exigent searches a supervisor must approve after the fact, overdue first. */
function ExigentAwaiting() {
  const { data, error } = useQuery<AwaitingApprovalQuery>(AWAITING);
  const now = Date.now();
  const list = data?.exigentSearchesAwaitingApproval ?? [];
  return (
    <section aria-labelledby="exigent">
      <h2 id="exigent">Exigent searches awaiting your approval</h2>
      <p class="hint">An imminent-threat search runs at once; a supervisor other than the one who ran it approves it by its deadline.</p>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (list.length === 0 ? <p>None awaiting approval.</p> : (
        <table data-testid="exigent">
          <thead><tr><th scope="col">Run</th><th scope="col">Case</th><th scope="col">Legal basis</th><th scope="col">Approval due</th></tr></thead>
          <tbody>
            {list.map((s) => {
              const overdue = s.exigentDueAt !== null && new Date(s.exigentDueAt).getTime() < now;
              return (
                <tr class={overdue ? 'overdue' : undefined}>
                  <td><a href={`/searches/${s.id}`}>{when(s.createdAt)}</a></td>
                  <td>{s.caseNumber ?? '—'}</td>
                  <td>{words(s.legalBasis)}</td>
                  <td>{when(s.exigentDueAt)}{overdue ? ' (OVERDUE)' : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ))}
    </section>
  );
}
