import { writeFileSync } from 'node:fs';
import { TenantRepository } from '../models/tenant.repository.js';
import { Role } from '../models/enums.js';
import { AuditTrail } from '../tenants/audit/audit-trail.js';
import { OPERATOR_SLUG } from '../tenants/directory/tenant.service.js';
import { verifyChain, type ChainVerification } from '../tenants/audit/audit.service.js';
import { OversightService } from '../tenants/oversight/oversight.service.js';
import { RetentionService } from '../tenants/retention/retention.service.js';
import { systemClock } from '../tenants/shared/ports.js';
import { anchorFileOf, databaseKey, readAnchor, type AnchorCheck } from '../server/audit/audit-anchor.js';
import { loadConfig, type Config } from '../server/config.js';
import { openDatabase, type Database } from '../server/database/open-database.js';
import { str, UsageError, type Args, type CommandSpec } from './args.js';
import { hubCaller, refuseWhileHeld, servingHub, viaHub } from './hub-client.js';

// Operator commands over the governance data; they open the database but load no face models.

async function withDatabase<T>(config: Config, work: (db: Database) => Promise<T>, checkAnchor = true): Promise<T> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, checkAnchor });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

const BESIDE_HUB = 'Beside a hub on the embedded database (no DATABASE_URL)';

export const purgeSpec: CommandSpec = {
  usage: 'frhub purge [--dry-run]',
  summary: 'Deletes search details and candidate lists past each tenant\'s retention, except under legal hold; each tenant\'s purge is an audit event.',
  options: [['--dry-run', 'count what would be purged; delete nothing']],
  details: `${BESIDE_HUB}: refused (exit status 75); the hub purges by itself every FRHUB_PURGE_INTERVAL_MINUTES. To purge now, stop the hub, run this, start it again.`,
  example: 'npx frhub purge --dry-run',
  run: purgeCommand,
};

/** `frhub purge [--dry-run]`: deletes search details past each tenant's retention, except under legal hold. */
export async function purgeCommand(args: Args): Promise<number> {
  const dryRun = !!args.flags['dry-run'];
  const config = loadConfig();
  refuseWhileHeld(config, '`frhub purge`', `The hub purges expired searches itself every FRHUB_PURGE_INTERVAL_MINUTES (${config.purgeIntervalMinutes || 'off'}); to purge now, stop it, run \`frhub purge\`, start it again.`);
  return withDatabase(config, async (database) => {
    const retention = new RetentionService(database.db, systemClock, new AuditTrail(database.db, systemClock));
    const r = await retention.purge({ dryRun, requestId: `cli-purge-${Date.now()}` });
    const slugs = new Map((await new TenantRepository().list(database.db)).map((t) => [t.id, t.slug]));
    for (const t of r.perTenant) console.log(`${slugs.get(t.tenantId) ?? t.tenantId}: ${t.searches} search(es) ${dryRun ? 'would be purged' : 'purged'}`);
    console.log(`${dryRun ? 'dry run: ' : ''}${r.searches} expired search(es) ${dryRun ? 'to purge' : 'purged'}; searches on legal hold are kept${dryRun ? '' : '; each tenant’s purge is in the audit log'}`);
    return 0;
  });
}

const FORMATS = ['transparency', 'utah-77-23e-106'] as const;

export const reportSpec: CommandSpec = {
  usage: 'frhub report [--year <YYYY>] [--format transparency|utah-77-23e-106] [--out <file.csv>]',
  summary: 'The public transparency report or the Utah 77-23e-106 statutory report for one year, as CSV (counts of 1-4 shown as <5).',
  options: [
    ['--year <YYYY>', 'the calendar year (default: this one)'],
    ['--format <name>', 'transparency (default) or utah-77-23e-106'],
    ['--out <file.csv>', 'write the CSV there instead of to stdout'],
  ],
  details: `${BESIDE_HUB}: the transparency report comes through the hub's API (transparencyReport, with an OVERSIGHT_AUDITOR token of the operator minted from the data directory's keys); the statutory one is refused (exit status 75): stop the hub first. Every statute's report (Maryland, Montana, Washington, Utah) is the GraphQL query statutoryReport; \`frhub report verify <file>\` checks a lead report.`,
  example: 'npx frhub report --year 2026 --out transparency-2026.csv',
  run: reportCommand,
};

