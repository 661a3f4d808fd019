import type { MigrationInterface, QueryRunner } from 'typeorm';

// A search keeps a receipt of the galleries it searched (per gallery: templates and a digest of their
// ids, photo checksums and model versions) so an audit can prove what was searched; the SEARCH audit
// event keeps its digest too, which outlives the retention purge of the search row.
export class SearchReceiptsReports1765020200000 implements MigrationInterface {
  name = 'SearchReceiptsReports1765020200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE searches ADD COLUMN gallery_receipt jsonb`);
    // a lead report lists the events of one search: found by the search id its events carry
    await q.query(`CREATE INDEX audit_events_search_id ON audit_events ((details->>'searchId')) WHERE details ? 'searchId'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_events_search_id`);
    await q.query(`ALTER TABLE searches DROP COLUMN gallery_receipt`);
  }
}
