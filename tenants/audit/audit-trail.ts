import { AuditRepository, type AuditEventInput } from '../../models/audit.repository.js';
import type { Db, Queryable } from '../../models/db.js';
import { AuditOutcome, type AuditAction, type ReviewOutcome } from '../../models/enums.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { classify, markAudited, wasAudited } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';

/** outcome: ALLOWED, DENIED or FAILED; a review event records the review's outcome */
export type AuditFields = Partial<Omit<AuditEventInput, 'at' | 'action' | 'outcome'>> & { action: AuditAction; outcome: AuditOutcome | ReviewOutcome };

/** Told when a refused attempt could not be audited: the hub logs it and counts it. */
export type AuditFailureHook = (err: unknown, refusal: { reason: string; requestId: string | null }) => void;

/** How every service writes the audit chain: in its own transaction, or alone for refusals. */
export class AuditTrail {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly repo = new AuditRepository(),
    private readonly onAuditFailure: AuditFailureHook = warnAuditFailure,
  ) {}

  /** Appends in the caller's transaction, so the event and what it records commit together. */
  async append(tx: Queryable, actor: Actor | null, f: AuditFields): Promise<void> {
    await this.repo.append(tx, {
      at: this.clock.now(),
      requestId: actor?.requestId ?? null,
      tenantId: actor?.tenantId ?? null,
      principalId: actor?.principalId ?? null,
      actorRole: actor?.role ?? null,
      reason: null,
      caseNumber: null,
      legalBasis: null,
      offenseCategory: null,
      galleries: null,
      candidateCount: null,
      modelVersion: null,
      probeSha256: null,
      details: {},
      ...f,
    });
  }

  /** Appends in a transaction of its own: for refusals and failures, whose work left nothing else behind. */
  async appendAlone(actor: Actor, f: AuditFields): Promise<void> {
    await this.db.scoped(scopeOf(actor), (tx) => this.append(tx, actor, f));
  }

  /** Records the refusal of `work` (denied, or failed for any reason) and rethrows it. */
  async refusals<T>(actor: Actor, f: Omit<AuditFields, 'outcome'>, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      await this.recordRefusal(actor, f, e);
      throw e;
    }
  }

  /**
   * Audits one refused attempt with the error's stable reason, once (the error is marked). Never
   * throws: a failure while auditing is reported, and the caller rethrows the original error.
   */
  async recordRefusal(actor: Actor, f: Omit<AuditFields, 'outcome'>, e: unknown): Promise<void> {
    if (wasAudited(e)) return;
    const { outcome, reason } = classify(e);
    try {
      await this.appendAlone(actor, { ...f, outcome, reason });
      markAudited(e);
    } catch (err) {
      this.onAuditFailure(err, { reason, requestId: actor.requestId ?? null });
    }
  }
}

function warnAuditFailure(err: unknown, refusal: { reason: string }): void {
  process.emitWarning(`could not audit a refused attempt (${refusal.reason}): ${err instanceof Error ? err.message : String(err)}`, 'AuditWarning');
}
