import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '../server/config.js';
import { mintCliToken } from '../server/auth/token-ledger.js';
import { TenantRepository } from '../models/tenant.repository.js';
import { isUuid } from '../tenants/shared/ids.js';
import { openDatabase } from '../server/database/open-database.js';
import { LockKey, withLock } from '../server/database/advisory-locks.js';
import { createHub } from '../server/composition/create-hub.js';
import { Role, TenantStatus } from '../models/enums.js';
import type { Actor } from '../tenants/shared/actor.js';
import { OPERATOR_SLUG } from '../tenants/directory/tenant.service.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { HubApiError, hubCaller, refuseWhileHeld, servingHub, viaHub } from './hub-client.js';

/**
 * `frhub serve`: the hub on HOST:PORT until SIGINT/SIGTERM, which finish the requests in flight
 * (up to FRHUB_SHUTDOWN_GRACE_MS) before the process exits; a second signal stops it at once.
 */
export async function serveCommand(args: Args = { positional: [], flags: {} }): Promise<number> {
  if (args.positional.length) throw new UsageError(`serve takes no arguments, got: ${args.positional.join(' ')}`);
  const base = loadConfig();
  const port = Number(str(args, 'port', String(base.port)));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0-65535), got ${String(args.flags.port)}`);
  const config = { ...base, port, host: str(args, 'host', base.host) };
  // before the database and the models load: a taken port is known in a moment, not after the start-up
  await portFree(config.host, port);
  const hub = await createHub(config);
  let address: string;
  let url: string;
  try {
    ({ address, url } = await hub.listen(port));
  } catch (e) {
    await hub.close().catch(() => {});
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portTaken(config.host, port);
    throw e;
  }
  hub.logger.info(`frhub listening on http://${address}/graphql, the console on ${url}/ (database: ${hub.database.kind}, inference: ${hub.engine.status().provider}, data: ${config.dataDir})`);
  return new Promise<number>((done) => {
    const stop = (signal: string) => {
      hub.logger.info(`${signal}: finishing in-flight requests, then stopping`);
      process.once(signal, () => {
        hub.logger.warn(`${signal} again: stopping now`);
        process.exit(130);
      });
      hub.close().then(() => done(0), (e) => {
        hub.logger.error({ err: e }, 'error while stopping');
        done(1);
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

export const migrateSpec: CommandSpec = {
  usage: 'frhub migrate [--revert]',
  summary: 'Applies the pending database migrations (the hub also does at start unless FRHUB_MIGRATE_ON_START=false), or reverts the last one.',
  options: [['--revert', 'revert the last applied migration instead']],
  details: 'Beside a hub on the embedded database (no DATABASE_URL): refused (exit status 75); stop the hub first.',
  example: 'npx frhub migrate',
  run: migrateCommand,
};

/** `frhub migrate`: applies pending migrations and exits. */
export async function migrateCommand(args: Args): Promise<number> {
  const config = loadConfig();
  refuseWhileHeld(config, '`frhub migrate`', 'Stop the hub (it migrates at start unless FRHUB_MIGRATE_ON_START=false), then run `frhub migrate` again.');
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
  try {
    if (args.flags.revert) {
      await withLock(config.databaseUrl ? db.dataSource : undefined, LockKey.SCHEMA, () => db.dataSource.undoLastMigration({ transaction: 'each' }));
      console.log('reverted the last migration');
    } else {
      // beside replicas: the same lock they take to migrate at start
      const ran = (await withLock(config.databaseUrl ? db.dataSource : undefined, LockKey.SCHEMA, () => db.dataSource.runMigrations({ transaction: 'each' })))!;
      console.log(ran.length ? `applied: ${ran.map((m) => m.name).join(', ')}` : 'database is up to date');
    }
  } finally {
    await db.close();
  }
  return 0;
}

export const tokenSpec: CommandSpec = {
  usage: 'frhub token --tenant <slug> (--role <ROLE> | --subject <principalId>) [--ttl <seconds>] [--console]',
  summary: 'Mints a hub token from the hub\'s keys (FRHUB_SIGNING_KEYS_FILE, else the data directory\'s key): a tenant\'s service account (--role) or one of its principals (--subject).',
  options: [
    ['--tenant <slug>', 'the tenant the token speaks for'],
    ['--role <ROLE>', `a service account with this role: ${Object.values(Role).join(', ')}`],
    ['--subject <principalId>', 'a principal (its role and certification are read from the database)'],
    ['--ttl <seconds>', 'lifetime (default 43200, 12 hours)'],
    ['--console', 'print a link that opens the web console signed in with this token (http://localhost:PORT/sign-in#token=…), instead of the token'],
  ],
  details: [
    'Mints nothing for a tenant or principal the hub does not know: exit status 1, no token, nothing in the ledger.',
    'It checks them in the database, or through the running hub\'s API when a hub holds the embedded database; the hub moves what it issued into the audit chain.',
    'Before the hub\'s first start there is no tenant yet: run `npx frhub serve` once (it creates the operator tenant "hub").',
  ].join('\n'),
  example: 'npx frhub token --tenant hub --role HUB_ADMIN',
  run: tokenCommand,
};

const portTaken = (host: string, port: number) => new CliError(`port ${port} on ${host} is taken (another hub, or another program, listens there): stop it, or start on another port with --port <N> (or PORT=<N>)`, 75);

/** Resolves when host:port can be bound now; a CliError (exit 75) when something listens there. */
function portFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'EADDRINUSE' ? portTaken(host, port) : e));
    probe.listen(port, host, () => probe.close(() => done()));
  });
}

