import type { MigrationInterface, QueryRunner } from 'typeorm';

// What a gallery holds, kept as it changes: the XOR of sha256("<template id> <photo sha256> <model
// version>") over its templates, in four 64-bit words updated by a trigger on every insert and delete
// of a template. A search's receipt reads it (and the template count) from the gallery row instead of
// hashing every template on every search, which cost seconds at a million templates.
export class GalleryContentDigest1765030000000 implements MigrationInterface {
  name = 'GalleryContentDigest1765030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE galleries ADD COLUMN content_x0 bigint NOT NULL DEFAULT 0, ADD COLUMN content_x1 bigint NOT NULL DEFAULT 0,
                   ADD COLUMN content_x2 bigint NOT NULL DEFAULT 0, ADD COLUMN content_x3 bigint NOT NULL DEFAULT 0`);
    // word i of a template line's sha256, as a signed 64-bit integer
    await q.query(`
      CREATE FUNCTION face_template_word(line text, i int) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
        SELECT ('x' || encode(substring(sha256(convert_to(line, 'UTF8')) FROM i * 8 + 1 FOR 8), 'hex'))::bit(64)::bigint
      $$`);
    // SECURITY DEFINER: the hub's own role may insert and delete templates, not rewrite a gallery's digest
    await q.query(`
      CREATE FUNCTION face_template_content() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      DECLARE line text;
      BEGIN
        IF TG_OP = 'DELETE' THEN line := OLD.id::text || ' ' || OLD.image_sha256 || ' ' || OLD.model_version;
        ELSE line := NEW.id::text || ' ' || NEW.image_sha256 || ' ' || NEW.model_version; END IF;
        UPDATE galleries SET content_x0 = content_x0 # face_template_word(line, 0), content_x1 = content_x1 # face_template_word(line, 1),
                             content_x2 = content_x2 # face_template_word(line, 2), content_x3 = content_x3 # face_template_word(line, 3)
         WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.gallery_id ELSE NEW.gallery_id END;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER face_templates_content AFTER INSERT OR DELETE ON face_templates FOR EACH ROW EXECUTE FUNCTION face_template_content()`);
    // the templates already there
    await q.query(`
      UPDATE galleries g SET content_x0 = d.x0, content_x1 = d.x1, content_x2 = d.x2, content_x3 = d.x3
        FROM (SELECT gallery_id, bit_xor(face_template_word(l, 0)) AS x0, bit_xor(face_template_word(l, 1)) AS x1, bit_xor(face_template_word(l, 2)) AS x2, bit_xor(face_template_word(l, 3)) AS x3
                FROM (SELECT gallery_id, id::text || ' ' || image_sha256 || ' ' || model_version AS l FROM face_templates) t GROUP BY gallery_id) d
       WHERE g.id = d.gallery_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER face_templates_content ON face_templates`);
    await q.query(`DROP FUNCTION face_template_content()`);
    await q.query(`DROP FUNCTION face_template_word(text, int)`);
    await q.query(`ALTER TABLE galleries DROP COLUMN content_x0, DROP COLUMN content_x1, DROP COLUMN content_x2, DROP COLUMN content_x3`);
  }
}
