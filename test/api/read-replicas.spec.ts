import { createServer, connect, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { Client } from 'pg';
import { Role } from '../../models/enums';
import { ConfigError, loadConfig } from '../../server/config';
import { ReadReplicaSet, ReadSource, replicaName } from '../../server/database/read-replicas';
import { bookingPhoto } from '../support/fixtures';
import { startHub, uploadRequest, type TestHub } from '../support/hub';
import { sameDatabaseOn } from '../support/process';
import { until } from '../support/until';

// Searches read from a real streaming standby of the test server: `bash .ci/postgres.sh standby`
// prints one for DATABASE_READ_URLS. The hub reaches it through a TCP proxy this suite can cut or
// hang, because the standby itself serves the other suites running beside this one.
const PRIMARY = process.env.DATABASE_URL || undefined;
const STANDBY = process.env.DATABASE_READ_URLS?.split(',')[0].trim() || undefined;
const onStandby = PRIMARY && STANDBY ? describe : describe.skip;
if (!PRIMARY || !STANDBY) {
  test.skip('read replicas: skipped, set DATABASE_URL to a PostgreSQL primary and DATABASE_READ_URLS to a streaming standby of it (`bash .ci/postgres.sh standby` starts one)', () => {});
}

const ENROLL = `mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId } }`;
const SEARCH = `mutation($input: SearchFacesInput!) { searchFaces(input: $input) { candidates { rank subjectRef galleryId templateId } } }`;
const crop = bookingPhoto;

/** A TCP proxy to the standby: `cut` refuses connections and drops open ones (a stopped standby), `hang` stops answering (a lost network). */
class StandbyProxy {
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private hung = false;
  port = 0;
  bytes = 0;

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    this.hung = false;
    this.server = createServer((client) => {
      if (this.hung) return void this.pairs.add([client, client]);
      const upstream = connect(Number(this.target.port), this.target.hostname);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const forward = (from: Socket, to: Socket) => from.on('data', (d) => !this.hung && (this.bytes += d.length) && to.write(d));
      forward(client, upstream);
      forward(upstream, client);
      const end = () => (client.destroy(), upstream.destroy(), this.pairs.delete(pair));
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise((r) => this.server?.close(r));
    for (const [a, b] of this.pairs) (a.destroy(), b.destroy());
    this.pairs.clear();
    await closed;
  }

  hang(): void {
    this.hung = true;
  }

  url(): string {
    return Object.assign(new URL(this.target.toString()), { port: String(this.port) }).toString();
  }
}

/** One series of the hub's /metrics, by name and exact label set (0 when absent). */
async function metric(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function sql<T = any>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

describe('DATABASE_READ_URLS is validated at start', () => {
  it('needs a primary, and postgres:// URLs; the other settings have small defaults', () => {
    expect(() => loadConfig({ DATABASE_READ_URLS: 'postgres://standby/db' })).toThrow(/set DATABASE_URL to that primary/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_URLS: 'postgres://a/db, mysql://user:secret@b/db' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_URLS: 'mysql://user:secret@b/db' })).not.toThrow(/secret/);
    expect(loadConfig({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_URLS: ' postgres://a/db,postgresql://b:5433/db ' }).readReplicas).toEqual({
      urls: ['postgres://a/db', 'postgresql://b:5433/db'],
      maxWaitMs: 50,
      timeoutMs: 2000,
      retryMs: 30_000,
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_URLS: '' }).readReplicas).toBeUndefined();
  });
});

