import { isAbsolute, resolve } from 'node:path';
import { BUILTIN_PACKS, ensureBuiltinPack } from '../inference/builtin-packs.js';
import { FaceEngine } from '../inference/face-engine.js';
import { loadPack, modelVersionOf } from '../inference/model-pack.js';
import { Role } from '../models/enums.js';
import { FaceCropRepository } from '../models/face-crop.repository.js';
import type { ModelTemplateCount } from '../models/face-template.repository.js';
import { AuditTrail } from '../tenants/audit/audit-trail.js';
import { OPERATOR_SLUG } from '../tenants/directory/tenant.service.js';
import { ReembedService, type ReembedReport, type ReembedTick } from '../tenants/galleries/reembed.service.js';
import { DomainError } from '../tenants/shared/errors.js';
import { systemClock } from '../tenants/shared/ports.js';
import { loadConfig, type Config } from '../server/config.js';
import { openDatabase } from '../server/database/open-database.js';
import { EngineCropEmbedder } from '../server/engine/face-embedder.js';
import { imageKeysOf } from './keys-commands.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';
import { hubCaller, refuseWhileHeld, servingHub, viaHub } from './hub-client.js';

const ADVICE = 'Stop the hub, run `frhub reembed` (a second run does only what is missing), start the hub again; on PostgreSQL (DATABASE_URL) it runs beside the hub.';
const NO_CROP_FIX = 'enrolled before crops were kept: re-enroll them from their photos into the same gallery (enrollFace, or `frhub enroll` after deleting <data dir>/enroll-<gallery>.progress.json; the template already there gets its crop), then run `frhub reembed` again';

export const reembedSpec: CommandSpec = {
  usage: 'frhub reembed --gallery <id> (--pack <id|dir> [--drop-old] [--batch <n>] | --status [--pack <id|dir>])',
  summary: 'Moves a gallery to another model pack without the original photos: re-embeds every template that has a kept face crop with that pack, beside the old templates, then builds the new model\'s HNSW index.',
  options: [
    ['--gallery <id>', 'the gallery (of any tenant)'],
    ['--pack <id|dir>', `the pack to move to: ${BUILTIN_PACKS.join(', ')}, or a pack's directory`],
    ['--status', 'print the gallery\'s templates per model version (and, with --pack, how far the move got); change nothing'],
    ['--drop-old', 'once every photo has a template of --pack\'s model, delete the templates of the other models (refused while the move is incomplete)'],
    ['--batch <n>', 'crops per transaction (default 16): an interrupted run loses at most one batch'],
  ],
  details: [
    'Prints a progress line (photos done/total, rate, ETA) as it goes and ends with one line of counts: re-embedded, skipped (already there), without a crop, failed (each failure is listed with its code). Exit status 0 when every photo of the gallery has a template of the new model, 1 otherwise.',
    'Resumable: after an interruption (even kill -9) a second run skips what is done. Both models stay searchable meanwhile: a hub on the old pack searches the old templates, one on the new pack (FRHUB_MODEL_PACK) the new ones; each search names its model version.',
    'Every run, and --drop-old, is an audit event (REEMBED, REEMBED_DROP_OLD) of the gallery\'s tenant.',
    'Beside a hub on the embedded database (no DATABASE_URL): refused (exit status 75), except --status, which goes through the hub\'s API. On PostgreSQL it runs beside the hub.',
  ].join('\n'),
  example: 'npx frhub reembed --gallery 3f0c9a1e-5b7d-4c2a-9e8f-1a2b3c4d5e6f --pack builtin-faceres',
  run: reembedCommand,
};

export async function reembedCommand(args: Args): Promise<number> {
  if (args.positional.length) throw new UsageError(`unexpected argument '${args.positional[0]}'`);
  const galleryId = str(args, 'gallery');
  const pack = typeof args.flags.pack === 'string' ? args.flags.pack : undefined;
  const batch = Number(str(args, 'batch', '16'));
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000) throw new UsageError(`--batch must be a whole number from 1 to 1000, got '${args.flags.batch}'`);
  if (args.flags.status && args.flags['drop-old']) throw new UsageError('--status changes nothing: give it without --drop-old');
  if (!args.flags.status && !pack) throw new UsageError('--pack <id|dir> is required (or --status to see the gallery\'s models)');
  const config = loadConfig();
  if (args.flags.status) return status(config, galleryId, pack);
  refuseWhileHeld(config, `\`frhub reembed\``, ADVICE);
  try {
    return args.flags['drop-old'] ? await dropOld(config, galleryId, pack!) : await reembed(config, galleryId, pack!, batch);
  } catch (e) {
    if (e instanceof DomainError) throw new CliError(e.message);
    throw e;
  }
}

async function withService<T>(config: Config, work: (s: ReembedService) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
  try {
    return await work(new ReembedService(database.db, systemClock, new AuditTrail(database.db, systemClock), new FaceCropRepository(imageKeysOf(config))));
  } finally {
    await database.close();
  }
}

