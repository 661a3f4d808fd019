import type { MigrationInterface, QueryRunner } from 'typeorm';

// A principal reviews a search once: the second look must come from someone else, and two
// concurrent requests of one reviewer must not both be recorded.
export class OneReviewPerReviewer1764530000000 implements MigrationInterface {
  name = 'OneReviewPerReviewer1764530000000';

  async up(q: QueryRunner): Promise<void> {
    // only a race could have written a reviewer's second row: the first one stands
    await q.query(`
      DELETE FROM search_reviews r USING search_reviews first
       WHERE r.search_id = first.search_id AND r.reviewer_id = first.reviewer_id AND (r.created_at, r.id) > (first.created_at, first.id)`);
    await q.query(`ALTER TABLE search_reviews ADD CONSTRAINT search_reviews_one_per_reviewer UNIQUE (search_id, reviewer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE search_reviews DROP CONSTRAINT search_reviews_one_per_reviewer`);
  }
}
