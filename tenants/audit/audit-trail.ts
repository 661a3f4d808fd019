import { AuditRepository, type AuditEventInput } from '../../models/audit.repository.js';
import type { Db, Queryable } from '../../models/db.js';
import { AuditOutcome, type ReviewOutcome } from '../../models/enums.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, isDenial } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';

/** outcome: ALLOWED, DENIED or FAILED; a review event records the review's outcome */
export type AuditFields = Partial<Omit<AuditEventInput, 'at' | 'action' | 'outcome'>> & { action: string; outcome: AuditOutcome | ReviewOutcome };

/** How every service writes the audit chain: in its own transaction, or alone for refusals. */
export class AuditTrail {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly repo = new AuditRepository(),
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

  /** Records the refusal of `work` (denied, or failed on bad input) and rethrows it. */
  async refusals<T>(actor: Actor, f: Omit<AuditFields, 'outcome'>, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (e instanceof DomainError || typeof code === 'string') {
        await this.appendAlone(actor, { ...f, outcome: isDenial(e) ? AuditOutcome.DENIED : AuditOutcome.FAILED, reason: String(code) });
      }
      throw e;
    }
  }
}
