import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { loadConfig, type Config } from '../server/config.js';
import { createHub } from '../server/composition/create-hub.js';
import { DEMOGRAPHIC_VOCABULARIES, DemographicField, RemovalReason, Role } from '../models/enums.js';
import { OPERATOR_SLUG } from '../tenants/directory/tenant.service.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { HubApiError, hubCaller, servingHub, viaHub, type HubCall } from './hub-client.js';

const REASONS = Object.values(RemovalReason) as string[];
const TENANT_OPTION: [string, string] = ['--tenant <slug>', 'the tenant whose records these are (default: hub, the operator)'];
/** Dispositions that purge by default: the record must not be searched any more. */
const DEFAULT_PURGE = [RemovalReason.EXPUNGED, RemovalReason.DISMISSED, RemovalReason.ACQUITTED];

/**
 * The records API of the running hub (beside it on the embedded database), or of a hub started in
 * this process for the command: either way every change goes through the API, its checks and its
 * audit, with a short-lived service-account token of the tenant's administrator.
 */
async function recordsApi(config: Config, tenantSlug: string): Promise<{ call: HubCall; close(): Promise<void> }> {
  const role = tenantSlug === OPERATOR_SLUG ? Role.HUB_ADMIN : Role.AGENCY_ADMIN;
  const serving = servingHub(config);
  if (serving) viaHub(serving);
  const local = serving ? undefined : await createHub({ ...config, logLevel: 'warn' });
  try {
    const url = serving?.url ?? (await local!.listen(0, '127.0.0.1')).url;
    const call = await hubCaller(config, url, tenantSlug, role);
    try {
      await call(`{ me { tenant { id } } }`);
    } catch (e) {
      if (e instanceof HubApiError && e.code === 'UNAUTHENTICATED') throw new CliError(`no tenant '${tenantSlug}': give the slug of an existing tenant with --tenant`);
      throw e;
    }
    return { call, close: async () => void (await local?.close()) };
  } catch (e) {
    await local?.close();
    throw e;
  }
}

const failure = (e: unknown) => (e instanceof HubApiError ? `${e.code}: ${e.message}` : (e as Error).message);

export const subjectCheckSpec: CommandSpec = {
  usage: 'frhub subject check <subjectId> [--tenant <slug>]',
  summary: 'Proves a removal: counts, table by table, what the hub still holds of a subject of the tenant (subjects, face_templates, face_crops, search_candidates).',
  options: [TENANT_OPTION],
  details: [
    'Goes through the hub\'s API (subjectRemnants): beside a running hub on the embedded database, through that hub; otherwise through one started for the command.',
    'The audit chain keeps what each removal did (ids, counts, reason), never a face: it is not counted.',
    'Exit status 0 when nothing is left, 1 when rows remain (the subject is not removed, or a removal did not reach everything).',
  ].join('\n'),
  example: 'npx frhub subject check 0b6f3c2e-8d4a-4f1e-9c7b-2a5d6e8f1a3b --tenant metro-pd',
  run: async (args) => {
    const subjectId = args.positional[0];
    if (!subjectId || args.positional.length > 1) throw new UsageError('one subject id is required (from the subjects query, or a removal\'s output)');
    const api = await recordsApi(loadConfig(), str(args, 'tenant', OPERATOR_SLUG));
    try {
      const r = (await api.call(`query($s: ID!) { subjectRemnants(subjectId: $s) { subjectId removed reason removedAt clean tables { table rows } } }`, { s: subjectId })).subjectRemnants;
      console.log(`subject ${r.subjectId}: ${r.removed ? `removed ${r.removedAt} (${r.reason})` : 'not removed'}`);
      for (const t of r.tables) console.log(`  ${t.table.padEnd(18)} ${t.rows}`);
      console.log(r.clean ? 'clean: nothing of the subject is left' : 'NOT clean: rows above still hold something of the subject');
      return r.clean ? 0 : 1;
    } catch (e) {
      if (e instanceof HubApiError) throw new CliError(failure(e));
      throw e;
    } finally {
      await api.close();
    }
  },
};

