import type { MigrationInterface, QueryRunner } from 'typeorm';

// The face crop enrollment keeps, one per enrolled photo (gallery, image checksum): the templates of
// every model version made from that photo share it, so a gallery moves to a new model pack without
// the original photos. It goes when the photo's last template goes (trigger) or with its gallery.
// Row-level security as on face_templates, but no shared_read: a gallery shared with another agency
// is searched by it, its faces are not shown to it.
const OWN = `(SELECT frhub_all_tenants()) OR tenant_id = (SELECT frhub_tenant())`;

export class FaceCrops1764600000000 implements MigrationInterface {
  name = 'FaceCrops1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE face_crops (
        gallery_id uuid NOT NULL REFERENCES galleries(id) ON DELETE CASCADE,
        image_sha256 text NOT NULL,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        jpeg bytea NOT NULL,
        width int NOT NULL,
        height int NOT NULL,
        face_box jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (gallery_id, image_sha256)
      )`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON face_crops TO frhub_app`);
    await q.query(`ALTER TABLE face_crops ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE face_crops FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON face_crops USING (${OWN}) WITH CHECK (${OWN})`);
    // runs as the deleting role, under its scope: a template's crop has the template's tenant
    await q.query(`
      CREATE FUNCTION frhub_drop_orphan_crop() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM face_crops c WHERE c.gallery_id = OLD.gallery_id AND c.image_sha256 = OLD.image_sha256
          AND NOT EXISTS (SELECT 1 FROM face_templates t WHERE t.gallery_id = OLD.gallery_id AND t.image_sha256 = OLD.image_sha256);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER face_templates_drop_crop AFTER DELETE ON face_templates FOR EACH ROW EXECUTE FUNCTION frhub_drop_orphan_crop()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS face_templates_drop_crop ON face_templates`);
    await q.query(`DROP FUNCTION IF EXISTS frhub_drop_orphan_crop()`);
    await q.query(`DROP TABLE IF EXISTS face_crops`);
  }
}
