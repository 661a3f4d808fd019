import { writeFileSync } from 'node:fs';
import { TenantRepository } from '../../models/tenant.repository.js';
import { AuditTrail } from '../../tenants/audit/audit-trail.js';
import { verifyChain } from '../../tenants/audit/audit.service.js';
import { OversightService } from '../../tenants/oversight/oversight.service.js';
import { RetentionService } from '../../tenants/retention/retention.service.js';
import { systemClock } from '../../tenants/shared/ports.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../database.js';
import { str, UsageError, type Args } from './args.js';

// Operator commands over the governance data; they open the database but load no face models.

async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** `frhub purge [--dry-run]`: deletes search details past each tenant's retention, except under legal hold. */
export async function purgeCommand(args: Args): Promise<number> {
  const dryRun = !!args.flags['dry-run'];
  return withDatabase(async (database) => {
    const retention = new RetentionService(database.db, systemClock, new AuditTrail(database.db, systemClock));
    const r = await retention.purge({ dryRun, requestId: `cli-purge-${Date.now()}` });
    const slugs = new Map((await new TenantRepository().list(database.db)).map((t) => [t.id, t.slug]));
    for (const t of r.perTenant) console.log(`${slugs.get(t.tenantId) ?? t.tenantId}: ${t.searches} search(es) ${dryRun ? 'would be purged' : 'purged'}`);
    console.log(`${dryRun ? 'dry run: ' : ''}${r.searches} expired search(es) ${dryRun ? 'to purge' : 'purged'}; searches on legal hold are kept${dryRun ? '' : '; each tenant’s purge is in the audit log'}`);
    return 0;
  });
}

const FORMATS = ['transparency', 'utah-77-23e-106'] as const;

/** `frhub report --year <YYYY> [--format transparency|utah-77-23e-106] [--out file.csv]`: CSV for the public or the statute. */
export async function reportCommand(args: Args): Promise<number> {
  const year = Number(str(args, 'year', String(new Date().getUTCFullYear())));
  const format = str(args, 'format', 'transparency');
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  return withDatabase(async (database) => {
    const oversight = new OversightService(database.db, systemClock, new AuditTrail(database.db, systemClock));
    const csv = format === 'transparency' ? (await oversight.transparencyReport(null, year)).csv : await oversight.utahReport(year);
    const out = typeof args.flags.out === 'string' ? args.flags.out : undefined;
    if (out) {
      writeFileSync(out, csv);
      console.error(`wrote the ${format} report for ${year} to ${out} (counts of 1-4 shown as <5)`);
    } else process.stdout.write(csv);
    return 0;
  });
}

/** `frhub audit verify`: recomputes the whole audit chain; exit status 1 when it is broken. */
export async function auditCommand(args: Args): Promise<number> {
  const what = args.positional.shift();
  if (what !== 'verify') throw new UsageError('usage: frhub audit verify');
  return withDatabase(async (database) => {
    const started = performance.now();
    const r = await database.db.scoped({ tenantId: null, allTenants: true }, (tx) => verifyChain(tx));
    const seconds = (performance.now() - started) / 1000;
    if (r.ok) console.log(`audit chain ok: ${r.checked} events verified in ${seconds.toFixed(2)} s (${Math.round(r.checked / Math.max(seconds, 1e-6))} events/s)`);
    else console.log(`audit chain BROKEN at sequence ${r.firstBrokenSequence} (${r.checked} events before it verified)`);
    return r.ok ? 0 : 1;
  });
}
