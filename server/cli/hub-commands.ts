import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config.js';
import { loadOrCreateKeys, mintToken } from '../auth.js';
import { recordIssuedToken } from '../token-ledger.js';
import { openDatabase } from '../database.js';
import { createHub } from '../hub.js';
import { Role } from '../../models/enums.js';
import { str, UsageError, type Args } from './args.js';

/**
 * `frhub serve`: the hub on HOST:PORT until SIGINT/SIGTERM, which finish the requests in flight
 * (up to FRHUB_SHUTDOWN_GRACE_MS) before the process exits; a second signal stops it at once.
 */
export async function serveCommand(): Promise<number> {
  const config = loadConfig();
  const hub = await createHub(config);
  const { address } = await hub.listen(config.port);
  hub.logger.info(`frhub listening on http://${address}/graphql (database: ${hub.database.kind}, inference: ${hub.engine.status().provider}, data: ${config.dataDir})`);
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

/** `frhub migrate`: applies pending migrations and exits. */
export async function migrateCommand(args: Args): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
  try {
    if (args.flags.revert) {
      await db.dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else {
      const ran = await db.dataSource.runMigrations({ transaction: 'each' });
      console.log(ran.length ? `applied: ${ran.map((m) => m.name).join(', ')}` : 'database is up to date');
    }
  } finally {
    await db.close();
  }
  return 0;
}

/** `frhub token --tenant <slug> --role <ROLE> [--subject <principalId>] [--ttl seconds]`: opens no database. */
export async function tokenCommand(args: Args): Promise<number> {
  const tenant = str(args, 'tenant');
  const subject = typeof args.flags.subject === 'string' ? args.flags.subject : undefined;
  const roleName = typeof args.flags.role === 'string' ? args.flags.role : undefined;
  if (roleName && !(roleName in Role)) throw new UsageError(`--role must be one of ${Object.values(Role).join(', ')}`);
  if (!subject && !roleName) throw new UsageError('--role <ROLE> (a service account) or --subject <principalId> is required');
  const { dataDir } = loadConfig();
  const keys = await loadOrCreateKeys(dataDir);
  const ttl = Number(str(args, 'ttl', String(12 * 3600)));
  const token = await mintToken(keys, { tenant, role: roleName as Role | undefined, principalId: subject, ttlSeconds: ttl });
  // no database here: the running hub moves this ledger line into the audit chain
  const now = new Date();
  recordIssuedToken(dataDir, { issuedAt: now.toISOString(), tenant, role: roleName ?? null, subject: subject ?? null, expiresAt: new Date(now.getTime() + ttl * 1000).toISOString(), token });
  console.log(token);
  return 0;
}

/**
 * `frhub enroll --gallery <id> <folder> [--tenant slug]`: <folder>/<subjectRef>/*.jpg into a gallery.
 * Resumable: images already enrolled are skipped by checksum (enrollment is idempotent), and a
 * progress file records where it got to. Ends with a summary of every failure and its code.
 */
export async function enrollCommand(args: Args): Promise<number> {
  const galleryId = str(args, 'gallery');
  const folder = args.positional[0];
  if (!folder || !existsSync(folder)) throw new UsageError('usage: frhub enroll --gallery <id> <folder>   (<folder>/<subjectRef>/*.jpg)');
  const config = loadConfig();
  const hub = await createHub({ ...config, logLevel: 'warn' });
  const tenantSlug = str(args, 'tenant', 'hub');
  const found = await hub.services.tenants.resolvePrincipal(tenantSlug, null);
  if (!found) throw new UsageError(`no tenant '${tenantSlug}'`);
  const actor = { requestId: 'cli-enroll', tenantId: found.tenant.id, tenantSlug, isOperator: found.tenant.isOperator, principalId: null, certifiedUntil: null, role: found.tenant.isOperator ? Role.HUB_ADMIN : Role.AGENCY_ADMIN };
  const jobs: [string, string][] = [];
  for (const ref of readdirSync(folder, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort())
    for (const f of readdirSync(join(folder, ref)).filter((f) => /\.(jpe?g|png|webp|tiff?|gif)$/i.test(f)).sort()) jobs.push([ref, join(folder, ref, f)]);
  const progressFile = resolve(config.dataDir, `enroll-${galleryId}.progress.json`);
  const done = new Set<string>(existsSync(progressFile) ? JSON.parse(readFileSync(progressFile, 'utf8')) : []);
  const failures: string[] = [];
  let created = 0, existing = 0;
  const t0 = Date.now();
  try {
    for (const [i, [ref, file]] of jobs.entries()) {
      if (!done.has(file)) {
        try {
          const r = await hub.services.galleries.enroll(actor, { galleryId, subjectRef: ref, image: readFileSync(file), source: { file: file.slice(folder.length + 1) } });
          if (r.created) created++;
          else existing++;
          done.add(file);
        } catch (e) {
          const code = (e as { code?: string }).code ?? 'ERROR';
          if (code === 'NOT_FOUND') throw new UsageError(`gallery ${galleryId} is not a gallery of tenant '${tenantSlug}'`);
          failures.push(`${file}\t${code}\t${(e as Error).message}`);
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
  } finally {
    await hub.close();
  }
  console.log(`enrolled ${created} new, ${existing} already present, ${failures.length} failed, of ${jobs.length} images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of failures) console.log(`failed\t${f}`);
  return failures.length ? 1 : 0;
}