onStandby('searches read from a streaming standby (DATABASE_READ_URLS)', () => {
  const WAIT_MS = 1500;
  const RETRY_MS = 1000;
  const lines: string[] = [];
  const proxy = new StandbyProxy(new URL(STANDBY ?? 'postgres://localhost'));
  let t: TestHub;
  let primaryUrl: string;
  let standbyUrl: string;
  let analyst: string;
  let metroGallery: string;
  let riverGallery: string;
  let riverId: string;
  let riverAnalyst: string;

  const reads = (source: ReadSource) => metric(t.url, 'frhub_search_reads_total', `source="${source}"`);
  const fallbacks = (reason: string) => metric(t.url, 'frhub_read_replica_fallbacks_total', `reason="${reason}"`);
  const search = async (token: string, ref: string) => {
    const r = await uploadRequest(t.url, token, SEARCH, { caseNumber: '2026-000777', legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY' }, await crop(ref, true));
    expect(r.errors).toBeUndefined();
    return r.data.searchFaces.candidates as { rank: number; subjectRef: string; galleryId: string; templateId: string }[];
  };
  const enroll = async (token: string, galleryId: string, ref: string): Promise<string> => {
    const r = await uploadRequest(t.url, token, ENROLL, { galleryId, subjectRef: ref }, await crop(ref));
    expect(r.errors).toBeUndefined();
    return r.data.enrollFace.templateId;
  };
  /** scans of face_templates counted by the standby itself (its statistics are its own, not replicated) */
  const standbyScans = async () => Number((await sql(standbyUrl, `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS n FROM pg_stat_user_tables WHERE relname = 'face_templates'`))[0]?.n ?? 0);

  beforeAll(async () => {
    await proxy.start();
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    t = await startHub({ DATABASE_READ_URLS: proxy.url(), FRHUB_READ_REPLICA_WAIT_MS: String(WAIT_MS), FRHUB_READ_REPLICA_RETRY_MS: String(RETRY_MS), FRHUB_READ_REPLICA_TIMEOUT_MS: '1500' }, { logger });
    primaryUrl = (t.hub.database.dataSource.options as { url: string }).url;
    standbyUrl = sameDatabaseOn(STANDBY, primaryUrl)!;
    const admin = await t.token('hub', Role.HUB_ADMIN);
    const tenantIds: Record<string, string> = {};
    for (const slug of ['metro-pd', 'river-pd']) tenantIds[slug] = (await t.gql(admin, `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: { slug, name: slug } })).data.createTenant.id;
    riverId = tenantIds['river-pd'];
    analyst = (await t.principal('metro-pd', Role.AGENCY_ANALYST)).token;
    riverAnalyst = (await t.principal('river-pd', Role.AGENCY_ANALYST)).token;
    const gallery = async (slug: string) => (await t.gql(await t.token(slug, Role.AGENCY_ADMIN), `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    metroGallery = await gallery('metro-pd');
    riverGallery = await gallery('river-pd');
  });
  afterAll(async () => {
    await sql(STANDBY!, `SELECT pg_wal_replay_resume()`).catch(() => {});
    await t?.close();
    await proxy.cut();
  });

  it('runs the vector query on the standby, and finds a face enrolled just before', async () => {
    const metroAdmin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    const templateId = await enroll(metroAdmin, metroGallery, 'BK-1001');
    const [onReplica, onPrimary, scans, bytes] = [await reads(ReadSource.REPLICA), await reads(ReadSource.PRIMARY), await standbyScans(), proxy.bytes];
    const candidates = await search(analyst, 'BK-1001');
    expect(candidates[0]).toMatchObject({ rank: 1, subjectRef: 'BK-1001', templateId });
    expect(await reads(ReadSource.REPLICA)).toBe(onReplica + 1);
    expect(await reads(ReadSource.PRIMARY)).toBe(onPrimary);
    expect(proxy.bytes).toBeGreaterThan(bytes);
    // the standby's own statistics saw the scan. A backend that flushed its statistics less than a second
    // before holds the next ones until it has been idle 10 s (PostgreSQL 15's PGSTAT_MIN_INTERVAL and
    // PGSTAT_IDLE_INTERVAL), so they can take that long to show
    await until("the scan in the standby's statistics", standbyScans, (n) => n > scans, { deadlineMs: 30_000, everyMs: 200 });
  });

  it('never misses a completed enrollment: a standby that lags past the bound sends the search to the primary', async () => {
    const metroAdmin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    await sql(STANDBY!, `SELECT pg_wal_replay_pause()`);
    try {
      const templateId = await enroll(metroAdmin, metroGallery, 'BK-1002');
      // the lag is real: the paused standby does not have the new template
      expect(await sql(standbyUrl, `SELECT id FROM face_templates WHERE id = $1`, [templateId])).toEqual([]);
      const [lagging, onPrimary] = [await fallbacks('lagging'), await reads(ReadSource.PRIMARY)];
      const started = performance.now();
      const candidates = await search(analyst, 'BK-1002');
      expect(performance.now() - started).toBeGreaterThanOrEqual(WAIT_MS);
      expect(candidates[0]).toMatchObject({ rank: 1, subjectRef: 'BK-1002', templateId });
      expect(await fallbacks('lagging')).toBe(lagging + 1);
      expect(await reads(ReadSource.PRIMARY)).toBe(onPrimary + 1);
    } finally {
      await sql(STANDBY!, `SELECT pg_wal_replay_resume()`);
    }
    // caught up again: the next search reads on the standby and finds the same template
    const onReplica = await reads(ReadSource.REPLICA);
    expect((await search(analyst, 'BK-1002'))[0].subjectRef).toBe('BK-1002');
    expect(await reads(ReadSource.REPLICA)).toBe(onReplica + 1);
  });

  it('keeps tenant isolation on the standby: row-level security in a read-only transaction', async () => {
    // the same face in both agencies' galleries: each analyst finds only its own agency's template
    for (const slug of ['metro-pd', 'river-pd']) await enroll(await t.token(slug, Role.AGENCY_ADMIN), slug === 'metro-pd' ? metroGallery : riverGallery, 'BK-1003');
    const onReplica = await reads(ReadSource.REPLICA);
    const river = await search(riverAnalyst, 'BK-1003');
    expect(river.length).toBeGreaterThan(0);
    expect(new Set(river.map((c) => c.galleryId))).toEqual(new Set([riverGallery]));
    expect((await search(analyst, 'BK-1003')).every((c) => c.galleryId === metroGallery)).toBe(true);
    expect(await reads(ReadSource.REPLICA)).toBe(onReplica + 2);

    // the replica path itself, asked for every template: river's scope sees river's rows, no scope sees none, and nothing can be written
    const served: ReadSource[] = [];
    const set = new ReadReplicaSet(t.hub.database.db, { urls: [standbyUrl], maxWaitMs: 5000, timeoutMs: 5000, retryMs: 1000 }, { read: (s) => served.push(s), elapsed: () => {}, fallback: () => {}, down: () => {}, up: () => {} });
    try {
      const all = (scope: { tenantId: string | null }) => set.readThenWrite(scope, (tx) => tx.query<{ tenantId: string }>(`SELECT tenant_id AS "tenantId" FROM face_templates`), async (_tx, rows) => rows);
      const seen = await all({ tenantId: riverId });
      expect(seen.length).toBe(1);
      expect(seen.every((r) => r.tenantId === riverId)).toBe(true);
      expect(await all({ tenantId: null })).toEqual([]);
      expect((await sql(standbyUrl, `SELECT count(*)::int AS n FROM face_templates`))[0].n).toBe(4);
      await expect(set.readThenWrite({ tenantId: riverId }, (tx) => tx.query(`DELETE FROM face_templates`), async () => 0)).rejects.toThrow(/read-only transaction/);
      expect(served).toEqual([ReadSource.REPLICA, ReadSource.REPLICA]);
    } finally {
      await set.close();
    }
  });

  it('refuses to read from a server that is not a standby (the primary itself, or a promoted copy): the primary answers', async () => {
    const down: string[] = [];
    const served: ReadSource[] = [];
    const set = new ReadReplicaSet(t.hub.database.db, { urls: [primaryUrl], maxWaitMs: 100, timeoutMs: 5000, retryMs: 60_000 }, { read: (s) => served.push(s), elapsed: () => {}, fallback: () => {}, down: (_r, err) => down.push(String((err as Error).message ?? err)), up: () => {} });
    try {
      const rows = await set.readThenWrite({ tenantId: riverId }, (tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM face_templates`), async (_tx, r) => r);
      expect(rows).toEqual([{ n: 1 }]);
      expect(served).toEqual([ReadSource.PRIMARY]);
      expect(down).toEqual([expect.stringMatching(/is not in recovery: a read replica must be a hot standby of DATABASE_URL/)]);
      expect(set.status()).toEqual([{ replica: replicaName(primaryUrl), up: false }]);
    } finally {
      await set.close();
    }
  });

  it('answers from the primary when the standby stops answering, counts it, logs it, and tries the standby again later', async () => {
    const name = replicaName(sameDatabaseOn(proxy.url(), primaryUrl)!);
    const up = () => metric(t.url, 'frhub_read_replica_up', `replica="${name}"`);
    expect(await up()).toBe(1);
    await proxy.cut();
    const unavailable = await fallbacks('unavailable');
    expect((await search(analyst, 'BK-1001'))[0].subjectRef).toBe('BK-1001');
    expect(await fallbacks('unavailable')).toBe(unavailable + 1);
    expect(await up()).toBe(0);
    expect(lines.filter((l) => l.includes(`read replica ${name} stopped answering`))).toHaveLength(1);

    // back after its retry time: searches read from it again
    await proxy.start();
    // each search until then reads from the primary (the standby is left alone for its retry time), and finds the photo
    const onReplica = await reads(ReadSource.REPLICA);
    await until('a search read from the standby again', async () => ((await search(analyst, 'BK-1001'))[0].subjectRef === 'BK-1001' ? reads(ReadSource.REPLICA) : -1), (n) => n === onReplica + 1, { everyMs: 100 });
    expect(await up()).toBe(1);
    expect(lines.some((l) => l.includes(`read replica ${name} answers again`))).toBe(true);

    // a standby that hangs (no answer at all) times out the same way
    proxy.hang();
    const before = await fallbacks('unavailable');
    expect((await search(analyst, 'BK-1001'))[0].subjectRef).toBe('BK-1001');
    expect(await fallbacks('unavailable')).toBe(before + 1);
    expect(lines.filter((l) => l.includes(`read replica ${name} stopped answering`))).toHaveLength(2);
  });
});