export const subjectRemoveSpec: CommandSpec = {
  usage: 'frhub subject remove <subjectId> --reason <reason> [--tenant <slug>]',
  summary: 'Removes a subject at once: its templates, face crops and past candidate rows, audited with the reason (removeSubject).',
  options: [['--reason <reason>', REASONS.join(', ')], TENANT_OPTION],
  details: 'Prints what went (ids and counts, as the audit event records them). Check it with `frhub subject check <subjectId>`.',
  example: 'npx frhub subject remove 0b6f3c2e-8d4a-4f1e-9c7b-2a5d6e8f1a3b --reason EXPUNGED --tenant metro-pd',
  run: async (args) => {
    const subjectId = args.positional[0];
    if (!subjectId || args.positional.length > 1) throw new UsageError('one subject id is required');
    const reason = str(args, 'reason').toUpperCase();
    if (!REASONS.includes(reason)) throw new UsageError(`--reason must be one of ${REASONS.join(', ')}`);
    const api = await recordsApi(loadConfig(), str(args, 'tenant', OPERATOR_SLUG));
    try {
      const r = (await api.call(`mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectId subjectRef reason templateIds crops candidateRows searches } }`, { i: { subjectId, reason } })).removeSubject;
      console.log(`removed subject ${r.subjectId} (${r.subjectRef}, ${r.reason}): ${r.templateIds.length} templates, ${r.crops} face crops, ${r.candidateRows} candidate rows of ${r.searches} past searches`);
      return 0;
    } catch (e) {
      if (e instanceof HubApiError) throw new CliError(failure(e));
      throw e;
    } finally {
      await api.close();
    }
  },
};

/** Each demographic field's option and the property updateSubject takes. */
const DEMOGRAPHIC_OPTIONS: [DemographicField, string, string][] = [
  [DemographicField.SEX, 'sex', 'sex'],
  [DemographicField.RACE, 'race', 'race'],
  [DemographicField.ETHNICITY, 'ethnicity', 'ethnicity'],
  [DemographicField.AGE_BAND, 'age-band', 'ageBand'],
];

export const subjectUpdateSpec: CommandSpec = {
  usage: 'frhub subject update <subjectId> [--sex <v>] [--race <v>] [--ethnicity <v>] [--age-band <v>] [--tenant <slug>]',
  summary: 'Sets or clears (--sex none) a subject\'s demographic fields, those its gallery keeps (updateSubject; audited with the field names, never the values).',
  options: [
    ...DEMOGRAPHIC_OPTIONS.map(([field, flag]): [string, string] => {
      const { values, codes } = DEMOGRAPHIC_VOCABULARIES[field];
      const letters = Object.keys(codes);
      return [`--${flag} <v>`, `${values.join(', ')}${letters.length ? ` (or the booking code ${letters.join(', ')})` : ''}; none clears it`];
    }),
    TENANT_OPTION,
  ],
  details: 'A field the subject\'s gallery does not keep is refused (FIELD_NOT_KEPT, exit status 1): its administrator chooses the fields it keeps (updateGallery demographicFields).',
  example: 'npx frhub subject update 0b6f3c2e-8d4a-4f1e-9c7b-2a5d6e8f1a3b --sex F --age-band AGE_25_TO_34 --tenant metro-pd',
  run: async (args) => {
    const subjectId = args.positional[0];
    if (!subjectId || args.positional.length > 1) throw new UsageError('one subject id is required');
    const input: Record<string, string | null> = { subjectId };
    for (const [field, flag, key] of DEMOGRAPHIC_OPTIONS) {
      const given = args.flags[flag];
      if (given === undefined) continue;
      if (given === true) throw new UsageError(`--${flag} <value> needs a value (none clears it)`);
      const { values, codes } = DEMOGRAPHIC_VOCABULARIES[field];
      const v = given.trim().toUpperCase();
      const value = v === 'NONE' ? null : (codes[v] ?? v);
      if (value !== null && !values.includes(value)) throw new UsageError(`--${flag} must be one of ${values.join(', ')}${Object.keys(codes).length ? `, ${Object.keys(codes).join(', ')}` : ''} or none, got '${given}'`);
      input[key] = value;
    }
    if (Object.keys(input).length === 1) throw new UsageError(`nothing to change: give one or more of ${DEMOGRAPHIC_OPTIONS.map(([, f]) => `--${f}`).join(', ')}`);
    const api = await recordsApi(loadConfig(), str(args, 'tenant', OPERATOR_SLUG));
    try {
      const r = (await api.call(`mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id subjectRef sex race ethnicity ageBand } }`, { i: input })).updateSubject;
      console.log(`subject ${r.id} (${r.subjectRef}): sex=${r.sex ?? '-'} race=${r.race ?? '-'} ethnicity=${r.ethnicity ?? '-'} ageBand=${r.ageBand ?? '-'}`);
      return 0;
    } catch (e) {
      if (e instanceof HubApiError) throw new CliError(failure(e));
      throw e;
    } finally {
      await api.close();
    }
  },
};

