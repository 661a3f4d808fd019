import type { MigrationInterface, QueryRunner } from 'typeorm';

// Tenants, principals, galleries, subjects, face templates, searches and their candidates.
// Embeddings are `vector` of the model's dimension; each model's HNSW index is a partial
// expression index created when a model pack is first used (models/face-template.repository.ts).
export class InitialSchema1764100000000 implements MigrationInterface {
  name = 'InitialSchema1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS vector`);
    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name text NOT NULL,
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED')),
        is_operator boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE principals (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        role text NOT NULL,
        certified_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX principals_tenant ON principals (tenant_id)`);
    await q.query(`
      CREATE TABLE galleries (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, name)
      )`);
    await q.query(`
      CREATE TABLE subjects (
        id uuid PRIMARY KEY,
        gallery_id uuid NOT NULL REFERENCES galleries(id),
        external_ref text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (gallery_id, external_ref)
      )`);
    await q.query(`
      CREATE TABLE face_templates (
        id uuid PRIMARY KEY,
        gallery_id uuid NOT NULL REFERENCES galleries(id),
        subject_id uuid NOT NULL REFERENCES subjects(id),
        model_version text NOT NULL,
        embedding vector NOT NULL,
        image_sha256 text NOT NULL,
        quality real NOT NULL,
        source jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (gallery_id, image_sha256, model_version)
      )`);
    // a 512-d vector is ~2 KB and would be TOASTed; inline storage keeps exact scans fast
    await q.query(`ALTER TABLE face_templates ALTER COLUMN embedding SET STORAGE PLAIN`);
    await q.query(`CREATE INDEX face_templates_gallery ON face_templates (gallery_id, model_version)`);
    await q.query(`
      CREATE TABLE searches (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        principal_id uuid,
        status text NOT NULL,
        case_number text,
        legal_basis text NOT NULL,
        offense_category text,
        warrant_number text,
        model_version text NOT NULL,
        threshold real NOT NULL,
        max_candidates int NOT NULL,
        probe_sha256 text NOT NULL,
        probe_quality real NOT NULL,
        galleries_searched uuid[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX searches_tenant_created ON searches (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE search_candidates (
        search_id uuid NOT NULL REFERENCES searches(id) ON DELETE CASCADE,
        rank int NOT NULL,
        score real NOT NULL,
        template_id uuid NOT NULL,
        subject_id uuid NOT NULL,
        gallery_id uuid NOT NULL,
        subject_ref text NOT NULL,
        PRIMARY KEY (search_id, rank)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['search_candidates', 'searches', 'face_templates', 'subjects', 'galleries', 'principals', 'tenants']) {
      await q.query(`DROP TABLE IF EXISTS ${t} CASCADE`);
    }
  }
}
