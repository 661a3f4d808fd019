import { AuditRepository, chainHash, canonicalEvent, GENESIS_HASH, type AuditEventRow } from '../../models/audit.repository.js';
import type { ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome } from '../../models/enums.js';
import { abilityOf, authorize } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError } from '../shared/errors.js';
import type { Clock, Page } from '../shared/ports.js';
import { isUuid } from '../shared/ids.js';
import type { AuditFields, AuditTrail } from './audit-trail.js';

export interface ChainVerification {
  ok: boolean;
  /** the first sequence number whose hash, order or content does not hold; null when ok */
  firstBrokenSequence: number | null;
  checked: number;
}

const BATCH = 5000;

export class AuditService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly repo = new AuditRepository(),
  ) {}

  /** The audit log, newest first, for HUB_ADMIN; the read is itself audited. */
  async events(actor: Actor, f: { tenantId?: string | null; action?: string | null; exceptActions?: string[] | null; outcome?: AuditOutcome | null; from?: Date | null; to?: Date | null; first?: number; after?: string | null }): Promise<Page<AuditEventRow>> {
    return this.trail.refusals(actor, { action: AuditAction.AUDIT_READ }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'read', 'AuditLog');
      const first = f.first ?? 50;
      if (!Number.isInteger(first) || first < 1 || first > 500) throw new DomainError('BAD_USER_INPUT', `first must be between 1 and 500, got ${first}.`);
      if (f.tenantId && !isUuid(f.tenantId)) throw new DomainError('BAD_USER_INPUT', `tenantId must be a tenant's id (a UUID), got '${f.tenantId}'.`);
      for (const a of [f.action, ...(f.exceptActions ?? [])]) {
        if (a && !(Object.values(AuditAction) as string[]).includes(a)) throw new DomainError('BAD_USER_INPUT', `action must be one of ${Object.values(AuditAction).join(', ')}, got '${a}'.`);
      }
      const before = f.after ? Number(f.after) : undefined;
      if (before !== undefined && !(Number.isInteger(before) && before > 0)) throw new DomainError('BAD_USER_INPUT', 'The cursor is not one this API issued; start again without `after`.');
      return this.db.scoped(scopeOf(actor), async (tx) => {
        const rows = await this.repo.list(tx, f, first, before);
        const nodes = rows.slice(0, first);
        await this.trail.append(tx, actor, { action: AuditAction.AUDIT_READ, outcome: AuditOutcome.ALLOWED, details: { filter: { tenantId: f.tenantId ?? null, action: f.action ?? null, exceptActions: f.exceptActions ?? null, outcome: f.outcome ?? null }, returned: nodes.length } });
        return { nodes, hasNextPage: rows.length > first, endCursor: nodes.length ? String(nodes[nodes.length - 1].seq) : null };
      });
    });
  }

  /** The one refusal path (AuditTrail.refusals), for the API's net around every resolver. */
  refusals<T>(actor: Actor | undefined, f: Omit<AuditFields, 'outcome'>, work: () => Promise<T>): Promise<T> {
    return this.trail.refusals(actor, f, work);
  }

  /** Walks the whole chain: sequence gapless from 1, every hash recomputed from the row's content. */
  async verify(actor: Actor): Promise<ChainVerification> {
    return this.trail.refusals(actor, { action: AuditAction.AUDIT_VERIFY }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'verify', 'AuditLog');
      const result = await this.db.scoped({ tenantId: actor.tenantId, allTenants: true }, (tx) => verifyChain(tx, this.repo));
      await this.trail.appendAlone(actor, { action: AuditAction.AUDIT_VERIFY, outcome: AuditOutcome.ALLOWED, details: { ...result } });
      return result;
    });
  }
}

/** The verification itself, shared by the API and `frhub audit verify`. */
export async function verifyChain(tx: Parameters<AuditRepository['scan']>[0], repo = new AuditRepository()): Promise<ChainVerification> {
  let prev = GENESIS_HASH;
  let expected = 1;
  for (;;) {
    const rows = await repo.scan(tx, expected - 1, BATCH);
    for (const r of rows) {
      if (r.seq !== expected || chainHash(prev, r.seq, canonicalEvent(r)) !== r.hash) return { ok: false, firstBrokenSequence: expected, checked: expected - 1 };
      prev = r.hash;
      expected++;
    }
    if (rows.length < BATCH) break;
  }
  const head = await repo.head(tx);
  // the head must be the last event: a deleted tail shows here
  if (head.seq !== expected - 1 || head.hash !== prev) return { ok: false, firstBrokenSequence: expected, checked: expected - 1 };
  return { ok: true, firstBrokenSequence: null, checked: expected - 1 };
}
