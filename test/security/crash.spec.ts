import { Client } from 'pg';
import { Role } from '../../models/enums';
import { ONE_PHOTO_BATCHES, untilMetrics } from '../support/client';
import { portrait } from '../support/fixtures';
import { hubWorkspace, spawnHub } from '../support/process';

// kill -9 during a burst of searches: what survives must be consistent. Every search that committed has
// its audit event, the quota spent equals the searches the audit log allowed, and the chain verifies.
// PGlite's own crash story (one process per data directory) is tested with its data-directory lock.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
if (!process.env.DATABASE_URL) test.skip('crash consistency: skipped, set DATABASE_URL to a PostgreSQL server to run it', () => {});

onPostgres('kill -9 during a burst of searches (PostgreSQL)', () => {
  it('leaves no search without its event, no quota unit without an allowed search, and a chain that verifies', async () => {
    const ws = await hubWorkspace();
    let hub = await spawnHub(ws, ONE_PHOTO_BATCHES);
    try {
      const analyst = await hub.analyst('metro-pd');
      const image = (await portrait()).toString('base64');
      const burst = Array.from({ length: 30 }, () =>
        hub
          .gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'K-9' } })
          .then((r) => r.data?.searchFaces as { id: string; status: string } | undefined, () => undefined),
      );
      // kill once searches are at the inference thread and a third of the burst is past it: the invariants below hold whatever was in flight
      const seen = await untilMetrics(hub.url, (m) => m.frhub_inference_queue_depth > 0 && m.frhub_inference_seconds_count >= 10);
      hub.child.kill('SIGKILL');
      expect(seen.frhub_inference_queue_depth).toBeGreaterThan(0);
      expect((await hub.exited).signal).toBe('SIGKILL');
      const answered = (await Promise.all(burst)).filter((s) => s?.status === 'COMPLETED').map((s) => s!.id);

      hub = await spawnHub(ws);
      const admin = await hub.token('hub', Role.HUB_ADMIN);
      expect((await hub.gql(admin, '{ verifyAuditChain { ok firstBrokenSequence } }')).data).toEqual({ verifyAuditChain: { ok: true, firstBrokenSequence: null } });

      const db = new Client({ connectionString: ws.databaseUrl });
      await db.connect();
      try {
        const one = async (sql: string) => Object.values((await db.query(sql)).rows[0])[0];
        const tenant = `(SELECT id FROM tenants WHERE slug = 'metro-pd')`;
        const allowed = Number(await one(`SELECT count(*) FROM audit_events WHERE action = 'SEARCH' AND outcome = 'ALLOWED' AND tenant_id = ${tenant}`));
        expect(Number(await one(`SELECT used FROM quotas WHERE period = 'MONTH' AND tenant_id = ${tenant}`))).toBe(allowed);
        expect(Number(await one(`SELECT count(*) FROM searches WHERE tenant_id = ${tenant}`))).toBe(allowed);
        const orphans = `SELECT count(*) FROM searches s WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'SEARCH' AND e.outcome = 'ALLOWED' AND e.details->>'searchId' = s.id::text)`;
        expect(Number(await one(orphans))).toBe(0);
        // every search a caller was told about survived the crash
        const kept = (await db.query(`SELECT id::text FROM searches WHERE id = ANY($1::uuid[])`, [answered])).rows.map((r) => r.id);
        expect(kept.sort()).toEqual([...answered].sort());
      } finally {
        await db.end();
      }
      // and the restarted hub serves searches again
      const after = await hub.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'K-9' } });
      expect(after.data?.searchFaces.status).toBe('COMPLETED');
    } finally {
      hub.child.kill('SIGKILL');
      await hub.exited;
      await ws.drop();
    }
  });
});
