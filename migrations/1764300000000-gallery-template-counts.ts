import type { MigrationInterface, QueryRunner } from 'typeorm';

// A per-gallery template count kept with each enrollment, so a search decides between an exact
// scan and the HNSW index without counting rows, and gallery listings need no count(*).
export class GalleryTemplateCounts1764300000000 implements MigrationInterface {
  name = 'GalleryTemplateCounts1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE galleries ADD COLUMN template_count int NOT NULL DEFAULT 0`);
    await q.query(`UPDATE galleries g SET template_count = (SELECT count(*) FROM face_templates t WHERE t.gallery_id = g.id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE galleries DROP COLUMN template_count`);
  }
}