interface FeedRow {
  line: number;
  bookingNumber: string;
  disposition: string;
}

/** A disposition as a removal reason when the rule purges it ("Expunged", "dismissed" → EXPUNGED, DISMISSED). */
const asReason = (disposition: string, purge: string[]) => {
  const code = disposition.trim().toUpperCase().replace(/[\s-]+/g, '_');
  return purge.includes(code) ? code : undefined;
};

export const subjectDispositionsSpec: CommandSpec = {
  usage: 'frhub subject dispositions <file.csv|file.json> [--tenant <slug>] [--purge <reasons>] [--dry-run]',
  summary: 'Applies a disposition feed (booking numbers and their dispositions): subjects whose disposition the rule purges are removed with it as the reason; the others get the disposition recorded.',
  options: [
    TENANT_OPTION,
    ['--purge <reasons>', `comma-separated dispositions that remove the subject (default ${DEFAULT_PURGE.join(',')}; each one of ${REASONS.join(', ')})`],
    ['--dry-run', 'say what would be done, change nothing'],
  ],
  details: [
    'CSV: a header row naming the columns bookingNumber (or booking_number) and disposition. JSON: an array of {"bookingNumber": …, "disposition": …}.',
    'A booking number matches a subject\'s bookingNumber detail or its reference (subjectRef). A row with no matching subject is reported, not an error.',
    'Goes through the hub\'s API (subjectsByBookingNumber, removeSubject, updateSubject), like `frhub enroll`. Progress on stderr; a summary on stdout.',
    'Exit status 0 when every row was applied (or had no subject), 1 when any failed.',
  ].join('\n'),
  example: 'printf "bookingNumber,disposition\\nBK-1001,EXPUNGED\\nBK-1002,convicted\\n" > feed.csv && npx frhub subject dispositions feed.csv --tenant metro-pd --dry-run',
  run: dispositionsCommand,
};

