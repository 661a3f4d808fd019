import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { Role } from '../../models/enums.js';
import { generateStoredKey, loadSigningKeys, mintToken, writeKeySetFile } from '../../server/auth/hub-tokens.js';
import { scratchDatabase } from '../../server/database/scratch-database.js';
import { str, UsageError, type Args, type CommandSpec } from '../args.js';
import { percentiles } from './stats.js';
import { sampleFace } from '../inference-commands.js';

const ROOT = resolve(__dirname, '../../..');

export const benchSoakSpec: CommandSpec = {
  usage: 'frhub bench soak --minutes <n> [--database-url <url>] [--rate <requests/s>] [--kill-replica-at <minute>]',
  summary:
    'Two `frhub serve` replicas on one PostgreSQL (a scratch database) under a steady mix of searches, enrollments, reviews and statistics reads; then requests by outcome, latency early vs late, memory and connections, and the checks that nothing was lost. Ends with `soak: requests=… errors=… lost=… chain=… rss_growth_mb=…`.',
  options: [
    ['--minutes <n>', 'how long the load runs (default 30)'],
    ['--database-url <url>', 'the PostgreSQL server to make the scratch database on (default DATABASE_URL; required: replicas share PostgreSQL)'],
    ['--rate <n>', 'requests started per second over both replicas (default 4)'],
    ['--kill-replica-at <minute>', 'SIGKILL the second replica at this minute; the clients then use the first only (a fault while loaded)'],
  ],
  example: 'npx frhub bench soak --minutes 3 --database-url postgres://postgres@127.0.0.1:5432/postgres',
  run: benchSoakCommand,
};

interface Replica {
  url: string;
  child: ChildProcess;
  exited: Promise<unknown>;
  alive: boolean;
}

/** A `frhub serve` process as an operator runs it, on a free loopback port. */
async function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [join(ROOT, 'cli/frhub.cjs'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', FRHUB_PURGE_INTERVAL_MINUTES: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise((r) => child.once('exit', r));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`a replica did not start in 180 s:\n${out}`)), 180_000);
    const onData = (c: Buffer) => {
      // the listening line is at info level; keep only the tail, the soak logs for a long time
      out = (out + c.toString()).slice(-20_000);
      const m = /frhub listening on http:\/\/\S+:(\d+)\/graphql/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => fail(new Error(`a replica exited before it was ready:\n${out}`)));
  });
  const r: Replica = { url, child, exited, alive: true };
  void exited.then(() => (r.alive = false));
  return r;
}

/** The replica's resident memory in MB, from its own /metrics (prom-client's process metrics). */
async function rssMb(r: Replica): Promise<number | undefined> {
  const text = await (await fetch(`${r.url}/metrics`)).text().catch(() => '');
  const m = /^process_resident_memory_bytes (\S+)$/m.exec(text);
  return m ? Number(m[1]) / 1024 / 1024 : undefined;
}

type Kind = 'search' | 'enroll' | 'review' | 'statistics';
interface Sample {
  kind: Kind;
  at: number;
  ms: number;
  outcome: string;
}

/**
 * `frhub bench soak`: a steady open-loop load (a request started every 1/rate s, at most 32 in
 * flight) over two replicas, then the accounting: what clients were told against what the
 * database holds and what the audit chain says.
 */
