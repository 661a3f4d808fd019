import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSigningKeys } from '../../server/auth/hub-tokens';
import { scratchDatabase } from '../../server/database/scratch-database';
import { Role } from '../../models/enums';
import { hubClient, type HubClient } from './client';

const ROOT = resolve(__dirname, '../..');

/** Where a hub process keeps its state: a temp data dir, and a scratch database when DATABASE_URL is set. */
export interface HubWorkspace {
  dataDir: string;
  databaseUrl?: string;
  /** DATABASE_READ_URLS for it: the standbys' copies of the scratch database (they replicate the whole server) */
  readUrls?: string;
  drop(): Promise<void>;
}

/** The same database name on each standby of DATABASE_READ_URLS (comma-separated). */
export function sameDatabaseOn(readUrls: string | undefined, databaseUrl: string | undefined): string | undefined {
  if (!readUrls || !databaseUrl) return undefined;
  const name = new URL(databaseUrl).pathname;
  return readUrls.split(',').map((r) => Object.assign(new URL(r.trim()), { pathname: name }).toString()).join(',');
}

export async function hubWorkspace(databaseUrl = process.env.DATABASE_URL || undefined, readUrls = process.env.DATABASE_READ_URLS): Promise<HubWorkspace> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frhub-test-'));
  // each suite gets its own database on the test server, so suites may run in parallel
  const scratch = await scratchDatabase(databaseUrl, 'frhub_test');
  return {
    dataDir,
    databaseUrl: scratch.url,
    readUrls: sameDatabaseOn(readUrls, scratch.url),
    async drop() {
      await scratch.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The real CLI as users run it (`node cli/frhub.cjs …`), asynchronously: a synchronous child freezes undici's keep-alive. */
export function frhubAt(args: string[], env: Record<string, string>, timeoutMs = 90_000): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn('node', [join(ROOT, 'cli/frhub.cjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr: stderr.replace(/^frhub build: .*\n/m, ''), timedOut });
    });
  });
}

/** A real `frhub serve` process, as an operator runs it, on a free port (loopback unless env says HOST). */
export interface HubProcess extends HubClient {
  /** where this machine reaches it */
  url: string;
  child: ChildProcess;
  /** everything it wrote to stdout and stderr so far */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** a tenant and a certified analyst of it, made through the API by the operator's HUB_ADMIN */
  analyst(tenantSlug: string): Promise<string>;
}

/** ws: a workspace of hubWorkspace(), or the data dir (and database) of a hub the test made itself */
export async function spawnHub(ws: Pick<HubWorkspace, 'dataDir' | 'databaseUrl' | 'readUrls'>, env: Record<string, string> = {}, readyTimeoutMs = 90_000): Promise<HubProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'cli/frhub.cjs'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      // as operators run it (jest's NODE_ENV=test would turn off Apollo's own signal handlers)
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      FRHUB_DATA_DIR: ws.dataDir,
      FRHUB_MODEL_DIR: join(ROOT, 'data/models'),
      FRHUB_INFERENCE_PROVIDER: 'cpu',
      FRHUB_PURGE_INTERVAL_MINUTES: '0',
      DATABASE_URL: ws.databaseUrl ?? '',
      DATABASE_READ_URLS: ws.readUrls ?? '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the hub did not start in ${readyTimeoutMs} ms:\n${out}`)), readyTimeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /frhub listening on http:\/\/(\S+):(\d+)\/graphql/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(`http://127.0.0.1:${m[2]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the hub exited (code ${code}, signal ${signal}) before it was ready:\n${out}`));
    });
  });
  // tokens signed as the hub signs them: the shared key set when the env names one, else the data directory's key
  const { token, gql } = hubClient(url, await loadSigningKeys({ dataDir: ws.dataDir, signingKeysFile: env.FRHUB_SIGNING_KEYS_FILE }));
  return {
    url,
    child,
    output: () => out,
    exited,
    token,
    gql,
    async analyst(tenantSlug) {
      const admin = await token('hub', Role.HUB_ADMIN);
      const t = await gql(admin, `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: { slug: tenantSlug, name: `${tenantSlug} agency` } });
      if (t.errors) throw new Error(`createTenant: ${JSON.stringify(t.errors)}`);
      const p = await gql(admin, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, {
        i: { tenantSlug, name: `analyst of ${tenantSlug}`, role: Role.AGENCY_ANALYST, certifiedUntil: '2099-01-01T00:00:00Z' },
      });
      if (p.errors) throw new Error(`createPrincipal: ${JSON.stringify(p.errors)}`);
      return token(tenantSlug, undefined, p.data.createPrincipal.id);
    },
  };
}
