import { Client } from 'pg';
import { Role } from '../../models/enums';
import { ConfigError, loadConfig } from '../../server/config';
import { classify } from '../../tenants/shared/errors';
import { ONE_PHOTO_BATCHES, untilMetrics } from '../support/client';
import { portrait } from '../support/fixtures';
import { privatePostgres, privatePostgresMissing, reopenOn } from '../support/private-postgres';
import { hubWorkspace, spawnHub, type HubProcess, type HubWorkspace } from '../support/process';
import { until } from '../support/until';

// The hub's PostgreSQL restarted, and its primary lost with the standby promoted, while the hub runs.
// Each on a cluster of the test's own (initdb on a private loopback port): the shared test server is
// never stopped. The embedded database lives and dies with the hub's process, so these need PostgreSQL.
const missing = process.env.DATABASE_URL ? privatePostgresMissing() : 'set DATABASE_URL to a PostgreSQL server to run them (the embedded database lives and dies with the hub)';
const onPrivatePostgres = missing ? describe.skip : describe;
if (missing) test.skip(`database faults: skipped, ${missing}`, () => {});

const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status } }`;

type Answer = { data?: any; errors?: { message: string; extensions: { code: string } }[] };
const codeOf = (r: Answer | undefined) => (r === undefined ? 'NO_ANSWER' : (r.errors?.[0].extensions.code ?? r.data?.searchFaces?.status));
/** The codes other than these, with the hub's log lines of unexpected errors (to say what went wrong where). */
const unexpected = (h: HubProcess, codes: string[], allowed = ['COMPLETED', 'DATABASE_UNAVAILABLE']) => {
  const other = codes.filter((c) => !allowed.includes(c));
  return other.length ? { other, log: h.output().split('\n').filter((l) => /unexpected error/.test(l)).slice(-5) } : {};
};
const readyz = async (h: HubProcess) => {
  const r = await fetch(`${h.url}/readyz`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

/** The audit chain's invariants on `url`: every ALLOWED search has its quota unit and its row, sequences have no gap. */
async function consistency(url: string, slug: string) {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const one = async (sql: string) => Number(Object.values((await db.query(sql, [slug])).rows[0])[0]);
    const tenant = `(SELECT id FROM tenants WHERE slug = $1)`;
    return {
      allowed: await one(`SELECT count(*) FROM audit_events WHERE action = 'SEARCH' AND outcome = 'ALLOWED' AND tenant_id = ${tenant}`),
      charged: await one(`SELECT COALESCE(sum(used), 0) FROM quotas WHERE period = 'MONTH' AND tenant_id = ${tenant}`),
      rows: await one(`SELECT count(*) FROM searches WHERE tenant_id = ${tenant}`),
      // a gap would be a lost event, a duplicate a fork: the chain's sequence numbers run 1..n
      gaps: Number((await db.query(`SELECT count(*) - (max(seq) - min(seq) + 1) AS d FROM audit_events`)).rows[0].d),
    };
  } finally {
    await db.end();
  }
}

describe('DATABASE_URL and failover', () => {
  it('names one server: a libpq multi-host list or target_session_attrs is refused at start with what to do instead (node-postgres supports neither)', () => {
    for (const url of ['postgres://app@10.0.0.1:5432,10.0.0.2:5432/frhub', 'postgres://app@db/frhub?target_session_attrs=read-write']) {
      expect(() => loadConfig({ DATABASE_URL: url })).toThrow(ConfigError);
      expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/one address that follows the primary/);
    }
    expect(loadConfig({ DATABASE_URL: 'postgres://app@db:5432/frhub?sslmode=require' }).databaseUrl).toBe('postgres://app@db:5432/frhub?sslmode=require');
  });
});

describe('the error map on a database that does not answer', () => {
  const failure = (work: (c: Client) => Promise<unknown>, url: string) => {
    const c = new Client({ connectionString: url });
    c.on('error', () => {});
    return work(c).then(() => undefined, (e: unknown) => e).finally(() => c.end().catch(() => {}));
  };

  it('a refused connection is DATABASE_UNAVAILABLE with a message that names no address', async () => {
    const refused = await failure((c) => c.connect(), 'postgres://postgres@127.0.0.1:1/postgres');
    expect(classify(refused)).toMatchObject({ code: 'DATABASE_UNAVAILABLE', message: expect.stringMatching(/database is not answering.*try again/) });
  });

  (process.env.DATABASE_URL ? it : it.skip)('a backend terminated under a statement is DATABASE_UNAVAILABLE; a statement the database refuses is not', async () => {
    const url = process.env.DATABASE_URL!;
    const terminated = await failure(async (c) => {
      await c.connect();
      await c.query('SELECT pg_terminate_backend(pg_backend_pid())');
    }, url);
    expect(classify(terminated).code).toBe('DATABASE_UNAVAILABLE');
    const syntax = await failure(async (c) => {
      await c.connect();
      await c.query('SELEC 1');
    }, url);
    expect(classify(syntax).code).toBe('INTERNAL_SERVER_ERROR');
  });
});

/** Searches by one analyst; each resolves to its answer, or undefined when the hub never answered. */
function searcher(hub: () => HubProcess, analyst: string, image: string) {
  return (caseNumber: string) => hub().gql(analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber } }).then((r) => r as Answer, () => undefined);
}

onPrivatePostgres('the hub’s PostgreSQL fails while it runs (a private cluster)', () => {
  let cluster: Awaited<ReturnType<typeof privatePostgres>>;
  let ws: HubWorkspace;
  let hub: HubProcess | undefined;
  let image: string;

  beforeAll(async () => {
    cluster = await privatePostgres();
    image = (await portrait()).toString('base64');
  }, 120_000);
  afterAll(async () => {
    if (hub && hub.child.exitCode === null && hub.child.signalCode === null) {
      hub.child.kill('SIGKILL');
      await hub.exited;
    }
    await ws?.drop().catch(() => {});
    await cluster?.destroy();
  });

  it('PostgreSQL restarted mid-burst: /readyz goes 503, requests get DATABASE_UNAVAILABLE (no SQL), nothing is half-written, and the hub reconnects by itself', async () => {
    ws = await hubWorkspace(cluster.primary.url());
    hub = await spawnHub(ws, ONE_PHOTO_BATCHES);
    const search = searcher(() => hub!, await hub.analyst('restart-pd'), image);
    expect(codeOf(await search('PG-0'))).toBe('COMPLETED');

    // stopped (fast: its backends are told to end) while searches are at the inference thread
    const burst = Array.from({ length: 12 }, () => search('PG-1'));
    await untilMetrics(hub.url, (m) => m.frhub_inference_queue_depth > 0 && m.frhub_inference_seconds_count >= 3);
    await cluster.primary.stop('fast');
    const codes = (await Promise.all(burst)).map(codeOf);
    expect(unexpected(hub, codes)).toEqual({});
    expect(codes).toContain('DATABASE_UNAVAILABLE');

    const down = await until('readiness to drop', () => readyz(hub!), (r) => r.status === 503, { deadlineMs: 20_000, everyMs: 100 });
    expect(down.body).toMatchObject({ status: 'unavailable', database: 'postgres' });
    const refused = await search('PG-2');
    expect(codeOf(refused)).toBe('DATABASE_UNAVAILABLE');
    expect(refused!.errors?.[0].message).toMatch(/database is not answering/);
    expect(JSON.stringify(refused)).not.toMatch(/ECONNREFUSED|SELECT|INSERT|terminat|127\.0\.0\.1/i);
    // liveness is not readiness: the process itself is fine, an orchestrator must not restart it
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);

    await cluster.primary.start();
    await until('readiness to come back', () => readyz(hub!), (r) => r.status === 200, { deadlineMs: 30_000, everyMs: 100 });
    expect(codeOf(await search('PG-3'))).toBe('COMPLETED');
    expect(hub.child.exitCode).toBeNull();

    // each search told COMPLETED is there; whatever the stop cut off left no quota unit, row or event behind
    const c = await consistency(ws.databaseUrl!, 'restart-pd');
    const completed = 2 + codes.filter((x) => x === 'COMPLETED').length;
    expect(c).toEqual({ allowed: completed, charged: completed, rows: completed, gaps: 0 });
    const admin = await hub.token('hub', Role.HUB_ADMIN);
    expect((await hub.gql(admin, '{ verifyAuditChain { ok firstBrokenSequence } }')).data).toEqual({ verifyAuditChain: { ok: true, firstBrokenSequence: null } });
  }, 120_000);

  it('the primary lost mid-burst and its synchronous standby promoted at the same address: the hub follows, and the audit chain continues without a gap or a fork', async () => {
    // commits wait for the standby (synchronous_standby_names), so what the hub was told committed survives the primary
    const standby = await cluster.primary.standby();
    await cluster.primary.sql(`ALTER SYSTEM SET synchronous_standby_names = '*'`, 'SELECT pg_reload_conf()');
    await until('the standby to be synchronous', async () => (await cluster.primary.sql(`SELECT string_agg(sync_state, ',') AS s FROM pg_stat_replication`))[0].s, (s) => s === 'sync', { deadlineMs: 20_000, everyMs: 100 });
    const search = searcher(() => hub!, await hub!.analyst('failover-pd'), image);
    expect(codeOf(await search('FO-0'))).toBe('COMPLETED');

    const burst = Array.from({ length: 12 }, () => search('FO-1'));
    await untilMetrics(hub!.url, (m) => m.frhub_inference_queue_depth > 0 && m.frhub_inference_seconds_count >= 3);
    // as if the primary's machine lost power; the standby is promoted and takes over its address (a
    // virtual IP or DNS name moving, as failover managers do: node-postgres connects to one host)
    await cluster.primary.stop('immediate');
    await standby.promote();
    const promoted = await reopenOn(standby, cluster.primary.port);
    const answers = await Promise.all(burst);
    const codes = answers.map(codeOf);
    expect(unexpected(hub!, codes)).toEqual({});

    await until('readiness on the promoted standby', () => readyz(hub!), (r) => r.status === 200, { deadlineMs: 30_000, everyMs: 100 });
    expect(codeOf(await search('FO-2'))).toBe('COMPLETED');
    expect(hub!.child.exitCode).toBeNull();

    // every search the hub answered COMPLETED is on the new primary, with its unit and its event
    const told = answers.filter((r) => codeOf(r) === 'COMPLETED').map((r) => r!.data.searchFaces.id as string);
    const db = new Client({ connectionString: promoted.url(new URL(ws.databaseUrl!).pathname.slice(1)) });
    await db.connect();
    try {
      expect((await db.query(`SELECT count(*)::int AS n FROM searches WHERE id = ANY($1::uuid[])`, [told])).rows[0].n).toBe(told.length);
    } finally {
      await db.end();
    }
    const c = await consistency(ws.databaseUrl!, 'failover-pd');
    expect(c.allowed).toBe(c.charged);
    expect(c.rows).toBe(c.allowed);
    expect(c.allowed).toBeGreaterThanOrEqual(told.length + 2);
    expect(c.gaps).toBe(0);
    const admin = await hub!.token('hub', Role.HUB_ADMIN);
    expect((await hub!.gql(admin, '{ verifyAuditChain { ok firstBrokenSequence } }')).data).toEqual({ verifyAuditChain: { ok: true, firstBrokenSequence: null } });

    // the hub's anchor (the chain head it saw committed, kept in its data directory) finds its head on the new primary: a restart is accepted
    hub!.child.kill('SIGTERM');
    await hub!.exited;
    hub = await spawnHub(ws);
    expect((await readyz(hub)).status).toBe(200);
  }, 120_000);
});