/** `frhub token --tenant <slug> --role <ROLE> [--subject <principalId>] [--ttl seconds]`: only for a tenant and principal that exist. */
export async function tokenCommand(args: Args): Promise<number> {
  const tenant = str(args, 'tenant');
  const subject = typeof args.flags.subject === 'string' ? args.flags.subject : undefined;
  const roleName = typeof args.flags.role === 'string' ? args.flags.role : undefined;
  if (roleName && !(roleName in Role)) throw new UsageError(`--role must be one of ${Object.values(Role).join(', ')}`);
  if (!subject && !roleName) throw new UsageError('--role <ROLE> (a service account) or --subject <principalId> is required');
  const config = loadConfig();
  const ttl = Number(str(args, 'ttl', String(12 * 3600)));
  if (!Number.isInteger(ttl) || ttl < 1) throw new UsageError(`--ttl must be a whole number of seconds, got '${args.flags.ttl}'`);
  const minted = await mintCliToken(config, { tenant, role: roleName as Role | undefined, subject, ttlSeconds: ttl });
  const problem = await unknownHolder(config, minted.token, tenant, subject);
  if (problem) throw new CliError(problem);
  // only now issued: a token for nobody never reaches the ledger, so nothing is audited for it
  minted.record();
  // in the fragment: the browser never sends it, and the console swaps it for a cookie and clears it
  console.log(args.flags.console ? `http://localhost:${config.port}/sign-in#token=${minted.token}` : minted.token);
  return 0;
}

/** Why the token would speak for nobody (no such tenant or principal), or undefined when both exist. */
async function unknownHolder(config: Config, token: string, tenant: string, subject: string | undefined): Promise<string | undefined> {
  const who = subject ? `no principal '${subject}' in tenant '${tenant}'` : `no tenant '${tenant}'`;
  const advice = subject ? ' (`npx frhub principals list --tenant <slug>` lists them)' : ' (`npx frhub tenants list` lists them)';
  const hub = servingHub(config);
  if (hub) {
    // the hub answers `me` for a token it would accept, UNAUTHENTICATED (not audited) for one naming nobody
    const res = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ me { tenant { id } } }' }) }).catch((e: Error) => {
      throw new CliError(`the hub at ${hub.url} holds the database but does not answer (${e.message}); try again when it is up, or stop it`);
    });
    const body = (await res.json().catch(() => ({}))) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    if (body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') return who + advice;
    if (!body.data) throw new CliError(`the hub at ${hub.url} answered HTTP ${res.status} without data; nothing minted`);
    return undefined;
  }
  if (!config.databaseUrl && !existsSync(join(config.dataDir, 'pglite'))) return `${who}: the hub has no database in ${config.dataDir} yet; start it once with \`npx frhub serve\` (it creates the operator tenant "hub")`;
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false, checkAnchor: false });
  try {
    const repo = new TenantRepository();
    const row = await repo.bySlug(db.db, tenant).catch(() => undefined);
    if (!row) return who + advice;
    if (!subject) return undefined;
    const principal = isUuid(subject) ? await db.db.scoped({ tenantId: row.id }, (tx) => repo.principal(tx, row.id, subject)) : undefined;
    return principal ? undefined : who + advice;
  } finally {
    await db.close();
  }
}

