import { AsyncLocalStorage } from 'node:async_hooks';
import { AuditRepository, type AuditEventInput } from '../../models/audit.repository.js';
import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditOutcome, type AuditAction, type ReviewOutcome } from '../../models/enums.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { classify } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';

/** outcome: ALLOWED, DENIED or FAILED; a review event records the review's outcome */
export type AuditFields = Partial<Omit<AuditEventInput, 'at' | 'action' | 'outcome'>> & { action: AuditAction; outcome: AuditOutcome | ReviewOutcome };

/** Told when a refused attempt could not be audited: the hub logs it and counts it. */
export type AuditFailureHook = (err: unknown, refusal: { reason: string; requestId: string | null }) => void;

/** How every service writes the audit chain: in its own transaction, or alone for refusals. */
export class AuditTrail {
  constructor(
    private readonly db: ScopedDb,
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

  /** Appends in a transaction of its own: for decisions whose work left nothing else behind. */
  async appendAlone(actor: Actor, f: AuditFields): Promise<void> {
    await this.db.scoped(scopeOf(actor), (tx) => this.append(tx, actor, f));
  }

  /**
   * The one refusal path: runs `work` as an attempt described by `f`; each error thrown in it (denied,
   * or failed for any reason) is written as exactly one event, with the error's outcome and stable
   * reason, in a transaction of its own, and rethrown. Attempts nest: the API opens one around every
   * root field and federation entity lookup (schema/attempt-audit.ts), a service opens one around its
   * work; a failure is written once, when the outermost attempt ends, with the description of the
   * innermost attempt it came through (the service knows the attempt best). A failure the outer work
   * swallowed is written too, and one that comes after the outermost attempt ended (the lookups of
   * `_entities` outlive its resolver) is written at once. Writing never hides the error: a failure to
   * write is reported.
   */
  async refusals<T>(actor: Actor | null | undefined, f: Omit<AuditFields, 'outcome'>, work: () => Promise<T>): Promise<T> {
    const open = attempts.getStore();
    if (open && !open.ended) {
      try {
        return await work();
      } catch (e) {
        failedIn(open, e, f);
        if (open.ended) await this.writeFailures(open, actor);
        throw e;
      }
    }
    const attempt: Attempt = { actor, ended: false, failed: new Map(), written: new Set() };
    try {
      const result = await attempts.run(attempt, work);
      attempt.ended = true;
      await this.writeFailures(attempt, actor);
      return result;
    } catch (e) {
      attempt.ended = true;
      failedIn(attempt, e, f);
      await this.writeFailures(attempt, actor);
      throw e;
    }
  }

  /** Writes the failures of an attempt not yet written, each once (an anonymous caller is refused before anything happens, and cannot be attributed). */
  private async writeFailures(attempt: Attempt, actor: Actor | null | undefined): Promise<void> {
    const by = actor ?? attempt.actor;
    for (const [e, f] of attempt.failed) {
      attempt.failed.delete(e);
      attempt.written.add(e);
      if (by) await this.refusedAlone(by, f, e);
    }
  }

  /**
   * Appends a refusal decided inside the caller's transaction (one item of a batch refused while the
   * others are served): the same classification as an attempt's refusal, committed with the rest.
   */
  async appendRefusal(tx: Queryable, actor: Actor, f: Omit<AuditFields, 'outcome'>, e: unknown): Promise<void> {
    const { outcome, reason } = classify(e);
    await this.append(tx, actor, { ...f, outcome, reason });
  }

  private async refusedAlone(actor: Actor, f: Omit<AuditFields, 'outcome'>, e: unknown): Promise<void> {
    try {
      await this.db.scoped(scopeOf(actor), (tx) => this.appendRefusal(tx, actor, f, e));
    } catch (err) {
      this.onAuditFailure(err, { reason: classify(e).reason, requestId: actor.requestId ?? null });
    }
  }
}

/** An attempt in progress, shared by the attempts nested in it. */
interface Attempt {
  actor: Actor | null | undefined;
  /** the outermost work has returned or thrown: a failure after that is written by the attempt it came through */
  ended: boolean;
  /** failures not yet written, each with the description of the innermost attempt it came through */
  failed: Map<unknown, Omit<AuditFields, 'outcome'>>;
  written: Set<unknown>;
}

const failedIn = (a: Attempt, e: unknown, f: Omit<AuditFields, 'outcome'>) => {
  if (!a.failed.has(e) && !a.written.has(e)) a.failed.set(e, f);
};

// the attempt a piece of work runs in, across its awaits: what lets nested attempts write one event, not one each
const attempts = new AsyncLocalStorage<Attempt>();

function warnAuditFailure(err: unknown, refusal: { reason: string }): void {
  process.emitWarning(`could not audit a refused attempt (${refusal.reason}): ${err instanceof Error ? err.message : String(err)}`, 'AuditWarning');
}
