import { readFileSync } from 'node:fs';
import { Role, SigningKeyStatus } from '../models/enums.js';
import { AuditTrail } from '../tenants/audit/audit-trail.js';
import { OPERATOR_SLUG } from '../tenants/directory/tenant.service.js';
import { ReportService, type ReportVerification } from '../tenants/reports/report.service.js';
import { systemClock } from '../tenants/shared/ports.js';
import { loadSigningKeys } from '../server/auth/hub-tokens.js';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/database/open-database.js';
import { documentSigner } from '../server/reports/report-signer.js';
import { UsageError, type Args, type CommandSpec } from './args.js';
import { hubCaller, servingHub, viaHub } from './hub-client.js';

const FIELDS = 'intact kind reportId subject signedBy signingKeyStatus signingKeyRetiredAt signatureValid contentIntact auditEventsChecked auditEventsNotHeld problems';

export const reportVerifySpec: CommandSpec = {
  usage: 'frhub report verify <file>',
  summary: 'Checks a lead report (PDF, JSON or discovery ZIP): the hub\'s signature, every byte, and that its audit events are still in the chain.',
  details:
    'Exit status 0 with a last line beginning `intact` when the file is exactly as the hub produced it, signed by one of its keys, and every audit event it names is in the chain with the same hash; ' +
    'exit status 1 with a last line beginning `altered` (and what failed) otherwise. Beside a hub on the embedded database it goes through the hub\'s API (verifyReport); otherwise it opens the database and the signing keys itself. The check is audited (REPORT_VERIFIED).',
  example: 'npx frhub report verify lead-report.pdf',
  run: reportVerifyCommand,
};

/** How the signing key stands, in words: a retired key still vouches for what it signed before it left. */
function keyStanding(v: ReportVerification): string {
  if (v.signingKeyStatus === SigningKeyStatus.RETIRED) {
    const when = v.signingKeyRetiredAt ? ` since ${new Date(v.signingKeyRetiredAt).toISOString()}` : '';
    return ` (retired${when}: it no longer signs or verifies tokens, and is kept to verify what it signed)`;
  }
  return v.signingKeyStatus === SigningKeyStatus.PREVIOUS ? ' (rotated: a previous key, still verifying tokens until it retires)' : ' (the key that signs now)';
}

/** `frhub report verify <file>`: intact (exit 0) or altered (exit 1), said on the last line. */
export async function reportVerifyCommand(args: Args): Promise<number> {
  const [file, extra] = args.positional;
  if (!file) throw new UsageError('name the report file to verify (PDF, JSON or ZIP)');
  if (extra) throw new UsageError(`unexpected argument '${extra}'`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    console.log(`altered: ${file} cannot be read (${(e as Error).message})`);
    return 1;
  }
  const config = loadConfig();
  const hub = servingHub(config);
  let v: ReportVerification;
  if (hub) {
    viaHub(hub);
    // any role may verify a report: the least powerful token of the operator
    const call = await hubCaller(config, hub.url, OPERATOR_SLUG, Role.OVERSIGHT_AUDITOR);
    v = (await call<{ verifyReport: ReportVerification }>(`query($f: String!) { verifyReport(fileBase64: $f) { ${FIELDS} } }`, { f: bytes.toString('base64') })).verifyReport;
  } else {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart, checkAnchor: false });
    try {
      const keys = await loadSigningKeys(config);
      const reports = new ReportService(database.db, systemClock, new AuditTrail(database.db, systemClock), documentSigner(keys), { describe: () => undefined, calibration: () => undefined }, undefined);
      v = await reports.verify(null, bytes);
    } finally {
      await database.close();
    }
  }
  console.log(`file: ${file} (${v.kind}, ${bytes.length} bytes)`);
  if (v.reportId) console.log(`report: ${v.reportId} of ${v.subject}`);
  console.log(`signature: ${v.signatureValid ? `valid, hub key ${v.signedBy}${keyStanding(v)}` : 'NOT valid'}`);
  console.log(`content: ${v.contentIntact ? 'every byte as the hub produced it' : 'CHANGED'}`);
  console.log(`audit events: ${v.auditEventsChecked - v.auditEventsNotHeld.length} of ${v.auditEventsChecked} in the chain as recorded${v.auditEventsNotHeld.length ? ` (not held: ${v.auditEventsNotHeld.join(', ')})` : ''}`);
  if (v.intact) {
    console.log(`intact: report ${v.reportId} is as the hub signed it (key ${v.signedBy}${v.signingKeyStatus === SigningKeyStatus.RETIRED ? ', retired' : ''}), and its ${v.auditEventsChecked} audit events are in the chain`);
    return 0;
  }
  // one line, whatever a problem quotes from the file (a JSON parser's message quotes its lines)
  console.log(`altered: ${v.problems.join('; ').replace(/\s*\n\s*/g, ' ') || 'the report does not verify'}`);
  return 1;
}
