import { randomUUID } from 'node:crypto';
import type { Queryable } from './db.js';
import type { Role, TenantStatus } from './enums.js';

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  isOperator: boolean;
  createdAt: Date;
}

export interface PrincipalRow {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  certifiedUntil: Date | null;
  createdAt: Date;
}

const TENANT = `id, slug, name, status, is_operator AS "isOperator", created_at AS "createdAt"`;
const PRINCIPAL = `id, tenant_id AS "tenantId", name, role, certified_until AS "certifiedUntil", created_at AS "createdAt"`;

export class TenantRepository {
  async create(db: Queryable, t: { slug: string; name: string; isOperator?: boolean }): Promise<TenantRow> {
    const [row] = await db.query(`INSERT INTO tenants (id, slug, name, is_operator) VALUES ($1, $2, $3, $4) RETURNING ${TENANT}`, [
      randomUUID(),
      t.slug,
      t.name,
      t.isOperator ?? false,
    ]);
    return row;
  }

  async bySlug(db: Queryable, slug: string): Promise<TenantRow | undefined> {
    return (await db.query(`SELECT ${TENANT} FROM tenants WHERE slug = $1`, [slug]))[0];
  }

  async byId(db: Queryable, id: string): Promise<TenantRow | undefined> {
    return (await db.query(`SELECT ${TENANT} FROM tenants WHERE id = $1`, [id]))[0];
  }

  async list(db: Queryable): Promise<TenantRow[]> {
    return db.query(`SELECT ${TENANT} FROM tenants ORDER BY slug`);
  }

  async count(db: Queryable): Promise<number> {
    return Number((await db.query(`SELECT count(*)::int AS n FROM tenants`))[0].n);
  }

  async createPrincipal(db: Queryable, p: { tenantId: string; name: string; role: Role; certifiedUntil: Date | null }): Promise<PrincipalRow> {
    const [row] = await db.query(
      `INSERT INTO principals (id, tenant_id, name, role, certified_until) VALUES ($1, $2, $3, $4, $5) RETURNING ${PRINCIPAL}`,
      [randomUUID(), p.tenantId, p.name, p.role, p.certifiedUntil],
    );
    return row;
  }

  async principal(db: Queryable, tenantId: string, id: string): Promise<PrincipalRow | undefined> {
    return (await db.query(`SELECT ${PRINCIPAL} FROM principals WHERE tenant_id = $1 AND id = $2`, [tenantId, id]))[0];
  }

  /** A principal of any tenant the transaction's scope may see. */
  async principalAnyTenant(db: Queryable, id: string): Promise<PrincipalRow | undefined> {
    return (await db.query(`SELECT ${PRINCIPAL} FROM principals WHERE id = $1`, [id]))[0];
  }

  async setStatus(db: Queryable, id: string, status: TenantStatus): Promise<TenantRow> {
    return (await db.query(`UPDATE tenants SET status = $2 WHERE id = $1 RETURNING ${TENANT}`, [id, status]))[0];
  }
}
