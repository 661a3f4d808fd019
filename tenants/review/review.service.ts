import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, CandidateDecision, ReviewOutcome, ReviewStatus } from '../../models/enums.js';
import { ReviewRepository, type ReviewRow } from '../../models/review.repository.js';
import { SearchRepository, type SearchRow } from '../../models/search.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize, type Action } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Clock } from '../shared/ports.js';
import { onlyItsExaminer } from '../search/search.service.js';

export interface ReviewInput {
  searchId: string;
  outcome: ReviewOutcome;
  decisions: { rank: number; decision: CandidateDecision }[];
  note?: string | null;
}

/**
 * The human step after a search: leads, not identifications. A POSSIBLE_LEAD stands only once a
 * second reviewer, a different principal, has also reviewed it; exigent searches are approved by
 * a supervisor after the fact; legal holds keep a search past its retention.
 */
export class ReviewService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly reviews = new ReviewRepository(),
    private readonly searches = new SearchRepository(),
  ) {}

  async review(actor: Actor, input: ReviewInput): Promise<SearchRow> {
    return this.trail.refusals(actor, { action: AuditAction.SEARCH_REVIEW, details: { searchId: input.searchId } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const search = await this.load(tx, actor, input.searchId, 'review');
        if (!actor.principalId) throw new DomainError('FORBIDDEN', 'A review is a person’s decision: sign in as a principal, not a service account.');
        if (search.reviewStatus === ReviewStatus.REVIEWED) throw new DomainError('CONFLICT', 'This search has been reviewed already.');
        const candidates = await this.searches.candidates(tx, search.id);
        // a removed subject's candidate row keeps its rank, but there is no one left to decide on
        validateDecisions(input, candidates.filter((c) => !c.removedReason).map((c) => c.rank));
        const second = search.reviewStatus === ReviewStatus.AWAITING_SECOND_REVIEW;
        const status = second || input.outcome !== ReviewOutcome.POSSIBLE_LEAD ? ReviewStatus.REVIEWED : ReviewStatus.AWAITING_SECOND_REVIEW;
        // the status moves on only from what this reviewer saw; concurrent reviewers queue on the row and all but one find it moved
        if (!(await this.searches.setReview(tx, search.id, search.reviewStatus, status, input.outcome))) {
          throw new DomainError('CONFLICT', 'Someone else reviewed this search while you did; reload it to see where its review stands.');
        }
        const earlier = await this.reviews.ofSearch(tx, search.id);
        if (second && earlier.some((r) => r.reviewerId === actor.principalId)) {
          throw new DomainError('CONFLICT', 'A POSSIBLE_LEAD needs a second reviewer who is a different principal; ask a colleague or supervisor to review it.');
        }
        await this.reviews.insert(tx, { tenantId: search.tenantId, searchId: search.id, reviewerId: actor.principalId, outcome: input.outcome, decisions: input.decisions, note: input.note?.trim() || null });
        await this.trail.append(tx, actor, {
          action: AuditAction.SEARCH_REVIEW, outcome: input.outcome, caseNumber: search.caseNumber, legalBasis: search.legalBasis,
          offenseCategory: search.offenseCategory, details: { searchId: search.id, final: status === ReviewStatus.REVIEWED, round: earlier.length + 1 },
        });
        return (await this.searches.byId(tx, search.tenantId, search.id))!;
      }),
    );
  }

  async approveExigent(actor: Actor, searchId: string, note?: string | null): Promise<SearchRow> {
    return this.trail.refusals(actor, { action: AuditAction.EXIGENT_APPROVED, details: { searchId } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const search = await this.load(tx, actor, searchId, 'approve');
        if (!search.exigentDueAt) throw new DomainError('BAD_USER_INPUT', `Search ${searchId} was not exigent (${search.legalBasis}); there is nothing to approve.`);
        if (search.approvedAt) throw new DomainError('CONFLICT', 'This exigent search has been approved already.');
        if (!actor.principalId || actor.principalId === search.principalId) throw new DomainError('FORBIDDEN', 'An exigent search is approved by a supervisor other than the one who ran it.');
        const row = await this.searches.approve(tx, search.id, actor.principalId);
        if (!row) throw new DomainError('CONFLICT', 'Another supervisor approved this exigent search while you did.');
        const late = this.clock.now() > search.exigentDueAt;
        await this.trail.append(tx, actor, {
          action: AuditAction.EXIGENT_APPROVED, outcome: AuditOutcome.ALLOWED, caseNumber: search.caseNumber, legalBasis: search.legalBasis,
          details: { searchId, late, note: note?.trim() || null },
        });
        return row;
      }),
    );
  }

  async setLegalHold(actor: Actor, input: { searchId: string; hold: boolean; reason?: string | null }): Promise<SearchRow> {
    return this.trail.refusals(actor, { action: AuditAction.LEGAL_HOLD_SET, details: { searchId: input.searchId, hold: input.hold } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        if (input.hold && !input.reason?.trim()) throw new DomainError('BAD_USER_INPUT', 'A legal hold needs its reason (e.g. the court order or litigation it serves).');
        const search = await this.load(tx, actor, input.searchId, 'hold');
        const row = await this.searches.setLegalHold(tx, search.id, input.hold, input.reason?.trim() || null);
        await this.trail.append(tx, actor, { action: AuditAction.LEGAL_HOLD_SET, outcome: AuditOutcome.ALLOWED, caseNumber: search.caseNumber, details: { searchId: search.id, hold: input.hold, reason: input.reason ?? null } });
        return row;
      }),
    );
  }

  /** Exigent searches awaiting approval (overdue first), for supervisors. */
  async awaitingApproval(actor: Actor, overdueOnly: boolean): Promise<SearchRow[]> {
    const ability = abilityOf(actor, this.clock.now());
    authorize(actor, ability, 'approve', 'Search', { tenantId: actor.tenantId });
    return this.db.scoped(scopeOf(actor), (tx) => this.searches.awaitingApproval(tx, actor.tenantId, overdueOnly));
  }

  /** The reviews of several searches (a page of them) in two queries; each search the caller may not read is its own NOT_FOUND or FORBIDDEN. */
  async reviewsOf(actor: Actor, searchIds: string[]): Promise<Map<string, ReviewRow[] | DomainError>> {
    const ability = abilityOf(actor, this.clock.now());
    return this.db.scoped(scopeOf(actor), async (tx) => {
      const found = new Map((await this.searches.visibleMany(tx, searchIds.filter(isUuid))).map((s) => [s.id, s]));
      const result = new Map<string, ReviewRow[] | DomainError>();
      for (const id of searchIds) {
        const search = found.get(id);
        try {
          if (!search) throw notFound('search', id);
          authorize(actor, ability, 'read', 'Search', { ...search });
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          result.set(id, e);
        }
      }
      const readable = searchIds.filter((id) => !result.has(id));
      for (const [id, rows] of await this.reviews.ofSearches(tx, readable)) result.set(id, rows);
      return result;
    });
  }

  /** A search the caller may act on; another tenant's is NOT_FOUND (row-level security hides it too). */
  private async load(tx: Queryable, actor: Actor, id: string, action: Action): Promise<SearchRow> {
    const search = isUuid(id) ? await this.searches.visible(tx, id) : undefined;
    if (!search) throw notFound('search', id);
    authorize(actor, abilityOf(actor, this.clock.now()), action, 'Search', { ...search });
    if (action === 'review') onlyItsExaminer(actor, search);
    return search;
  }
}

function validateDecisions(input: ReviewInput, ranks: number[]): void {
  const seen = new Set<number>();
  for (const d of input.decisions) {
    if (!ranks.includes(d.rank)) throw new DomainError('BAD_USER_INPUT', `The search has no candidate ranked ${d.rank}.`);
    if (seen.has(d.rank)) throw new DomainError('BAD_USER_INPUT', `Candidate ${d.rank} is decided twice.`);
    seen.add(d.rank);
  }
  const possible = input.decisions.some((d) => d.decision === CandidateDecision.POSSIBLE_MATCH);
  if (input.outcome === ReviewOutcome.POSSIBLE_LEAD && !possible) throw new DomainError('BAD_USER_INPUT', 'A POSSIBLE_LEAD names at least one candidate decided POSSIBLE_MATCH.');
  if (input.outcome === ReviewOutcome.NO_LEAD && possible) throw new DomainError('BAD_USER_INPUT', 'A NO_LEAD outcome cannot mark a candidate POSSIBLE_MATCH.');
}
