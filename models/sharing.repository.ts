import { randomUUID } from 'node:crypto';
import type { Queryable } from './db.js';

export interface SharingAgreementRow {
  id: string;
  /** the grantor: the gallery's owner */
  tenantId: string;
  galleryId: string;
  /** null: every tenant */
  granteeTenantId: string | null;
  legalBases: string[];
  expiresAt: Date;
  revokedAt: Date | null;
  createdAt: Date;
}

const AGREEMENT = `id, tenant_id AS "tenantId", gallery_id AS "galleryId", grantee_tenant_id AS "granteeTenantId", legal_bases AS "legalBases",
  expires_at AS "expiresAt", revoked_at AS "revokedAt", created_at AS "createdAt"`;

export class SharingRepository {
  async create(db: Queryable, a: { tenantId: string; galleryId: string; granteeTenantId: string | null; legalBases: string[]; expiresAt: Date; createdBy: string | null }): Promise<SharingAgreementRow> {
    const [row] = await db.query<SharingAgreementRow>(
      `INSERT INTO sharing_agreements (id, tenant_id, gallery_id, grantee_tenant_id, legal_bases, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5::text[], $6, $7) RETURNING ${AGREEMENT}`,
      [randomUUID(), a.tenantId, a.galleryId, a.granteeTenantId, a.legalBases, a.expiresAt, a.createdBy],
    );
    return row;
  }

  async byId(db: Queryable, id: string): Promise<SharingAgreementRow | undefined> {
    return (await db.query<SharingAgreementRow>(`SELECT ${AGREEMENT} FROM sharing_agreements WHERE id = $1`, [id]))[0];
  }

  async revoke(db: Queryable, id: string): Promise<SharingAgreementRow> {
    return (await db.query<SharingAgreementRow>(`UPDATE sharing_agreements SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${AGREEMENT}`, [id]))[0];
  }

  /** Agreements a tenant grants or receives (or all, with tenantId null), newest first. */
  async list(db: Queryable, tenantId: string | null): Promise<SharingAgreementRow[]> {
    return db.query(
      `SELECT ${AGREEMENT} FROM sharing_agreements
        WHERE $1::uuid IS NULL OR tenant_id = $1 OR grantee_tenant_id = $1 OR grantee_tenant_id IS NULL
        ORDER BY created_at DESC, id`,
      [tenantId],
    );
  }
}