/** `frhub report --year <YYYY> [--format transparency|utah-77-23e-106] [--out file.csv]`: CSV for the public or the statute. */
export async function reportCommand(args: Args): Promise<number> {
  const year = Number(str(args, 'year', String(new Date().getUTCFullYear())));
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new UsageError(`--year must be a year such as 2026, got '${args.flags.year}'`);
  const format = str(args, 'format', 'transparency');
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  const config = loadConfig();
  const hub = servingHub(config);
  let csv: string;
  if (hub && format === 'transparency') {
    viaHub(hub);
    // every role may read the report: the least powerful token that does
    const call = await hubCaller(config, hub.url, OPERATOR_SLUG, Role.OVERSIGHT_AUDITOR);
    csv = (await call<{ transparencyReport: { csv: string } }>(`query($y: Int!) { transparencyReport(year: $y) { csv } }`, { y: year })).transparencyReport.csv;
  } else {
    refuseWhileHeld(config, `\`frhub report --format ${format}\``, 'Stop the hub, run the report, start it again.');
    csv = await withDatabase(config, async (database) => {
      const oversight = new OversightService(database.db, systemClock, new AuditTrail(database.db, systemClock));
      return format === 'transparency' ? (await oversight.transparencyReport(null, year)).csv : oversight.utahReport(year);
    });
  }
  const out = typeof args.flags.out === 'string' ? args.flags.out : undefined;
  if (out) {
    writeFileSync(out, csv);
    console.error(`wrote the ${format} report for ${year} to ${out} (counts of 1-4 shown as <5)`);
  } else process.stdout.write(csv);
  return 0;
}

export const auditVerifySpec: CommandSpec = {
  usage: 'frhub audit verify',
  summary: 'Recomputes the whole audit chain (gapless sequence, every hash) and compares its head with the anchor in <data dir>/audit-head.json.',
  details: `Exit status 0 when both hold, 1 when the chain is broken or events the anchor recorded are missing (named by sequence number).\n${BESIDE_HUB}: goes through the hub's API (verifyAuditChain, with an OVERSIGHT_AUDITOR token of the operator minted from the data directory's keys; the verification is itself audited).`,
  example: 'npx frhub audit verify',
  run: auditCommand,
};

/** `frhub audit verify`: recomputes the whole audit chain; exit status 1 when it is broken or lost anchored events. */
export async function auditCommand(args: Args): Promise<number> {
  if (args.positional.length) throw new UsageError(`unexpected argument '${args.positional[0]}'`);
  const config = loadConfig();
  const hub = servingHub(config);
  const started = performance.now();
  let chain: ChainVerification;
  let anchor: AnchorCheck | undefined;
  if (hub) {
    viaHub(hub);
    // the oversight role may verify: no administrator's power for a read
    const call = await hubCaller(config, hub.url, OPERATOR_SLUG, Role.OVERSIGHT_AUDITOR);
    chain = (await call<{ verifyAuditChain: ChainVerification }>(`{ verifyAuditChain { ok firstBrokenSequence checked } }`)).verifyAuditChain;
  } else {
    [chain, anchor] = await withDatabase(config, async (database) => [
      await database.db.scoped({ tenantId: null, allTenants: true }, (tx) => verifyChain(tx)),
      await database.anchor.compare(),
    ], false);
  }
  const seconds = (performance.now() - started) / 1000;
  if (chain.ok) console.log(`audit chain ok: ${chain.checked} events verified in ${seconds.toFixed(2)} s (${Math.round(chain.checked / Math.max(seconds, 1e-6))} events/s)`);
  else console.log(`audit chain BROKEN at sequence ${chain.firstBrokenSequence} (${chain.checked} events before it verified)`);
  anchor ??= anchorAgainst(config, chain);
  if (!anchor) console.log('anchor not compared: through the hub only the events before the break are counted; stop the hub and run `frhub audit verify` for the full comparison');
  else if (anchor.ok) console.log(anchor.anchored ? `anchor ok: event ${anchor.anchored.seq} (anchored ${anchor.anchored.at}) is in the chain` : 'no anchor yet (the hub writes one as events are appended)');
  else console.log(`anchor FAILED: ${anchor.message}`);
  return chain.ok && anchor?.ok ? 0 : 1;
}

/**
 * Through the API only the count is known: the chain must reach the anchored sequence number. A
 * broken chain counts only the events before the break, so it is compared with nothing.
 */
export function anchorAgainst(config: Pick<Config, 'dataDir' | 'databaseUrl'>, chain: ChainVerification): AnchorCheck | undefined {
  if (!chain.ok) return undefined;
  const anchored = readAnchor(anchorFileOf(config.dataDir), databaseKey(config.databaseUrl));
  const head = { seq: chain.checked, hash: '' };
  if (!anchored || chain.checked >= anchored.seq) return { ok: true, anchored, head, missing: null, message: '' };
  const missing: [number, number] = [chain.checked + 1, anchored.seq];
  return { ok: false, anchored, head, missing, message: `the audit chain lost events: the anchor recorded event ${anchored.seq} but the chain ends at ${chain.checked}; events ${missing[0]}-${missing[1]} are missing` };
}