export async function benchSoakCommand(args: Args): Promise<number> {
  const minutes = Number(str(args, 'minutes', '30'));
  const rate = Number(str(args, 'rate', '4'));
  const killAt = args.flags['kill-replica-at'] !== undefined ? Number(str(args, 'kill-replica-at', '0')) : undefined;
  if (!(minutes > 0 && minutes <= 24 * 60)) throw new UsageError(`--minutes must be a number of minutes above 0 and at most 1440, got '${args.flags.minutes}'`);
  if (!(rate > 0 && rate <= 1000)) throw new UsageError(`--rate must be requests per second above 0 and at most 1000, got '${args.flags.rate}'`);
  if (killAt !== undefined && !(killAt > 0 && killAt < minutes)) throw new UsageError(`--kill-replica-at is a minute of the run, above 0 and before --minutes (${minutes}), got '${args.flags['kill-replica-at']}'`);
  const serverUrl = typeof args.flags['database-url'] === 'string' ? args.flags['database-url'] : process.env.DATABASE_URL;
  if (!serverUrl) {
    console.error('frhub bench soak: replicas share one PostgreSQL; give --database-url (or DATABASE_URL)');
    return 64;
  }
  const { Client } = require('pg') as typeof import('pg');
  const scratch = await scratchDatabase(serverUrl, 'frhub_bench_soak');
  const dirs = [mkdtempSync(join(tmpdir(), 'frhub-soak-a-')), mkdtempSync(join(tmpdir(), 'frhub-soak-b-')), mkdtempSync(join(tmpdir(), 'frhub-soak-keys-'))];
  const keysFile = join(dirs[2], 'signing-keys.json');
  writeKeySetFile(keysFile, [await generateStoredKey()]);
  const replicas: Replica[] = [];
  const db = new Client({ connectionString: scratch.url });
  try {
    const env = (dataDir: string) => ({ FRHUB_DATA_DIR: dataDir, DATABASE_URL: scratch.url!, FRHUB_SIGNING_KEYS_FILE: keysFile, FRHUB_MODEL_DIR: join(ROOT, 'data/models') });
    // the first migrates, then the second joins
    replicas.push(await startReplica(env(dirs[0])));
    replicas.push(await startReplica(env(dirs[1])));
    await db.connect();
    const keys = await loadSigningKeys({ dataDir: dirs[0], signingKeysFile: keysFile });
    const gql = async (url: string, token: string, query: string, variables?: Record<string, unknown>) => {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
    };
    const must = async (token: string, query: string, variables?: Record<string, unknown>) => {
      const r = await gql(replicas[0].url, token, query, variables);
      if (r.errors) throw new Error(`setup: ${JSON.stringify(r.errors)}`);
      return r.data;
    };
    const admin = await mintToken(keys, { tenant: 'hub', role: Role.HUB_ADMIN });
    await must(admin, `mutation { createTenant(input: { slug: "soak-pd", name: "Soak PD", monthlyQuota: 100000000 }) { id } }`);
    const principal = async (role: Role) => (await must(admin, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i: { tenantSlug: 'soak-pd', name: `soak ${role}`, role, certifiedUntil: '2099-01-01T00:00:00Z' } })).createPrincipal.id as string;
    const analyst = await mintToken(keys, { tenant: 'soak-pd', principalId: await principal(Role.AGENCY_ANALYST), ttlSeconds: 86_400 });
    const supervisor = await mintToken(keys, { tenant: 'soak-pd', principalId: await principal(Role.AGENCY_SUPERVISOR), ttlSeconds: 86_400 });
    const agencyAdmin = await mintToken(keys, { tenant: 'soak-pd', role: Role.AGENCY_ADMIN, ttlSeconds: 86_400 });
    const galleryId = (await must(agencyAdmin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).createGallery.id as string;
    const face = await sampleFace();
    const photo = face.toString('base64');
    await must(agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId, subjectRef: 'soak-0', imageBase64: photo } });

    const connections = async () => Number((await db.query(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()`)).rows[0].count) - 1;
    const rssStart = await Promise.all(replicas.map(rssMb));
    const connStart = await connections();
    console.log(`frhub bench soak — 2 replicas on PostgreSQL (scratch database ${new URL(scratch.url!).pathname.slice(1)}), ${minutes} min at ${rate} requests/s (60% searches, 15% enrollments, 10% reviews, 15% statistics reads)${killAt !== undefined ? `, replica 2 killed at minute ${killAt}` : ''}`);

    const samples: Sample[] = [];
    const told = { searches: new Set<string>(), enrolled: new Set<string>(), reviews: 0 };
    const reviewable: string[] = [];
    let inFlight = 0;
    let n = 0;
    const t0 = performance.now();
    const end = t0 + minutes * 60_000;
    const pending = new Set<Promise<void>>();
    const one = async (i: number) => {
      const live = replicas.filter((r) => r.alive);
      const target = live[i % live.length];
      const roll = (i * 7919) % 100;
      const kind: Kind = roll < 60 ? 'search' : roll < 75 ? 'enroll' : roll < 85 && reviewable.length ? 'review' : 'statistics';
      const started = performance.now();
      let outcome = 'OK';
      try {
        if (kind === 'search') {
          const r = await gql(target.url, analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status } }`, { i: { imageBase64: photo, legalBasis: 'VICTIM_ID', caseNumber: `SOAK-${i}` } });
          outcome = r.errors?.[0]?.extensions?.code ?? r.data.searchFaces.status;
          if (outcome === 'COMPLETED') told.searches.add(r.data.searchFaces.id) && reviewable.push(r.data.searchFaces.id);
        } else if (kind === 'enroll') {
          // a photo's bytes are a gallery's key (the same photo again is the same template): each enrollment brightens it a little differently
          const image = (await sharp(face).modulate({ brightness: 1 + (i % 2000) / 20_000 }).jpeg({ quality: 90 }).toBuffer()).toString('base64');
          const r = await gql(target.url, agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId, subjectRef: `soak-${i}`, imageBase64: image } });
          outcome = r.errors?.[0]?.extensions?.code ?? 'ENROLLED';
          if (!r.errors) told.enrolled.add(r.data.enrollFace.templateId);
        } else if (kind === 'review') {
          const searchId = reviewable.shift()!;
          const r = await gql(target.url, supervisor, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { id } }`, { i: { searchId, outcome: 'NO_LEAD', decisions: [] } });
          outcome = r.errors?.[0]?.extensions?.code ?? 'REVIEWED';
          if (!r.errors) told.reviews++;
        } else {
          const r = await gql(target.url, agencyAdmin, `query($f: DateTimeISO!, $t: DateTimeISO!) { usageStatistics(from: $f, to: $t) { rows { searches } } }`, { f: new Date(Date.now() - 86_400_000).toISOString(), t: new Date(Date.now() + 60_000).toISOString() });
          outcome = r.errors?.[0]?.extensions?.code ?? 'READ';
        }
      } catch {
        outcome = 'NO_ANSWER';
      }
      samples.push({ kind, at: started - t0, ms: performance.now() - started, outcome });
    };
    let killed = false;
    while (performance.now() < end) {
      if (killAt !== undefined && !killed && performance.now() - t0 >= killAt * 60_000) {
        killed = true;
        replicas[1].child.kill('SIGKILL');
        await replicas[1].exited;
        console.log(`minute ${killAt}: replica 2 killed (SIGKILL)`);
      }
      // open loop: a request every 1/rate s whatever the answers take, bounded so an overloaded hub is not buried
      if (inFlight < 32) {
        inFlight++;
        const p = one(n++).finally(() => {
          inFlight--;
          pending.delete(p);
        });
        pending.add(p);
      }
      await new Promise((r) => setTimeout(r, 1000 / rate));
    }
    await Promise.all(pending);
    const seconds = (performance.now() - t0) / 1000;

    // what was measured
    const byOutcome = new Map<string, number>();
    for (const s of samples) byOutcome.set(`${s.kind} ${s.outcome}`, (byOutcome.get(`${s.kind} ${s.outcome}`) ?? 0) + 1);
    console.log(`requests: ${samples.length} in ${seconds.toFixed(0)} s (${(samples.length / seconds).toFixed(2)}/s)`);
    for (const [k, v] of [...byOutcome].sort()) console.log(`  ${k.padEnd(32)} ${v}`);
    const windowMs = minutes >= 10 ? 5 * 60_000 : (minutes * 60_000) / 2;
    const label = minutes >= 10 ? ['first 5 min', 'last 5 min'] : ['first half', 'second half'];
    for (const kind of ['search', 'enroll', 'review', 'statistics'] as Kind[]) {
      const of = (from: number, to: number) => samples.filter((s) => s.kind === kind && s.at >= from && s.at < to).map((s) => s.ms);
      const parts = [of(0, windowMs), of(minutes * 60_000 - windowMs, Infinity)].map((xs, i) => {
        if (!xs.length) return `${label[i]}: none`;
        const p = percentiles(xs);
        return `${label[i]}: p50 ${p.p50.toFixed(0)} ms p99 ${p.p99.toFixed(0)} ms (${xs.length})`;
      });
      console.log(`${kind.padEnd(10)} ${parts.join('  |  ')}`);
    }
    const rssEnd = await Promise.all(replicas.map((r) => (r.alive ? rssMb(r) : Promise.resolve(undefined))));
    const connEnd = await connections();
    replicas.forEach((r, i) => console.log(`replica ${i + 1}: RSS ${rssStart[i]?.toFixed(0)} MB at start, ${r.alive ? `${rssEnd[i]?.toFixed(0)} MB at end` : 'killed'}`));
    console.log(`database connections of the replicas: ${connStart} at start, ${connEnd} at end`);

    // what was lost: answers the clients got that the database does not hold, and the chain's own word
    const scalar = async (sql: string, params: unknown[] = []) => Number(Object.values((await db.query(sql, params)).rows[0])[0]);
    const tenant = `(SELECT id FROM tenants WHERE slug = 'soak-pd')`;
    const allowed = await scalar(`SELECT count(*) FROM audit_events WHERE action = 'SEARCH' AND outcome = 'ALLOWED' AND tenant_id = ${tenant}`);
    const charged = await scalar(`SELECT COALESCE(sum(used), 0) FROM quotas WHERE period = 'MONTH' AND tenant_id = ${tenant}`);
    const rows = await scalar(`SELECT count(*) FROM searches WHERE tenant_id = ${tenant}`);
    const orphans = await scalar(`SELECT count(*) FROM searches s WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'SEARCH' AND e.outcome = 'ALLOWED' AND e.details->>'searchId' = s.id::text)`);
    const searchesKept = await scalar(`SELECT count(*) FROM searches WHERE id = ANY($1::uuid[])`, [[...told.searches]]);
    const templatesKept = await scalar(`SELECT count(*) FROM face_templates WHERE id = ANY($1::uuid[])`, [[...told.enrolled]]);
    const reviewsKept = await scalar(`SELECT count(*) FROM search_reviews WHERE tenant_id = ${tenant}`);
    const reviewsAudited = await scalar(`SELECT count(*) FROM audit_events WHERE action = 'SEARCH_REVIEW' AND outcome <> 'DENIED' AND outcome <> 'FAILED' AND tenant_id = ${tenant}`);
    const lost = told.searches.size - searchesKept + (told.enrolled.size - templatesKept) + Math.max(0, told.reviews - reviewsKept);
    const live = replicas.find((r) => r.alive)!;
    const verify = await gql(live.url, admin, `{ verifyAuditChain { ok firstBrokenSequence } }`);
    const chainOk = verify.data?.verifyAuditChain?.ok === true;
    let failed = 0;
    const check = (ok: boolean, what: string) => {
      if (!ok) failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    };
    check(chainOk, `audit chain verifies${chainOk ? '' : `: ${JSON.stringify(verify.errors ?? verify.data)}`}`);
    check(allowed === charged && allowed === rows && orphans === 0, `every ALLOWED search has its quota unit and its row: allowed ${allowed}, quota used ${charged}, searches ${rows}, searches without their event ${orphans}`);
    // with a replica killed, a search it committed but never answered is ALLOWED without the client knowing: the hub may count more, never fewer
    check((killed ? allowed >= told.searches.size : allowed === told.searches.size) && templatesKept === told.enrolled.size && reviewsKept === reviewsAudited && reviewsKept >= told.reviews, `the clients' counts equal the hub's: searches COMPLETED ${told.searches.size} vs ALLOWED ${allowed}; enrollments ${told.enrolled.size} vs kept ${templatesKept}; reviews ${told.reviews} vs kept ${reviewsKept} and audited ${reviewsAudited}`);
    const errors = samples.filter((s) => !['COMPLETED', 'ENROLLED', 'REVIEWED', 'READ'].includes(s.outcome)).length;
    const alive = replicas.map((r, i) => (r.alive ? (rssEnd[i] ?? 0) - (rssStart[i] ?? 0) : -Infinity));
    const growth = Math.max(...alive);
    console.log(`soak: requests=${samples.length} errors=${errors} lost=${lost} chain=${chainOk ? 'ok' : 'broken'} rss_growth_mb=${growth.toFixed(0)}`);
    return lost === 0 && chainOk && !failed ? 0 : 1;
  } finally {
    await db.end().catch(() => {});
    for (const r of replicas) {
      if (r.alive) {
        r.child.kill('SIGTERM');
        await r.exited;
      }
    }
    await scratch.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
