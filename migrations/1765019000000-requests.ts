import type { MigrationInterface, QueryRunner } from 'typeorm';

// Requests and examinations: an agency (the requesting tenant, tenant_id) asks a serving tenant to
// examine a probe under an examination agreement. A request and everything under it is visible to
// both tenants (row-level security); what each may read of it is decided again in the service
// (the requester never reads candidates before release). The serving tenant's scope may spend the
// requesting agency's quota only while one of its requests is being examined.
const OWN = `(SELECT frhub_all_tenants()) OR tenant_id = (SELECT frhub_tenant())`;
const BOTH = `(SELECT frhub_all_tenants()) OR tenant_id = (SELECT frhub_tenant()) OR serving_tenant_id = (SELECT frhub_tenant())`;
const REQUEST_TABLES = ['requests', 'request_probes', 'request_probe_versions', 'request_examinations'];

export class RequestsExamination1765019000000 implements MigrationInterface {
  name = 'RequestsExamination1765019000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE examination_agreements (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        requesting_tenant_id uuid NOT NULL REFERENCES tenants(id),
        legal_bases text[] NOT NULL CHECK (cardinality(legal_bases) > 0),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (tenant_id <> requesting_tenant_id)
      )`);
    await q.query(`CREATE INDEX examination_agreements_requesting ON examination_agreements (requesting_tenant_id) WHERE revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE requests (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        serving_tenant_id uuid NOT NULL REFERENCES tenants(id),
        agreement_id uuid REFERENCES examination_agreements(id),
        status text NOT NULL,
        case_number text NOT NULL,
        offense_category text,
        statute_text text,
        legal_basis text NOT NULL,
        narrative text,
        warrant_number text,
        source_kind text NOT NULL,
        how_obtained text,
        captured_at timestamptz,
        requesting_officer text NOT NULL,
        approving_supervisor text NOT NULL,
        priority text NOT NULL,
        due_at timestamptz,
        submitted_by uuid,
        examiner_id uuid,
        verifier_id uuid,
        adjudicator_id uuid,
        decline_reason text,
        decline_note text,
        lead_search_id uuid,
        lead_rank int,
        lead_subject_ref text,
        lead_face bytea,
        outcome text,
        outcome_note text,
        attested_at timestamptz,
        -- when it was released, found no lead or was declined: the turnaround oversight counts
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX requests_requesting ON requests (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX requests_serving ON requests (serving_tenant_id, created_at DESC, id DESC)`);
    // the probe photos as submitted: never changed (edits are versions below)
    await q.query(`
      CREATE TABLE request_probes (
        id uuid PRIMARY KEY,
        request_id uuid NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        serving_tenant_id uuid NOT NULL REFERENCES tenants(id),
        ordinal int NOT NULL,
        image bytea NOT NULL,
        sha256 text NOT NULL,
        bytes int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (request_id, ordinal)
      )`);
    // an edit: the recorded steps from the original (never its pixels: they are derived again when used)
    await q.query(`
      CREATE TABLE request_probe_versions (
        id uuid PRIMARY KEY,
        request_id uuid NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
        probe_id uuid NOT NULL REFERENCES request_probes(id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        serving_tenant_id uuid NOT NULL REFERENCES tenants(id),
        version int NOT NULL,
        steps jsonb NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (probe_id, version)
      )`);
    // one set of dispositions per role (examiner, verifier, adjudicator): all three kept
    await q.query(`
      CREATE TABLE request_examinations (
        id uuid PRIMARY KEY,
        request_id uuid NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        serving_tenant_id uuid NOT NULL REFERENCES tenants(id),
        role text NOT NULL,
        principal_id uuid NOT NULL,
        conclusion text NOT NULL,
        dispositions jsonb NOT NULL,
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (request_id, role)
      )`);
    await q.query(`ALTER TABLE searches ADD COLUMN request_id uuid REFERENCES requests(id), ADD COLUMN probe_version_id uuid, ADD COLUMN charged_tenant_id uuid`);
    await q.query(`CREATE INDEX searches_request ON searches (request_id) WHERE request_id IS NOT NULL`);
    // a request's history is read from the audit chain by this key
    await q.query(`CREATE INDEX audit_events_examination_request ON audit_events ((details->>'examinationRequestId')) WHERE details ? 'examinationRequestId'`);

    await q.query(`GRANT SELECT, INSERT, UPDATE ON examination_agreements TO frhub_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON requests TO frhub_app`);
    await q.query(`GRANT SELECT, INSERT ON request_probes, request_probe_versions, request_examinations TO frhub_app`);
    await q.query(`ALTER TABLE examination_agreements ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE examination_agreements FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON examination_agreements USING (${OWN}) WITH CHECK (${OWN})`);
    await q.query(`CREATE POLICY requesting_read ON examination_agreements FOR SELECT USING (requesting_tenant_id = (SELECT frhub_tenant()))`);
    for (const t of REQUEST_TABLES) {
      await q.query(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY request_parties ON ${t} USING (${BOTH}) WITH CHECK (${BOTH})`);
    }
    // the parties of an agreement see each other's name and policy (a request is checked against both)
    const parties = `SELECT a.tenant_id FROM examination_agreements a WHERE a.requesting_tenant_id = (SELECT frhub_tenant())
                     UNION SELECT a.requesting_tenant_id FROM examination_agreements a WHERE a.tenant_id = (SELECT frhub_tenant())`;
    await q.query(`CREATE POLICY examination_parties ON tenants FOR SELECT USING (id IN (${parties}))`);
    await q.query(`CREATE POLICY examination_parties ON tenant_policies FOR SELECT USING (tenant_id IN (${parties}))`);
    // a search for a request counts against the requesting agency, spent in the examiner's transaction
    const examined = `SELECT r.tenant_id FROM requests r WHERE r.serving_tenant_id = (SELECT frhub_tenant()) AND r.status IN ('ACCEPTED', 'IN_EXAMINATION')`;
    await q.query(`CREATE POLICY request_spend_read ON quotas FOR SELECT USING (tenant_id IN (${examined}))`);
    await q.query(`CREATE POLICY request_spend ON quotas FOR UPDATE USING (tenant_id IN (${examined})) WITH CHECK (tenant_id IN (${examined}))`);
    // both parties read a request's events (its history); the service decides which fields each sees
    await q.query(`CREATE POLICY request_history ON audit_events FOR SELECT USING (details ? 'examinationRequestId' AND (details->>'examinationRequestId') IN (SELECT r.id::text FROM requests r))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY IF EXISTS request_history ON audit_events`);
    await q.query(`DROP POLICY IF EXISTS request_spend ON quotas`);
    await q.query(`DROP POLICY IF EXISTS request_spend_read ON quotas`);
    await q.query(`DROP POLICY IF EXISTS examination_parties ON tenant_policies`);
    await q.query(`DROP POLICY IF EXISTS examination_parties ON tenants`);
    await q.query(`DROP INDEX IF EXISTS audit_events_examination_request`);
    await q.query(`DROP INDEX IF EXISTS searches_request`);
    await q.query(`ALTER TABLE searches DROP COLUMN IF EXISTS request_id, DROP COLUMN IF EXISTS probe_version_id, DROP COLUMN IF EXISTS charged_tenant_id`);
    for (const t of [...REQUEST_TABLES].reverse()) await q.query(`DROP TABLE IF EXISTS ${t}`);
    await q.query(`DROP TABLE IF EXISTS examination_agreements`);
  }
}