export const enrollSpec: CommandSpec = {
  usage: 'frhub enroll --gallery <id> [--tenant <slug>] <folder>',
  summary: 'Enrolls <folder>/<subjectRef>/*.jpg (also png, webp, tiff, gif) into a gallery of the tenant, one subject per sub-folder.',
  options: [
    ['--gallery <id>', 'the gallery (it must belong to --tenant)'],
    ['--tenant <slug>', 'the tenant that owns the gallery (default: hub, the operator)'],
  ],
  details: [
    'Resumable: images already enrolled are skipped (by checksum), and <data dir>/enroll-<gallery>.progress.json records where it got to.',
    'Ends with a summary of every failed image and its code; exit status 1 when any failed.',
    'Beside a hub on the embedded database (no DATABASE_URL): goes through the hub\'s API (enrollFace, with a service-account token of the tenant minted from the data directory\'s keys).',
  ].join('\n'),
  example: 'npx frhub enroll --gallery 3f0c9a1e-5b7d-4c2a-9e8f-1a2b3c4d5e6f --tenant metro-pd ./booking-photos',
  run: enrollCommand,
};

/** Where enrollment goes: the services in this process, or the running hub's API. */
interface Enroller {
  /** the owning tenant's id of a gallery the tenant can see; undefined when it sees none by that id */
  galleryOwner(galleryId: string): Promise<string | undefined>;
  tenantId: string;
  enroll(galleryId: string, subjectRef: string, image: Buffer, file: string): Promise<{ created: boolean }>;
  close(): Promise<void>;
}

async function localEnroller(config: Config, tenantSlug: string): Promise<Enroller> {
  const hub = await createHub({ ...config, logLevel: 'warn' });
  try {
    const found = await hub.services.tenants.resolvePrincipal(tenantSlug, null);
    if (!found) throw new CliError(`no tenant '${tenantSlug}': give the slug of an existing tenant with --tenant`);
    const actor: Actor = {
      requestId: 'cli-enroll', tenantId: found.tenant.id, tenantSlug, isOperator: found.tenant.isOperator, principalId: null, certifiedUntil: null,
      role: found.tenant.isOperator ? Role.HUB_ADMIN : Role.AGENCY_ADMIN, tenantSuspended: found.tenant.status === TenantStatus.SUSPENDED,
    };
    return {
      tenantId: found.tenant.id,
      galleryOwner: async (id) => {
        try {
          return (await hub.services.galleries.get(actor, id)).tenantId;
        } catch (e) {
          if (['NOT_FOUND', 'FORBIDDEN'].includes((e as { code?: string }).code ?? '')) return undefined;
          throw e;
        }
      },
      enroll: (galleryId, subjectRef, image, file) => hub.services.galleries.enroll(actor, { galleryId, subjectRef, image, source: { file } }),
      close: () => hub.close(),
    };
  } catch (e) {
    await hub.close();
    throw e;
  }
}

async function hubEnroller(config: Config, url: string, tenantSlug: string): Promise<Enroller> {
  const call = await hubCaller(config, url, tenantSlug, tenantSlug === OPERATOR_SLUG ? Role.HUB_ADMIN : Role.AGENCY_ADMIN);
  let tenantId: string;
  try {
    tenantId = (await call<{ me: { tenant: { id: string } } }>(`{ me { tenant { id } } }`)).me.tenant.id;
  } catch (e) {
    if (e instanceof HubApiError && e.code === 'UNAUTHENTICATED') throw new CliError(`no tenant '${tenantSlug}': give the slug of an existing tenant with --tenant`);
    throw e;
  }
  return {
    tenantId,
    galleryOwner: async (id) => {
      try {
        return (await call<{ gallery: { tenantId: string } }>(`query($id: ID!) { gallery(id: $id) { tenantId } }`, { id })).gallery.tenantId;
      } catch (e) {
        if (e instanceof HubApiError && ['NOT_FOUND', 'FORBIDDEN', 'BAD_USER_INPUT'].includes(e.code)) return undefined;
        throw e;
      }
    },
    enroll: async (galleryId, subjectRef, image) => {
      const r = await call<{ enrollFace: { created: boolean } }>(`mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { created } }`, {
        i: { galleryId, subjectRef, imageBase64: image.toString('base64') },
      });
      return r.enrollFace;
    },
    close: async () => {},
  };
}

