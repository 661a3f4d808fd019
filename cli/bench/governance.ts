import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditRepository } from '../../models/audit.repository.js';
import { AuditAction, AuditOutcome, LegalBasis, OffenseCategory, Role, TenantStatus } from '../../models/enums.js';
import { FaceTemplateRepository } from '../../models/face-template.repository.js';
import { GalleryRepository } from '../../models/gallery.repository.js';
import { SearchRepository } from '../../models/search.repository.js';
import { verifyChain } from '../../tenants/audit/audit.service.js';
import type { Actor } from '../../tenants/shared/actor.js';
import type { EmbeddedFace, FaceEmbedder } from '../../tenants/shared/ports.js';
import { systemClock } from '../../tenants/shared/ports.js';
import { loadOrCreateKeys } from '../../server/auth/hub-tokens.js';
import { loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/database/open-database.js';
import { EngineEmbedder } from '../../server/engine/face-embedder.js';
import { wireServices } from '../../server/composition/services.js';
import { ImageKeys, imageKeysFileOf } from '../../server/database/image-keys.js';
import { FaceEngine } from '../../inference/face-engine.js';
import { str, type Args, type CommandSpec } from '../args.js';
import { scratchDatabase } from '../../server/database/scratch-database.js';
import { percentiles } from './stats.js';
import { sampleFace } from '../inference-commands.js';

/** The real embedder, with each distinct image embedded once: the bench measures governance, not inference. */
class OnceEmbedder implements FaceEmbedder {
  private readonly cache = new Map<Buffer, Promise<EmbeddedFace>>();
  constructor(private readonly inner: EngineEmbedder) {}
  get modelVersion() { return this.inner.modelVersion; }
  get dim() { return this.inner.dim; }
  get matchThreshold() { return this.inner.matchThreshold; }
  get vectorStorage() { return this.inner.vectorStorage; }
  get calibration() { return this.inner.calibration; }
  get shipped() { return this.inner.shipped; }
  embedOne(image: Buffer) {
    if (!this.cache.has(image)) this.cache.set(image, this.inner.embedOne(image));
    return this.cache.get(image)!;
  }
  locate(image: Buffer) { return this.inner.locate(image); }
  status() { return this.inner.status(); }
}

export const benchGovernanceSpec: CommandSpec = {
  usage: 'frhub bench governance [--runs <n>] [--events <n>] [--database-url <url>]',
  summary: 'The latency policy, quota and audit add to a search (the same search with and without them), and how fast the audit chain verifies. Uses a scratch database and data directory of its own.',
  options: [
    ['--runs <n>', 'searches each way (default 300)'],
    ['--events <n>', 'audit events to verify (default 50000)'],
    ['--database-url <url>', 'a PostgreSQL server to make the scratch database on (default DATABASE_URL, else embedded)'],
  ],
  example: 'npx frhub bench governance --runs 100 --events 10000',
  run: benchGovernanceCommand,
};

/**
 * `frhub bench governance [--runs n] [--events n] [--database-url url]`: the latency that policy,
 * quota and audit add to a search (the same search with and without them), and how fast the audit
 * chain verifies.
 */
export async function benchGovernanceCommand(args: Args): Promise<number> {
  const runs = Number(str(args, 'runs', '300'));
  const events = Number(str(args, 'events', '50000'));
  const dataDir = mkdtempSync(join(tmpdir(), 'frhub-bench-'));
  const scratch = await scratchDatabase(typeof args.flags['database-url'] === 'string' ? args.flags['database-url'] : process.env.DATABASE_URL, 'frhub_bench');
  const config = loadConfig({ ...process.env, FRHUB_DATA_DIR: dataDir, DATABASE_URL: scratch.url ?? '', FRHUB_INFERENCE_PROVIDER: 'cpu', FRHUB_MODEL_DIR: join(process.cwd(), 'data/models') });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir, migrate: true });
  const engine = await FaceEngine.create(config.inference);
  try {
    const embedder = new OnceEmbedder(new EngineEmbedder(engine));
    const services = wireServices(database.db, embedder as unknown as EngineEmbedder, await loadOrCreateKeys(dataDir), ImageKeys.load(imageKeysFileOf(config), { create: true }), config, systemClock);
    await services.tenants.bootstrap();
    await services.searches.prepare();
    const admin: Actor = { requestId: 'bench', tenantId: '', tenantSlug: 'hub', isOperator: true, principalId: null, role: Role.HUB_ADMIN, certifiedUntil: null, tenantSuspended: false };
    admin.tenantId = (await services.tenants.resolvePrincipal('hub', null))!.tenant.id;
    const tenant = await services.tenants.createTenant(admin, { slug: 'bench-pd', name: 'Bench PD', monthlyQuota: 10_000_000 });
    const p = await services.tenants.createPrincipal(admin, { tenantSlug: 'bench-pd', name: 'Analyst', role: Role.AGENCY_ANALYST, certifiedUntil: new Date('2099-01-01') });
    const analyst: Actor = { requestId: 'bench', tenantId: tenant.id, tenantSlug: 'bench-pd', isOperator: false, principalId: p.id, role: Role.AGENCY_ANALYST, certifiedUntil: p.certifiedUntil, tenantSuspended: tenant.status === TenantStatus.SUSPENDED };
    const image = await sampleFace();
    const probe = await embedder.embedOne(image);
    const galleryId = await database.db.scoped({ tenantId: tenant.id }, async (tx) => {
      const g = await new GalleryRepository().create(tx, tenant.id, 'Bookings');
      for (let i = 0; i < 500; i++) {
        const v = probe.embedding.map((x) => x + (Math.random() - 0.5) * 0.2);
        const n = Math.hypot(...v);
        const { id: subjectId } = await new GalleryRepository().upsertSubject(tx, tenant.id, g.id, `S-${i}`);
        await new FaceTemplateRepository().insert(tx, { tenantId: tenant.id, galleryId: g.id, subjectId, modelVersion: probe.modelVersion, embedding: v.map((x) => x / n), imageSha256: `${i}`, quality: 1, source: {} });
      }
      return g.id;
    });
    const req = { image, legalBasis: LegalBasis.CRIMINAL_SUSPECT_ID, offenseCategory: OffenseCategory.ROBBERY, caseNumber: 'B-1', maxCandidates: 20, minScore: -1 };
    const galleries = new GalleryRepository();
    const templates = new FaceTemplateRepository();
    const searches = new SearchRepository();
    // the same search without policy, quota and audit: gallery list, vector query, search row
    const ungoverned = async () => {
      const ids = await database.db.scoped({ tenantId: tenant.id }, (tx) => galleries.idsOfTenant(tx, tenant.id));
      const face = await embedder.embedOne(image);
      await database.db.scoped({ tenantId: tenant.id }, async (tx) => {
        const hits = await templates.nearest(tx, { galleryIds: ids, modelVersion: face.modelVersion, embedding: face.embedding, limit: 20, minScore: -1 });
        await searches.insert(tx, {
          tenantId: tenant.id, principalId: p.id, status: 'COMPLETED', caseNumber: 'B-1', legalBasis: req.legalBasis, offenseCategory: req.offenseCategory,
          warrantNumber: null, narrative: null, offenseDescription: null, modelVersion: face.modelVersion, threshold: -1, maxCandidates: 20,
          probeSha256: face.imageSha256, probeQuality: face.quality, galleriesSearched: ids, exigentDueAt: null,
        }, hits);
      });
    };
    const governed = () => services.searches.search(analyst, req);
    const time = async (fn: () => Promise<unknown>) => {
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        await fn();
        xs.push(performance.now() - s);
      }
      return percentiles(xs);
    };
    for (let i = 0; i < 20; i++) { await governed(); await ungoverned(); }
    // interleave the two arms in blocks so drift (cache, autovacuum) hits both alike
    const g1 = await time(governed), u1 = await time(ungoverned);
    console.log(`frhub bench governance — database ${database.kind}, ${runs} searches per arm, gallery of 500 templates ${galleryId.slice(0, 8)}…, embedding cached (inference not measured)`);
    console.log(`search without governance: median ${u1.p50.toFixed(2)} ms  p99 ${u1.p99.toFixed(2)} ms`);
    console.log(`search with policy+quota+audit: median ${g1.p50.toFixed(2)} ms  p99 ${g1.p99.toFixed(2)} ms`);
    console.log(`added per search: median ${(g1.p50 - u1.p50).toFixed(2)} ms  p99 ${(g1.p99 - u1.p99).toFixed(2)} ms`);

    const repo = new AuditRepository();
    const head = await repo.head(database.db);
    let appended = 0;
    const started = performance.now();
    while (head.seq + appended < events) {
      const batch = Math.min(1000, events - head.seq - appended);
      await database.db.scoped({ tenantId: tenant.id }, async (tx) => {
        for (let i = 0; i < batch; i++) {
          await services.trail.append(tx, analyst, { action: AuditAction.SEARCH, outcome: AuditOutcome.DENIED, reason: 'CASE_NUMBER_REQUIRED', legalBasis: 'VICTIM_ID', probeSha256: probe.imageSha256, details: { bench: i } });
        }
      });
      appended += batch;
    }
    const appendSecs = (performance.now() - started) / 1000;
    if (appended) console.log(`audit append: ${appended} events in ${appendSecs.toFixed(1)} s (${Math.round(appended / appendSecs)} events/s, one statement each)`);
    const vs = performance.now();
    const v = await database.db.scoped({ tenantId: null, allTenants: true }, (tx) => verifyChain(tx));
    const vsecs = (performance.now() - vs) / 1000;
    console.log(`audit chain verification: ${v.checked} events in ${vsecs.toFixed(2)} s = ${Math.round(v.checked / vsecs)} events/s (ok: ${v.ok})`);
  } finally {
    await engine.close();
    await database.close();
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return 0;
}
