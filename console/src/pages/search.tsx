import { useCallback, useEffect, useState } from 'preact/hooks';
import { gql } from '../api';
import { CANDIDATE_FIELDS, CandidateTable, LeadsNotice, type Candidate } from './candidates';
import { Problem } from './problem';
import { explain, when, words } from './words';
import type { SearchPageQuery } from '../graphql.generated';

type Search = SearchPageQuery['search'];
type Review = Search['reviews'][number];

const LOAD = /* GraphQL */ `query SearchPage($id: ID!) { me { role principalId } search(id: $id) {
  id createdAt caseNumber legalBasis offenseCategory modelVersion threshold notice reviewStatus reviewOutcome exigentDueAt approvedAt legalHold
  candidates { ...CandidateFields } reviews { reviewerId outcome note createdAt decisions { rank decision } } } } ${CANDIDATE_FIELDS}`;
const REVIEW = /* GraphQL */ `mutation ReviewSearch($i: ReviewSearchInput!) { reviewSearch(input: $i) { id } }`;
const APPROVE = /* GraphQL */ `mutation ApproveExigentSearch($id: ID!, $note: String) { approveExigentSearch(searchId: $id, note: $note) { id } }`;
const HOLD = /* GraphQL */ `mutation SetLegalHold($id: ID!, $hold: Boolean!, $reason: String) { setLegalHold(searchId: $id, hold: $hold, reason: $reason) { id } }`;

const DECISIONS = ['NOT_A_MATCH', 'POSSIBLE_MATCH', 'INCONCLUSIVE'];
const OUTCOMES = ['NO_LEAD', 'POSSIBLE_LEAD', 'INCONCLUSIVE'];

/** One search: its candidates beside their enrolled faces, its reviews, and the supervisor's actions. */
export function SearchPage({ id }: { id: string }) {
  const [state, setState] = useState<{ search?: Search; me?: { role: string; principalId: string | null }; error?: unknown }>({});
  const [done, setDone] = useState('');
  const load = useCallback(() => {
    gql<SearchPageQuery>(LOAD, { id }).then((d) => setState({ search: d.search, me: d.me }), (error) => setState({ error }));
  }, [id]);
  useEffect(load, [load]);
  const after = (message: string) => { setDone(message); load(); };

  if (state.error) {
    const { code, message } = explain(state.error);
    if (code === 'NOT_FOUND') {
      return (
        <>
          <h1>Search not found</h1>
          <p role="alert">Search not found: no search with this id is visible to you. It does not exist, was deleted at the end of its retention, or belongs to another agency.</p>
          <p><a href="/searches">Back to the searches</a></p>
        </>
      );
    }
    return <><h1>Search</h1><Problem error={state.error} /><p class="hint">{message}</p></>;
  }
  const { search: s, me } = state;
  if (!s || !me) return <p>Loading…</p>;
  const supervisor = me.role === 'AGENCY_SUPERVISOR';
  return (
    <>
      <h1>Search of {when(s.createdAt)}</h1>
      <dl class="facts">
        <dt>Case</dt><dd>{s.caseNumber ?? '—'}</dd>
        <dt>Legal basis</dt><dd>{words(s.legalBasis)}</dd>
        <dt>Offense</dt><dd>{words(s.offenseCategory) || '—'}</dd>
        <dt>Review</dt><dd data-testid="review-status">{reviewStatusWords(s)}</dd>
        {s.exigentDueAt && <><dt>Exigent</dt><dd data-testid="exigent-status">{s.approvedAt ? `approved ${when(s.approvedAt)}` : `awaiting a supervisor’s approval, due ${when(s.exigentDueAt)}${new Date(s.exigentDueAt).getTime() < Date.now() ? ' (OVERDUE)' : ''}`}</dd></>}
        <dt>Legal hold</dt><dd data-testid="hold-status">{s.legalHold ? 'On legal hold: kept past its retention until released' : 'None'}</dd>
      </dl>
      {done && <p role="status">{done}</p>}
      <LeadsNotice notice={s.notice} />
      <p class="hint">The hub does not keep the probe photo: compare each enrolled face with the probe in the case file.</p>
      <ReviewForm search={s} me={me} onDone={after} />
      {s.reviews.length > 0 && (
        <section aria-labelledby="reviews">
          <h2 id="reviews">Reviews so far</h2>
          <ol>
            {s.reviews.map((r) => (
              <li>{when(r.createdAt)}: {words(r.outcome)} by {r.reviewerId === me.principalId ? 'you' : `reviewer ${r.reviewerId.slice(0, 8)}`}
                {r.decisions.length > 0 && ` (${r.decisions.map((d) => `candidate ${d.rank}: ${words(d.decision)}`).join('; ')})`}{r.note ? `. Note: ${r.note}` : ''}</li>
            ))}
          </ol>
        </section>
      )}
      {supervisor && s.exigentDueAt && !s.approvedAt && <Approve search={s} onDone={after} />}
      {supervisor && <Hold search={s} onDone={after} />}
    </>
  );
}