/**
 * `frhub enroll --gallery <id> <folder> [--tenant slug]`: <folder>/<subjectRef>/*.jpg into a gallery.
 * Resumable: images already enrolled are skipped by checksum (enrollment is idempotent), and a
 * progress file records where it got to. Ends with a summary of every failure and its code.
 */
export async function enrollCommand(args: Args): Promise<number> {
  const galleryId = str(args, 'gallery');
  const folder = args.positional[0];
  if (!folder) throw new UsageError('the folder to enroll is required: <folder>/<subjectRef>/*.jpg');
  if (args.positional.length > 1) throw new UsageError(`one folder, got ${args.positional.length}: ${args.positional.join(' ')}`);
  if (!existsSync(folder)) throw new CliError(`no such folder: ${folder}`);
  if (!statSync(folder).isDirectory()) throw new CliError(`${folder} is a file: give a folder of sub-folders, one per subject (<folder>/<subjectRef>/*.jpg)`);
  const tenantSlug = str(args, 'tenant', OPERATOR_SLUG);
  const config = loadConfig();
  const hub = servingHub(config);
  if (hub) viaHub(hub);
  const enroller = hub ? await hubEnroller(config, hub.url, tenantSlug) : await localEnroller(config, tenantSlug);
  try {
    // once, up front: a gallery the tenant cannot see, or sees only through sharing, takes no photo
    const owner = await enroller.galleryOwner(galleryId);
    if (owner !== enroller.tenantId) throw new CliError(`gallery ${galleryId} is not a gallery of tenant '${tenantSlug}' (a gallery shared with it is searched, never enrolled into); list the tenant's galleries with the \`galleries\` query`);
    return await enrollFolder(config, enroller, galleryId, folder);
  } finally {
    await enroller.close();
  }
}

async function enrollFolder(config: Config, enroller: Enroller, galleryId: string, folder: string): Promise<number> {
  const jobs: [string, string][] = [];
  for (const ref of readdirSync(folder, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort())
    for (const f of readdirSync(join(folder, ref)).filter((f) => /\.(jpe?g|png|webp|tiff?|gif)$/i.test(f)).sort()) jobs.push([ref, join(folder, ref, f)]);
  if (!jobs.length) throw new CliError(`no images in ${folder}: it must hold one sub-folder per subject, named by its reference, with the photos in it (<folder>/<subjectRef>/*.jpg)`);
  const progressFile = resolve(config.dataDir, `enroll-${galleryId}.progress.json`);
  const done = new Set<string>(existsSync(progressFile) ? JSON.parse(readFileSync(progressFile, 'utf8')) : []);
  const failures: string[] = [];
  let created = 0, existing = 0;
  const t0 = Date.now();
  for (const [i, [ref, file]] of jobs.entries()) {
    if (!done.has(file)) {
      try {
        const r = await enroller.enroll(galleryId, ref, readFileSync(file), file.slice(folder.length + 1));
        if (r.created) created++;
        else existing++;
        done.add(file);
      } catch (e) {
        if (e instanceof CliError) throw e;
        // the agency's suspension refuses every image alike: one message, not one failure per photo
        if ((e as { code?: string }).code === 'TENANT_SUSPENDED') throw new CliError((e as Error).message);
        failures.push(`${file}\t${(e as { code?: string }).code ?? 'ERROR'}\t${(e as Error).message}`);
      }
    }
    if (i % 10 === 0 || i === jobs.length - 1) {
      writeFileSync(progressFile, JSON.stringify([...done]));
      const pct = Math.round(((i + 1) / jobs.length) * 100);
      const bar = '#'.repeat(Math.round(pct / 4)).padEnd(25, '.');
      process.stderr.write(`\r[${bar}] ${pct}% ${i + 1}/${jobs.length} images, ${failures.length} failed`);
    }
  }
  process.stderr.write('\n');
  console.log(`enrolled ${created} new, ${existing} already present, ${failures.length} failed, of ${jobs.length} images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of failures) console.log(`failed\t${f}`);
  return failures.length ? 1 : 0;
}
