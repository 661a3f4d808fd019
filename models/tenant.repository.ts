import { randomUUID } from 'node:crypto';
import type { Queryable } from './db.js';
import type { Role, TenantStatus } from './enums.js';

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  isOperator: boolean;
  /** an independent tester's sandbox: its galleries and searches never meet a real agency's (set at creation, never changed) */
  sandbox: boolean;
  createdAt: Date;
}

export interface PrincipalRow {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  certifiedUntil: Date | null;
  /** the subject an agency's own identity provider uses for this person */
  externalSubject: string | null;
  /** what the last certification (renewal) rests on: a training record, a course certificate's number */
  certificationEvidence: string | null;
  createdAt: Date;
  /** set: the principal may not sign in or use any token */
  disabledAt: Date | null;
  /** tokens issued before this moment are refused (revokeTokens, disablePrincipal) */
  tokensValidAfter: Date | null;
  updatedAt: Date | null;
}

/** What updatePrincipal may change; a field absent stays. */
export interface PrincipalPatch {
  name?: string;
  role?: Role;
  certifiedUntil?: Date | null;
  certificationEvidence?: string | null;
}

export interface IssuerRow {
  tenantId: string;
  issuer: string;
  jwksUrl: string;
  audience: string | null;
  subjectClaim: string;
  /** the hub's client id at that provider, for the console's sign-in (null: no console sign-in) */
  clientId: string | null;
  updatedAt: Date;
}

const ISSUER = `tenant_id AS "tenantId", issuer, jwks_url AS "jwksUrl", audience, subject_claim AS "subjectClaim", client_id AS "clientId", updated_at AS "updatedAt"`;

const TENANT = `id, slug, name, status, is_operator AS "isOperator", sandbox, created_at AS "createdAt"`;
const PRINCIPAL = `id, tenant_id AS "tenantId", name, role, certified_until AS "certifiedUntil", external_subject AS "externalSubject",
  certification_evidence AS "certificationEvidence", created_at AS "createdAt", updated_at AS "updatedAt", disabled_at AS "disabledAt", tokens_valid_after AS "tokensValidAfter"`;

export class TenantRepository {
  async create(db: Queryable, t: { slug: string; name: string; isOperator?: boolean; sandbox?: boolean }): Promise<TenantRow> {
    const [row] = await db.query<TenantRow>(`INSERT INTO tenants (id, slug, name, is_operator, sandbox) VALUES ($1, $2, $3, $4, $5) RETURNING ${TENANT}`, [
      randomUUID(),
      t.slug,
      t.name,
      t.isOperator ?? false,
      t.sandbox ?? false,
    ]);
    return row;
  }

  async bySlug(db: Queryable, slug: string): Promise<TenantRow | undefined> {
    return (await db.query<TenantRow>(`SELECT ${TENANT} FROM tenants WHERE slug = $1`, [slug]))[0];
  }

  async byId(db: Queryable, id: string): Promise<TenantRow | undefined> {
    return (await db.query<TenantRow>(`SELECT ${TENANT} FROM tenants WHERE id = $1`, [id]))[0];
  }

  async list(db: Queryable): Promise<TenantRow[]> {
    return db.query(`SELECT ${TENANT} FROM tenants ORDER BY slug`);
  }

  async createPrincipal(db: Queryable, p: { tenantId: string; name: string; role: Role; certifiedUntil: Date | null; externalSubject?: string | null }): Promise<PrincipalRow> {
    const [row] = await db.query<PrincipalRow>(
      `INSERT INTO principals (id, tenant_id, name, role, certified_until, external_subject) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${PRINCIPAL}`,
      [randomUUID(), p.tenantId, p.name, p.role, p.certifiedUntil, p.externalSubject ?? null],
    );
    return row;
  }

  async principal(db: Queryable, tenantId: string, id: string): Promise<PrincipalRow | undefined> {
    return (await db.query<PrincipalRow>(`SELECT ${PRINCIPAL} FROM principals WHERE tenant_id = $1 AND id = $2`, [tenantId, id]))[0];
  }

