import type { Queryable } from './db.js';

export interface PolicyRow {
  tenantId: string;
  preset: string;
  /** the tenant's overrides of its preset, as set by HUB_ADMIN */
  rules: Record<string, unknown>;
  updatedAt: Date;
}

export class PolicyRepository {
  async get(db: Queryable, tenantId: string): Promise<PolicyRow | undefined> {
    return (await db.query<PolicyRow>(`SELECT tenant_id AS "tenantId", preset, rules, updated_at AS "updatedAt" FROM tenant_policies WHERE tenant_id = $1`, [tenantId]))[0];
  }

  async set(db: Queryable, tenantId: string, preset: string, rules: Record<string, unknown>): Promise<PolicyRow> {
    const [row] = await db.query<PolicyRow>(
      `INSERT INTO tenant_policies (tenant_id, preset, rules) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (tenant_id) DO UPDATE SET preset = EXCLUDED.preset, rules = EXCLUDED.rules, updated_at = now()
       RETURNING tenant_id AS "tenantId", preset, rules, updated_at AS "updatedAt"`,
      [tenantId, preset, JSON.stringify(rules)],
    );
    return row;
  }
}
