import type { Queryable } from './db.js';
import type { QuotaPeriod } from './enums.js';

export interface QuotaRow {
  period: QuotaPeriod;
  limit: number;
  /** used in the current window (0 when the stored window has passed) */
  used: number;
  resetsAt: Date;
}

const WINDOW_END = `frhub_quota_window(period) + CASE period WHEN 'MONTH' THEN interval '1 month' ELSE interval '1 day' END`;

export class QuotaRepository {
  async set(db: Queryable, tenantId: string, period: QuotaPeriod, limit: number): Promise<void> {
    await db.query(
      `INSERT INTO quotas (tenant_id, period, "limit", window_start) VALUES ($1, $2, $3, frhub_quota_window($2))
       ON CONFLICT (tenant_id, period) DO UPDATE SET "limit" = EXCLUDED."limit"`,
      [tenantId, period, limit],
    );
  }

  async status(db: Queryable, tenantId: string): Promise<QuotaRow[]> {
    return db.query(
      `SELECT period, "limit", CASE WHEN window_start = frhub_quota_window(period) THEN used ELSE 0 END AS used, ${WINDOW_END} AS "resetsAt"
         FROM quotas WHERE tenant_id = $1 ORDER BY period`,
      [tenantId],
    );
  }

  /**
   * Spends one search from every period of the tenant, atomically: each row is updated only while
   * used + 1 <= limit (a concurrent spender waits on the row lock and re-checks). Returns the
   * periods that had no room; the caller rolls its transaction back when any did, so nothing is
   * spent. A tenant without quota rows has no room at all (never an implicit allow).
   */
  async consume(tx: Queryable, tenantId: string): Promise<{ exhausted: QuotaPeriod[] }> {
    const [r] = await tx.query<{ exhausted: QuotaPeriod[]; total: number }>(
      `WITH spent AS (
         UPDATE quotas SET used = CASE WHEN window_start = frhub_quota_window(period) THEN used + 1 ELSE 1 END,
                           window_start = frhub_quota_window(period)
          WHERE tenant_id = $1 AND (CASE WHEN window_start = frhub_quota_window(period) THEN used ELSE 0 END) + 1 <= "limit"
          RETURNING period)
       SELECT coalesce((SELECT array_agg(q.period ORDER BY q.period) FROM quotas q WHERE q.tenant_id = $1 AND q.period NOT IN (SELECT period FROM spent)), '{}') AS exhausted,
              (SELECT count(*)::int FROM quotas WHERE tenant_id = $1) AS total`,
      [tenantId],
    );
    return { exhausted: r.total === 0 ? (['MONTH'] as QuotaPeriod[]) : r.exhausted };
  }
}