  /** A tenant's principals, by role then name. */
  async principals(db: Queryable, tenantId: string): Promise<PrincipalRow[]> {
    return db.query(`SELECT ${PRINCIPAL} FROM principals WHERE tenant_id = $1 ORDER BY role, name, id`, [tenantId]);
  }

  /** A principal of any tenant the transaction's scope may see. */
  async principalAnyTenant(db: Queryable, id: string): Promise<PrincipalRow | undefined> {
    return (await db.query<PrincipalRow>(`SELECT ${PRINCIPAL} FROM principals WHERE id = $1`, [id]))[0];
  }

  async updatePrincipal(db: Queryable, id: string, patch: PrincipalPatch): Promise<PrincipalRow> {
    const columns = { name: 'name', role: 'role', certifiedUntil: 'certified_until', certificationEvidence: 'certification_evidence' } as const;
    const keys = (Object.keys(columns) as (keyof PrincipalPatch)[]).filter((k) => patch[k] !== undefined);
    const sets = keys.map((k, i) => `${columns[k]} = $${i + 2}`);
    const [row] = await db.query<PrincipalRow>(`UPDATE principals SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${PRINCIPAL}`, [id, ...keys.map((k) => patch[k])]);
    return row;
  }

  async setStatus(db: Queryable, id: string, status: TenantStatus): Promise<TenantRow> {
    return (await db.query<TenantRow>(`UPDATE tenants SET status = $2 WHERE id = $1 RETURNING ${TENANT}`, [id, status]))[0];
  }

  /** Disables (at `at`) or enables (null) a principal; disabling also refuses every token issued before `at`. */
  async setDisabled(db: Queryable, id: string, at: Date | null): Promise<PrincipalRow> {
    return (await db.query<PrincipalRow>(
      `UPDATE principals SET disabled_at = $2, tokens_valid_after = CASE WHEN $2::timestamptz IS NULL THEN tokens_valid_after ELSE $2::timestamptz END WHERE id = $1 RETURNING ${PRINCIPAL}`,
      [id, at],
    ))[0];
  }

  /** Refuses every token of the principal issued before `at`. */
  async revokeTokensBefore(db: Queryable, id: string, at: Date): Promise<PrincipalRow> {
    return (await db.query<PrincipalRow>(`UPDATE principals SET tokens_valid_after = $2 WHERE id = $1 RETURNING ${PRINCIPAL}`, [id, at]))[0];
  }

  async principalByExternalSubject(db: Queryable, tenantId: string, subject: string): Promise<PrincipalRow | undefined> {
    return (await db.query<PrincipalRow>(`SELECT ${PRINCIPAL} FROM principals WHERE tenant_id = $1 AND external_subject = $2`, [tenantId, subject]))[0];
  }

  async issuerByName(db: Queryable, issuer: string): Promise<IssuerRow | undefined> {
    return (await db.query<IssuerRow>(`SELECT ${ISSUER} FROM tenant_issuers WHERE issuer = $1`, [issuer]))[0];
  }

  /** The identity provider a tenant trusts, if any. */
  async issuerOf(db: Queryable, tenantId: string): Promise<IssuerRow | undefined> {
    return (await db.query<IssuerRow>(`SELECT ${ISSUER} FROM tenant_issuers WHERE tenant_id = $1`, [tenantId]))[0];
  }

  async setIssuer(db: Queryable, i: Omit<IssuerRow, 'updatedAt'>): Promise<IssuerRow> {
    const [row] = await db.query<IssuerRow>(
      `INSERT INTO tenant_issuers (tenant_id, issuer, jwks_url, audience, subject_claim, client_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET issuer = EXCLUDED.issuer, jwks_url = EXCLUDED.jwks_url, audience = EXCLUDED.audience,
         subject_claim = EXCLUDED.subject_claim, client_id = EXCLUDED.client_id, updated_at = now()
       RETURNING ${ISSUER}`,
      [i.tenantId, i.issuer, i.jwksUrl, i.audience, i.subjectClaim, i.clientId],
    );
    return row;
  }
}