async function dispositionsCommand(args: Args): Promise<number> {
  const file = args.positional[0];
  if (!file || args.positional.length > 1) throw new UsageError('one feed file is required (.csv or .json)');
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
  const purge = (typeof args.flags.purge === 'string' ? args.flags.purge.split(',') : DEFAULT_PURGE).map((p) => p.trim().toUpperCase()).filter(Boolean);
  const unknown = purge.filter((p) => !REASONS.includes(p));
  if (unknown.length) throw new UsageError(`--purge: ${unknown.join(', ')} is not a removal reason (${REASONS.join(', ')})`);
  const rows = readFeed(file);
  const dryRun = args.flags['dry-run'] === true;
  const api = await recordsApi(loadConfig(), str(args, 'tenant', OPERATOR_SLUG));
  const counts = { removed: 0, recorded: 0, noSubject: 0, failed: 0 };
  const lines: string[] = [];
  try {
    for (const [i, row] of rows.entries()) {
      try {
        const found: { id: string; subjectRef: string; disposition: string | null }[] = (await api.call(`query($b: String!) { subjectsByBookingNumber(bookingNumber: $b) { id subjectRef disposition } }`, { b: row.bookingNumber })).subjectsByBookingNumber;
        if (!found.length) {
          counts.noSubject++;
          lines.push(`no subject\t${row.bookingNumber}\t${row.disposition}`);
        }
        const reason = asReason(row.disposition, purge);
        for (const s of found) {
          if (reason) {
            if (!dryRun) await api.call(`mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectId } }`, { i: { subjectId: s.id, reason } });
            counts.removed++;
            lines.push(`${dryRun ? 'would remove' : 'removed'}\t${row.bookingNumber}\t${s.id}\t${reason}`);
          } else if (s.disposition !== row.disposition) {
            if (!dryRun) await api.call(`mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: s.id, disposition: row.disposition } });
            counts.recorded++;
            lines.push(`${dryRun ? 'would record' : 'recorded'}\t${row.bookingNumber}\t${s.id}\t${row.disposition}`);
          }
        }
      } catch (e) {
        if (e instanceof CliError) throw e;
        counts.failed++;
        lines.push(`failed\t${row.bookingNumber}\tline ${row.line}\t${failure(e)}`);
      }
      process.stderr.write(`\r${i + 1}/${rows.length} rows, ${counts.removed} ${dryRun ? 'to remove' : 'removed'}, ${counts.failed} failed`);
    }
    process.stderr.write('\n');
  } finally {
    await api.close();
  }
  for (const l of lines) console.log(l);
  console.log(`${dryRun ? 'dry run: ' : ''}${rows.length} rows: ${counts.removed} subjects ${dryRun ? 'to remove' : 'removed'}, ${counts.recorded} dispositions ${dryRun ? 'to record' : 'recorded'}, ${counts.noSubject} without a subject, ${counts.failed} failed`);
  return counts.failed ? 1 : 0;
}

function readFeed(file: string): FeedRow[] {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const rows = extname(file).toLowerCase() === '.json' ? jsonRows(text, file) : csvRows(text, file);
  if (!rows.length) throw new CliError(`${file} holds no rows`);
  return rows;
}

function jsonRows(text: string, file: string): FeedRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new CliError(`${file} must hold an array of {"bookingNumber": …, "disposition": …}`);
  return data.map((r, i) => checked(r as Record<string, unknown>, i + 1, file));
}

function csvRows(text: string, file: string): FeedRow[] {
  const records = parseCsv(text).filter((r) => r.some((c) => c.trim()));
  const header = (records.shift() ?? []).map((h) => h.trim().replace(/_(\w)/g, (_, c: string) => c.toUpperCase()));
  if (!header.includes('bookingNumber') || !header.includes('disposition')) throw new CliError(`${file}: the first row must name the columns bookingNumber and disposition, got ${header.join(', ')}`);
  return records.map((r, i) => checked(Object.fromEntries(header.map((h, j) => [h, r[j] ?? ''])), i + 2, file));
}

function checked(r: Record<string, unknown>, line: number, file: string): FeedRow {
  const bookingNumber = String(r?.bookingNumber ?? '').trim();
  const disposition = String(r?.disposition ?? '').trim();
  if (!bookingNumber || !disposition) throw new CliError(`${file}, row ${line}: bookingNumber and disposition are both required`);
  return { line, bookingNumber, disposition };
}

/** RFC 4180: commas, double quotes ("" inside quotes), CRLF or LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell), rows.push(row), (row = []), (cell = '');
    } else cell += c;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}
