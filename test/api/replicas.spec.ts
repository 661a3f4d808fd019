import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import pino from 'pino';
import { Role } from '../../models/enums';
import { generateStoredKey, writeKeySetFile } from '../../server/auth/hub-tokens';
import { loadConfig } from '../../server/config';
import { MIGRATIONS } from '../../server/database/open-database';
import { createHub, type Hub } from '../../server/composition/create-hub';
import { issueCliToken } from '../../server/auth/token-ledger';
import { ONE_PHOTO_BATCHES, untilMetrics } from '../support/client';
import { portrait } from '../support/fixtures';
import { hubWorkspace, spawnHub, type HubProcess, type HubWorkspace } from '../support/process';
import { until } from '../support/until';

// Two `frhub serve` processes behind no load balancer but the test itself, sharing one PostgreSQL
// database and a signing key set file, and nothing else (each its own data directory).
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
if (!process.env.DATABASE_URL) test.skip('hub replicas: skipped, set DATABASE_URL to a PostgreSQL server to run them (replicas share one PostgreSQL; the embedded database is one process)', () => {});

const ROOT = resolve(__dirname, '../..');
const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status candidates { subjectRef } } }`;
const PURGED = /retention purge ran/g;
const LEADER = /holds the scheduler lock/;

type Answer = { status: number; body: { data?: any; errors?: { extensions: { code: string } }[] } };

/** One GraphQL call with our own request id (the audit log records it), or undefined when the hub never answered. */
async function call(url: string, token: string, query: string, variables: Record<string, unknown>, requestId: string): Promise<Answer | undefined> {
  try {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId }, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  } catch {
    return undefined;
  }
}

onPostgres('two hub replicas on one PostgreSQL', () => {
  let ws: HubWorkspace;
  let dirB: string;
  let keysDir: string;
  let keysFile: string;
  let a: HubProcess;
  let b: HubProcess;
  let db: Client;
  let image: string;
  /** the replica left after the kill test, and its data directory */
  let survivor: { hub: HubProcess; dataDir: string };
  const env = () => ({ FRHUB_SIGNING_KEYS_FILE: keysFile, FRHUB_PURGE_INTERVAL_MINUTES: '0.02', ...ONE_PHOTO_BATCHES });
  const one = async (sql: string, params: unknown[] = []) => Object.values((await db.query(sql, params)).rows[0])[0];
  const purges = (h: HubProcess) => h.output().match(PURGED)?.length ?? 0;

  /** A tenant made through `via`, with a gallery holding one face, a monthly quota and a certified analyst. */
  async function tenant(via: HubProcess, slug: string, monthlyQuota: number) {
    const admin = await via.token('hub', Role.HUB_ADMIN);
    const t = await via.gql(admin, `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: { slug, name: `${slug} agency`, monthlyQuota } });
    expect(t.errors).toBeUndefined();
    const agencyAdmin = await via.token(slug, Role.AGENCY_ADMIN);
    const gallery = (await via.gql(agencyAdmin, `mutation { createGallery(input: { name: "bookings" }) { id } }`)).data.createGallery.id;
    const enrolled = await via.gql(agencyAdmin, `mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId } }`, { input: { galleryId: gallery, subjectRef: `${slug}-1`, imageBase64: image } });
    expect(enrolled.errors).toBeUndefined();
    const p = await via.gql(admin, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug: slug, name: `analyst of ${slug}`, role: Role.AGENCY_ANALYST, certifiedUntil: '2099-01-01T00:00:00Z' } });
    expect(p.errors).toBeUndefined();
    return { id: t.data.createTenant.id as string, analystId: p.data.createPrincipal.id as string, analyst: await via.token(slug, undefined, p.data.createPrincipal.id) };
  }

  beforeAll(async () => {
    ws = await hubWorkspace();
    dirB = mkdtempSync(join(tmpdir(), 'frhub-test-'));
    keysDir = mkdtempSync(join(tmpdir(), 'frhub-keys-'));
    keysFile = join(keysDir, 'signing-keys.json');
    writeKeySetFile(keysFile, [await generateStoredKey()]);
    image = (await portrait()).toString('base64');
    // both at once against an empty database: one migrates and builds the index, the other waits for it
    [a, b] = await Promise.all([spawnHub(ws, env(), 180_000), spawnHub({ dataDir: dirB, databaseUrl: ws.databaseUrl }, env(), 180_000)]);
    db = new Client({ connectionString: ws.databaseUrl });
    await db.connect();
  }, 240_000);

  afterAll(async () => {
    await db?.end();
    for (const h of [a, b]) {
      if (h && h.child.exitCode === null && h.child.signalCode === null) {
        h.child.kill('SIGKILL');
        await h.exited;
      }
    }
    await ws?.drop();
    for (const d of [dirB, keysDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('both start at once against an empty database and become ready: migrations applied once, the operator tenant made once', async () => {
    for (const h of [a, b]) {
      const ready = await fetch(`${h.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', database: 'postgres' });
    }
    const applied = (await db.query('SELECT name FROM frhub_migrations ORDER BY id')).rows.map((r) => r.name);
    expect(applied).toEqual(MIGRATIONS.map((m) => new m().name));
    expect(Number(await one(`SELECT count(*) FROM tenants WHERE slug = 'hub'`))).toBe(1);
    const bootstraps = [a, b].map((h) => (h.output().match(/created the operator tenant \\"hub\\"/g) ?? []).length);
    expect(bootstraps.sort()).toEqual([0, 1]);
  });

  it('a token minted by one replica works on the other: issueToken through A, `frhub token` from A’s data directory', async () => {
    const { analystId } = await tenant(a, 'token-pd', 100);
    const agencyAdmin = await a.token('token-pd', Role.AGENCY_ADMIN);
    const issued = await a.gql(agencyAdmin, `mutation($p: ID!) { issueToken(principalId: $p, ttlMinutes: 10) { token } }`, { p: analystId });
    expect(issued.errors).toBeUndefined();
    expect((await b.gql(issued.data.issueToken.token, `{ me { role principalId } }`)).data.me).toEqual({ role: 'AGENCY_ANALYST', principalId: analystId });

    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'cli/frhub.cjs'), 'token', '--tenant', 'token-pd', '--role', 'AGENCY_SUPERVISOR', '--ttl', '600'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', FRHUB_DATA_DIR: ws.dataDir, FRHUB_SIGNING_KEYS_FILE: keysFile, DATABASE_URL: ws.databaseUrl },
    });
    const cliToken = stdout.trim().split('\n').pop()!;
    for (const h of [a, b]) expect((await h.gql(cliToken, `{ me { role } }`)).data.me.role).toBe('AGENCY_SUPERVISOR');
    // both serve the same public keys
    const [ja, jb] = await Promise.all([a, b].map(async (h) => (await fetch(`${h.url}/.well-known/jwks.json`)).json()));
    expect(ja).toEqual(jb);
  });

  it('a face enrolled through one replica is found by a search through the other', async () => {
    const { analyst } = await tenant(a, 'enroll-pd', 100);
    const found = await b.gql(analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'R-1' } });
    expect(found.errors).toBeUndefined();
    expect(found.data.searchFaces.status).toBe('COMPLETED');
    expect(found.data.searchFaces.candidates[0]).toEqual({ subjectRef: 'enroll-pd-1' });
  });

  it('the quota race over both replicas: 30 concurrent searches, limit 10, give exactly 10 successes and 20 QUOTA_EXCEEDED', async () => {
    const LIMIT = 10;
    const { id, analyst } = await tenant(b, 'race-pd', LIMIT);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(i % 2 ? a.url : b.url, analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'R-2' } }, `race-${i}`)),
    );
    const ok = answers.filter((r) => r?.body.data?.searchFaces?.status === 'COMPLETED');
    const refused = answers.filter((r) => r?.body.errors?.[0].extensions.code === 'QUOTA_EXCEEDED');
    expect(ok).toHaveLength(LIMIT);
    expect(refused).toHaveLength(30 - LIMIT);
    expect(Number(await one(`SELECT used FROM quotas WHERE period = 'MONTH' AND tenant_id = $1`, [id]))).toBe(LIMIT);
    expect(Number(await one(`SELECT count(*) FROM audit_events WHERE action = 'SEARCH' AND outcome = 'ALLOWED' AND tenant_id = $1`, [id]))).toBe(LIMIT);
    expect(Number(await one(`SELECT count(*) FROM audit_events WHERE action = 'SEARCH' AND outcome = 'DENIED' AND reason = 'QUOTA_EXCEEDED' AND tenant_id = $1`, [id]))).toBe(30 - LIMIT);
  });

  it('the retention purge runs on one replica only: the one holding the scheduler lock', async () => {
    // FRHUB_PURGE_INTERVAL_MINUTES=0.02: both tick every 1.2 s
    await until('a replica holding the scheduler lock', async () => [a, b].filter((h) => LEADER.test(h.output())).length, (n) => n > 0, { deadlineMs: 15_000, everyMs: 100 });
    const [leader, other] = LEADER.test(a.output()) ? [a, b] : [b, a];
    expect(LEADER.test(other.output())).toBe(false);
    // three purges by the leader span two whole intervals, in which the other replica ticked too: the window it could have purged in has closed
    const start = purges(leader);
    await until('three purges by the scheduler lock’s holder', async () => purges(leader), (n) => n >= start + 3, { deadlineMs: 30_000, everyMs: 100 });
    expect(purges(other)).toBe(0);
  });

  it('the replica holding the scheduler lock, killed (SIGKILL) during a burst, loses nothing audited; the other carries on and takes the scheduled work over', async () => {
    const { id, analyst } = await tenant(a, 'kill-pd', 1000);
    // kill the scheduler lock's holder, so the take-over is tested too
    const [victim, other] = LEADER.test(a.output()) ? [a, b] : [b, a];
    survivor = { hub: other, dataDir: other === a ? ws.dataDir : dirB };
    const burst = Array.from({ length: 30 }, (_, i) => {
      const to = i % 2 ? victim : other;
      return call(to.url, analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'R-3' } }, `kill-${i}`).then((r) => ({ requestId: `kill-${i}`, r, killed: to === victim }));
    });
    // kill it once it has searches at its inference thread and some done
    await untilMetrics(victim.url, (m) => m.frhub_inference_queue_depth > 0 && m.frhub_inference_seconds_count >= 5);
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    const results = await Promise.all(burst);

    const answered = results.filter((x) => x.r !== undefined);
    expect(results.filter((x) => !x.killed).every((x) => x.r?.body.data?.searchFaces?.status === 'COMPLETED')).toBe(true);
    expect(results.filter((x) => x.killed && x.r === undefined).length).toBeGreaterThan(0);
    // every request a caller got an answer to is in the audit log, whichever replica answered it
    const audited = new Set((await db.query(`SELECT request_id FROM audit_events WHERE request_id = ANY($1)`, [answered.map((x) => x.requestId)])).rows.map((r) => r.request_id));
    expect(answered.filter((x) => !audited.has(x.requestId)).map((x) => x.requestId)).toEqual([]);
    // nothing half-done: quota, searches and allowed events agree, and the chain verifies through the survivor
    const allowed = Number(await one(`SELECT count(*) FROM audit_events WHERE action = 'SEARCH' AND outcome = 'ALLOWED' AND tenant_id = $1`, [id]));
    expect(Number(await one(`SELECT used FROM quotas WHERE period = 'MONTH' AND tenant_id = $1`, [id]))).toBe(allowed);
    expect(Number(await one(`SELECT count(*) FROM searches WHERE tenant_id = $1`, [id]))).toBe(allowed);
    expect(allowed).toBeGreaterThanOrEqual(answered.filter((x) => x.r?.body.data?.searchFaces).length);
    const admin = await other.token('hub', Role.HUB_ADMIN);
    expect((await other.gql(admin, '{ verifyAuditChain { ok firstBrokenSequence } }')).data).toEqual({ verifyAuditChain: { ok: true, firstBrokenSequence: null } });

    // the survivor takes the scheduler lock (its holder's connection died with it) and purges from then on
    await until('two purges by the survivor', async () => purges(other), (n) => n >= 2, { deadlineMs: 15_000, everyMs: 200 });
    expect(LEADER.test(other.output())).toBe(true);
  });

  it('readiness follows the schema: a migration reverted beside a running replica makes it unready until it is applied again', async () => {
    const { hub, dataDir } = survivor;
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [join(ROOT, 'cli/frhub.cjs'), 'migrate', ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', FRHUB_DATA_DIR: dataDir, DATABASE_URL: ws.databaseUrl } });
    const last = new MIGRATIONS[MIGRATIONS.length - 1]().name;
    await cli('--revert');
    const down = await fetch(`${hub.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', migrationsPending: [last] });
    expect((await cli()).stdout).toContain(`applied: ${last}`);
    expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
  });
});

onPostgres('replicas sharing a data directory (PostgreSQL)', () => {
  it('audit the `frhub token` ledger once, however many import it at the same time', async () => {
    const ws = await hubWorkspace();
    const config = loadConfig({ ...process.env, FRHUB_DATA_DIR: ws.dataDir, DATABASE_URL: ws.databaseUrl ?? '', FRHUB_MODEL_DIR: join(ROOT, 'data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu', FRHUB_PURGE_INTERVAL_MINUTES: '0' });
    const quiet = pino({ level: 'silent' });
    const hubs: Hub[] = [];
    try {
      hubs.push(await createHub(config, { logger: quiet }));
      hubs.push(await createHub(config, { logger: quiet }));
      const minted = await Promise.all(Array.from({ length: 5 }, () => issueCliToken(config, { tenant: 'hub', role: Role.HUB_ADMIN, ttlSeconds: 600 })));
      await Promise.all([...hubs, ...hubs].map((h) => h.auditIssuedTokens()));
      const db = new Client({ connectionString: ws.databaseUrl });
      await db.connect();
      try {
        const rows = (await db.query(`SELECT details->>'tokenSha256' AS sha FROM audit_events WHERE action = 'TOKEN_ISSUED' AND details->>'via' = 'cli'`)).rows.map((r) => r.sha);
        const sha = (t: string) => createHash('sha256').update(t).digest('hex');
        expect(rows.sort()).toEqual(minted.map(sha).sort());
      } finally {
        await db.end();
      }
    } finally {
      for (const h of hubs) await h.close();
      await ws.drop();
    }
  });
});