function reviewStatusWords(s: Search): string {
  if (s.reviewStatus === 'PENDING') return 'Awaiting review';
  if (s.reviewStatus === 'AWAITING_SECOND_REVIEW') return 'Possible lead: awaiting a second reviewer';
  return `Reviewed: ${words(s.reviewOutcome)}`;
}

function ReviewForm({ search: s, me, onDone }: { search: Search; me: { principalId: string | null }; onDone: (m: string) => void }) {
  const [decisions, setDecisions] = useState<Record<number, string>>({});
  const [outcome, setOutcome] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const reviewedByMe = s.reviews.some((r) => r.reviewerId === me.principalId);
  const second = s.reviewStatus === 'AWAITING_SECOND_REVIEW';
  // the hub enforces the rule; the page says it before anyone tries
  const blocked = s.reviewStatus === 'REVIEWED' ? 'This search’s review is complete.'
    : !me.principalId ? 'A review is a person’s decision: sign in as a person, not a service account.'
    : second && reviewedByMe ? 'You made the first review of this possible lead. The second review must be made by a different reviewer: ask a colleague or another supervisor.'
    : '';

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const list = Object.entries(decisions).filter(([, d]) => d).map(([rank, decision]) => ({ rank: Number(rank), decision }));
      await gql(REVIEW, { i: { searchId: s.id, outcome, decisions: list, note: note || null } });
      setDecisions({});
      setOutcome('');
      setNote('');
      onDone(outcome === 'POSSIBLE_LEAD' && !second ? 'Review saved. A possible lead stands once a second, different reviewer has reviewed it too.' : 'Review saved.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const decide = blocked ? undefined : (c: Candidate) => (
    <select aria-label={`Decision for candidate ${c.rank} (${c.subjectRef})`} value={decisions[c.rank] ?? ''} onChange={(e) => setDecisions({ ...decisions, [c.rank]: e.currentTarget.value })}>
      <option value="">Not decided</option>
      {DECISIONS.map((d) => <option value={d}>{words(d)}</option>)}
    </select>
  );

  return (
    <section aria-labelledby="review">
      <h2 id="review">Candidates{blocked ? '' : ' and your review'}</h2>
      <div class="rule" id="second-reviewer">
        <p><strong>The second-reviewer rule:</strong> a review that concludes “possible lead” stands only once a second reviewer, a different person, has reviewed the search too. “No lead” and “inconclusive” conclude the review at once.</p>
      </div>
      {blocked && <p role="status" data-testid="review-blocked">{blocked}</p>}
      <form onSubmit={submit}>
        <CandidateTable candidates={s.candidates} threshold={s.threshold} decide={decide} caption={`Ranked by similarity; threshold ${s.threshold.toFixed(3)}, model ${s.modelVersion}.`} />
        {!blocked && (
          <>
            <label for="outcome">Outcome of your review</label>
            <select id="outcome" required aria-describedby="second-reviewer" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
              <option value="">Choose…</option>
              {OUTCOMES.map((o) => <option value={o}>{words(o)}</option>)}
            </select>
            <label for="review-note">Note (optional)</label>
            <textarea id="review-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
            <button type="submit" disabled={busy}>{second ? 'Save the second review' : 'Save review'}</button>
          </>
        )}
      </form>
      <Problem error={error} />
    </section>
  );
}

function Approve({ search: s, onDone }: { search: Search; onDone: (m: string) => void }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      await gql(APPROVE, { id: s.id, note: note || null });
      onDone('Exigent search approved.');
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section aria-labelledby="approve">
      <h2 id="approve">Approve this exigent search</h2>
      <p class="hint">Due by {when(s.exigentDueAt)}. A supervisor other than the one who ran it approves it after the fact.</p>
      <form onSubmit={submit}>
        <label for="approve-note">Note (optional)</label>
        <textarea id="approve-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        <button type="submit">Approve exigent search</button>
      </form>
      <Problem error={error} />
    </section>
  );
}

function Hold({ search: s, onDone }: { search: Search; onDone: (m: string) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      await gql(HOLD, { id: s.id, hold: !s.legalHold, reason: reason || null });
      setReason('');
      onDone(s.legalHold ? 'Legal hold released.' : 'Legal hold placed.');
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section aria-labelledby="hold">
      <h2 id="hold">Legal hold</h2>
      <p class="hint">A legal hold keeps this search past its retention period (for a court order or litigation) until it is released.</p>
      <form onSubmit={submit}>
        {!s.legalHold && (
          <>
            <label for="hold-reason">Reason for the hold</label>
            <input id="hold-reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </>
        )}
        <button type="submit">{s.legalHold ? 'Release legal hold' : 'Place legal hold'}</button>
      </form>
      <Problem error={error} />
    </section>
  );
}
