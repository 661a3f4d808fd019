import type { Server } from 'node:http';
import { resolve } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../server/config';
import { createHub, type Hub } from '../../server/composition/create-hub';
import { Role } from '../../models/enums';
import type { Clock } from '../../tenants/shared/ports';
import { hubClient, type HubClient } from './client';
import { hubWorkspace } from './process';

/** A hub on a free port over real HTTP: PGlite in a temp dir, or PostgreSQL when DATABASE_URL is set. */
export interface TestHub extends HubClient {
  hub: Hub;
  url: string;
  server: Server;
  dataDir: string;
  /** DATABASE_URL for a CLI command beside this hub ('' on PGlite): its scratch database */
  databaseUrl: string;
  /** a tenant (HUB_ADMIN creates it), with its default policy preset and quota */
  createTenant(slug: string, extra?: Record<string, unknown>): Promise<void>;
  /** a principal of a tenant and a token that speaks for it; analysts are certified unless told otherwise */
  principal(tenantSlug: string, role: Role, opts?: { certifiedUntil?: string | null; name?: string }): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

export async function startHub(env: Record<string, string> = {}, opts: { clock?: Clock; logger?: pino.Logger } = {}): Promise<TestHub> {
  const merged = { ...process.env, ...env };
  const ws = await hubWorkspace(merged.DATABASE_URL || undefined, merged.DATABASE_READ_URLS ?? '');
  const { dataDir } = ws;
  const config = loadConfig({
    ...process.env,
    FRHUB_DATA_DIR: dataDir,
    FRHUB_MODEL_DIR: resolve(__dirname, '../../data/models'),
    FRHUB_INFERENCE_PROVIDER: 'cpu',
    ...env,
    DATABASE_URL: ws.databaseUrl ?? '',
    DATABASE_READ_URLS: ws.readUrls ?? '',
  });
  // a hub that refuses to start leaves no scratch database behind
  const hub = await createHub(config, { logger: opts.logger ?? pino({ level: process.env.FRHUB_TEST_LOG ?? 'silent' }), clock: opts.clock }).catch(async (e) => {
    await ws.drop();
    throw e;
  });
  const { url, server } = await hub.listen(0, '127.0.0.1');
  const { token, gql } = hubClient(url, hub.keys);
  const admin = () => token('hub', Role.HUB_ADMIN);
  return {
    hub,
    url,
    server,
    dataDir,
    databaseUrl: ws.databaseUrl ?? '',
    token,
    gql,
    async createTenant(slug, extra = {}) {
      const r = await gql(await admin(), `mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: { slug, name: `${slug} agency`, ...extra } });
      if (r.errors) throw new Error(`createTenant ${slug}: ${JSON.stringify(r.errors)}`);
    },
    async principal(tenantSlug, role, o = {}) {
      const certifiedUntil = o.certifiedUntil === undefined ? '2099-01-01T00:00:00Z' : o.certifiedUntil;
      const r = await gql(await admin(), `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, {
        i: { tenantSlug, name: o.name ?? `${role} of ${tenantSlug}`, role, certifiedUntil },
      });
      if (r.errors) throw new Error(`createPrincipal: ${JSON.stringify(r.errors)}`);
      const id = r.data.createPrincipal.id;
      return { id, token: await token(tenantSlug, undefined, id) };
    },
    async close() {
      await hub.close();
      await ws.drop();
    },
  };
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

/** A test clock that can be moved forward: deadlines, certifications and idle sessions are judged by it. */
export const movableClock = () => {
  let offsetMs = 0;
  const clock: Clock & { advance(ms: number): void } = { now: () => new Date(Date.now() + offsetMs), advance: (ms) => void (offsetMs += ms) };
  return clock;
};