/** The model version a pack makes, read from its manifest (a built-in pack is converted first if need be). */
function packVersion(config: Config, pack: string): string {
  const dir = (BUILTIN_PACKS as readonly string[]).includes(pack) ? ensureBuiltinPack(config.inference.modelDir, pack) : isAbsolute(pack) ? pack : resolve(pack);
  return modelVersionOf(loadPack(dir).manifest);
}

const countLine = (c: ModelTemplateCount) => `  ${c.modelVersion}: ${c.templates} template(s), ${c.withCrop} with a kept crop`;

async function status(config: Config, galleryId: string, pack: string | undefined): Promise<number> {
  const target = pack ? packVersion(config, pack) : undefined;
  const hub = servingHub(config);
  if (hub) {
    if (target) throw new CliError(`the move's progress needs the embedded database to itself, but the hub on ${hub.url} (pid ${hub.pid}) holds it; without --pack, --status goes through its API. ${ADVICE}`, 75);
    viaHub(hub);
    const call = await hubCaller(config, hub.url, OPERATOR_SLUG, Role.HUB_ADMIN);
    const r = await call<{ gallery: { name: string; templateCounts: ModelTemplateCount[] } }>(`query($id: ID!) { gallery(id: $id) { name templateCounts { modelVersion templates withCrop } } }`, { id: galleryId }).catch((e) => {
      throw new CliError(e.message);
    });
    console.log(`gallery ${galleryId} (${r.gallery.name}): templates per model version`);
    for (const c of r.gallery.templateCounts) console.log(countLine(c));
    return 0;
  }
  return withService(config, async (s) => {
    const r = await s.status(galleryId, target).catch((e) => {
      throw e instanceof DomainError ? new CliError(e.message) : e;
    });
    console.log(`gallery ${galleryId} (${r.gallery.name}): templates per model version`);
    for (const c of r.counts) console.log(countLine(c));
    if (r.progress && target) {
      const p = r.progress;
      const complete = p.done === p.photos;
      console.log(`move to ${target}: ${p.done}/${p.photos} photo(s) re-embedded, ${p.noCrop} without a kept crop; ${complete ? 'complete: the old templates may be dropped (--drop-old)' : 'incomplete'}`);
    }
    return 0;
  });
}

async function dropOld(config: Config, galleryId: string, pack: string): Promise<number> {
  const keep = packVersion(config, pack);
  return withService(config, async (s) => {
    const r = await s.dropOld(galleryId, keep, `cli-reembed-${Date.now()}`);
    for (const c of r.counts) console.log(countLine(c));
    console.log(`dropped ${r.dropped} template(s) of other models from gallery ${galleryId}; it now holds ${keep} only (the kept crops stay with its templates)`);
    return 0;
  });
}

async function reembed(config: Config, galleryId: string, pack: string, batch: number): Promise<number> {
  const engine = await FaceEngine.create({ ...config.inference, pack }, (m) => console.error(`frhub reembed: ${m}`));
  try {
    const embedder = new EngineCropEmbedder(engine);
    const report = await withService(config, (s) =>
      s.run(galleryId, embedder, { batch, pack, requestId: `cli-reembed-${Date.now()}`, indexBuildMemoryMb: config.indexBuildMemoryMb, onTick: ticker() }),
    );
    return finish(report);
  } finally {
    await engine.close();
  }
}

/** One progress line a second at most (and the first at once), on stderr. */
function ticker(): (t: ReembedTick) => void {
  let last = -Infinity;
  return (t) => {
    if (t.seconds - last < 1 && t.done < t.total) return;
    last = t.seconds;
    const rate = (t.reembedded + t.failed) / Math.max(t.seconds, 1e-6);
    const eta = rate > 0 ? `${Math.ceil((t.total - t.done) / rate)} s` : '?';
    console.error(`reembed: ${t.done}/${t.total} photos (${Math.round((100 * t.done) / Math.max(t.total, 1))}%), ${rate.toFixed(1)} photos/s, ETA ${eta}, ${t.failed} failed`);
  };
}

function finish(r: ReembedReport): number {
  for (const f of r.failed) console.log(`failed\t${f.subjectRef}\t${f.imageSha256}\t${f.code}\t${f.message}`);
  if (r.noCrop) console.error(`frhub reembed: ${r.noCrop} photo(s) were ${NO_CROP_FIX}.`);
  if (r.index) console.error(`frhub reembed: HNSW index of ${r.modelVersion} built in ${r.index.seconds.toFixed(1)} s`);
  const rate = (r.reembedded + r.failed.length) / Math.max(r.seconds, 1e-6);
  console.log(
    `re-embedded ${r.reembedded}, skipped ${r.skipped} (already in ${r.modelVersion}), without a crop ${r.noCrop}, failed ${r.failed.length}${r.failed.length ? ` (${[...new Set(r.failed.map((f) => f.code))].join(', ')})` : ''}, of ${r.total} photo(s) of gallery ${r.gallery.id} in ${r.seconds.toFixed(1)} s (${rate.toFixed(1)} photos/s)`,
  );
  return r.failed.length || r.noCrop ? 1 : 0;
}
