import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { mintToken } from '../../server/auth';
import { loadConfig } from '../../server/config';
import { createHub, type Hub } from '../../server/hub';
import type { Role } from '../../models/enums';

/** A hub on a free port over real HTTP: PGlite in a temp dir, or PostgreSQL when DATABASE_URL is set. */
export interface TestHub {
  hub: Hub;
  url: string;
  token(tenant: string, role?: Role, principalId?: string): Promise<string>;
  gql<T = any>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: { message: string; extensions: { code: string } }[] }>;
  close(): Promise<void>;
}

export async function startHub(env: Record<string, string> = {}): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'frhub-test-'));
  const config = loadConfig({
    ...process.env,
    FRHUB_DATA_DIR: dataDir,
    FRHUB_MODEL_DIR: resolve(__dirname, '../../data/models'),
    FRHUB_INFERENCE_PROVIDER: 'cpu',
    ...env,
  });
  let dropDatabase = async () => {};
  if (config.databaseUrl) [config.databaseUrl, dropDatabase] = await freshDatabase(config.databaseUrl);
  const hub = await createHub(config, { logger: pino({ level: 'silent' }) });
  const { url } = await hub.listen(0);
  return {
    hub,
    url,
    token: (tenant, role, principalId) => mintToken(hub.keys, { tenant, role, principalId }),
    async gql(token, query, variables) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as any;
    },
    async close() {
      await hub.close();
      await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Each suite gets its own database on the test server, so suites may run in parallel. */
async function freshDatabase(url: string): Promise<[string, () => Promise<void>]> {
  const { Client } = require('pg') as typeof import('pg');
  const name = `frhub_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return [u.toString(), () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)];
}

/** A GraphQL multipart request (graphql-multipart-request-spec) with one file at variables.input.image. */
export async function uploadRequest(url: string, token: string, query: string, input: Record<string, unknown>, file: Buffer, filename = 'photo.jpg') {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { input: { ...input, image: null } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.image'] }));
  form.append('0', new Blob([file]), filename);
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' }, body: form });
  return res.json() as Promise<{ data?: any; errors?: { message: string; extensions: { code: string } }[] }>;
}
