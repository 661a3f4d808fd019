import type { ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome } from '../../models/enums.js';
import { SearchRepository } from '../../models/search.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Clock } from '../shared/ports.js';

export interface PurgeResult {
  dryRun: boolean;
  perTenant: { tenantId: string; searches: number }[];
  searches: number;
}

/**
 * Deletes search details and candidate lists past each tenant's retention period, except those on
 * legal hold. Each tenant's purge is audited in the same transaction as the delete. Probe images are
 * never stored, so there are none to purge; the audit chain itself is kept.
 */
export class RetentionService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly searches = new SearchRepository(),
  ) {}

  async purge(opts: { dryRun?: boolean; requestId?: string } = {}): Promise<PurgeResult> {
    const dryRun = !!opts.dryRun;
    const now = this.clock.now();
    const perTenant = await this.db.scoped({ tenantId: null, allTenants: true }, async (tx) => {
      const rows = await this.searches.purgeExpired(tx, now, dryRun);
      if (!dryRun) {
        for (const r of rows) {
          await this.trail.append(tx, null, { action: AuditAction.PURGE, outcome: AuditOutcome.ALLOWED, tenantId: r.tenantId, requestId: opts.requestId ?? null, details: { searches: r.searches, before: now.toISOString() } });
        }
      }
      return rows;
    });
    return { dryRun, perTenant, searches: perTenant.reduce((a, r) => a + r.searches, 0) };
  }
}
