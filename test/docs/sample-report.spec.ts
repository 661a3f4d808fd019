import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { reportDigest, type LeadReport } from '../../tenants/reports/lead-report';
import { facesOf, pdfAttachments, REPORT_ATTACHMENT, renderLeadReportPdf } from '../../tenants/reports/lead-report.pdf';
import { pdfImages, pdfText } from '../support/pdf';

const jose = require('jose') as typeof import('jose');

// The sample lead report committed under docs/ (the walk-through's fictional case, Metro PD 2026-123)
// holds together as the hub made it, and `npm run docs:sample-report` still makes one that says the
// same. Not byte for byte: each run is a fresh hub, so the report's id, time, the people's and
// galleries' ids, the audit events' hashes and the signing key (made with the hub, gone with it) all
// differ; and the calibration figures (false-match rates, their intervals) are those of the model
// pack as this machine measured it (data/models is made at install, not committed). What the report
// says of the case, the search, its candidates, scores (to 3 decimals: CPU kernels may differ in the
// last digits), reviews and conclusion must be the same.

const ROOT = resolve(__dirname, '../..');
const DOCS = join(ROOT, 'docs');
const read = (dir: string, ext: string) => readFileSync(join(dir, `sample-lead-report.${ext}`));
const round = (x: number) => Math.round(x * 1000) / 1000;

/** What a report says, without what a fresh hub or another calibration changes. */
const says = (r: LeadReport) => ({
  format: r.format, audience: r.audience, subject: r.subject.kind, agency: r.agency, analyst: { name: r.analyst.name, role: r.analyst.role }, case: r.case,
  modelPack: 'files' in r.modelPack ? { id: r.modelPack.id, version: r.modelPack.version, modelVersion: r.modelPack.modelVersion, files: r.modelPack.files } : r.modelPack,
  searches: r.searches.map((s) => ({
    modelVersion: s.modelVersion, probe: { sha256: s.probe.sha256, bytes: s.probe.bytes, quality: round(s.probe.quality) }, threshold: round(s.threshold), maxCandidates: s.maxCandidates,
    galleries: s.galleries.map((g) => ({ owner: g.owner, name: g.name, templates: g.templates })), templatesSearched: s.templatesSearched,
    candidates: s.candidates.map((c) => ({ rank: c.rank, score: round(c.score), subjectRef: c.subjectRef, face: !!c.faceSha256, dispositions: c.dispositions.map((d) => [d.reviewer, d.decision]) })),
    reviews: s.reviews.map((v) => [v.reviewer, v.role, v.outcome, v.note]), reviewStatus: s.reviewStatus, conclusion: s.conclusion,
    // which calibration the search recorded: its source, not its id (a fresh hub stores it anew)
    calibration: s.calibration === undefined ? 'absent' : s.calibration === null ? null : s.calibration.source,
  })),
  conclusion: r.conclusion, notice: r.notice, faces: r.faces, limits: r.limits, auditEvents: r.auditEvents.map((e) => e.action),
});

/** Everything the reader of a sample can check without the hub that made it; the report it carries. */
async function holdsTogether(dir: string): Promise<LeadReport> {
  const pdf = read(dir, 'pdf');
  const json = read(dir, 'json').toString('utf8');
  const files = await pdfAttachments(pdf);
  // the PDF carries the JSON beside it, byte for byte, and is exactly what the hub renders from it
  expect(Buffer.from(files.get(REPORT_ATTACHMENT)!).toString('utf8')).toBe(json);
  const report = JSON.parse(json) as LeadReport;
  expect(json).toBe(JSON.stringify(report, null, 2));
  expect(Buffer.from(await renderLeadReportPdf(report, facesOf(files))).equals(pdf)).toBe(true);
  // the signature verifies with the public key published beside it, over this content's digest
  const [key] = JSON.parse(read(dir, 'key.json').toString()).keys;
  expect(key).not.toHaveProperty('d');
  expect(report.signature!.kid).toBe(key.kid);
  const { payload, protectedHeader } = await jose.compactVerify(report.signature!.jws, await jose.importJWK(key, 'EdDSA'), { algorithms: ['EdDSA'] });
  expect(protectedHeader).toMatchObject({ typ: 'frhub-lead-report+jws', kid: key.kid });
  expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ sha256: reportDigest(report) });
  // the PNG is the PDF's first page
  const png = read(dir, 'png');
  const meta = await sharp(png).metadata();
  expect(meta.format).toBe('png');
  expect(meta.height! / meta.width!).toBeCloseTo(841.89 / 595.28, 2);
  return report;
}

/** The PNG of a PDF's first page, drawn by docs/examples/pdf-page-png.mjs (pdf.js is an ES module: in its own process). */
function render(pdf: string, png: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(DOCS, 'examples/pdf-page-png.mjs'), pdf, png], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`pdf-page-png: ${err}`))));
  });
}

describe('the sample lead report under docs/', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frhub-sample-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds together: the PDF carries the JSON and re-renders from it byte for byte, the signature verifies with the published key, the PNG is its first page', async () => {
    const report = await holdsTogether(DOCS);
    expect(report.case.caseNumber).toBe('2026-123');
    expect(report.agency.name).toBe('Metro PD');
    const text = (await pdfText(read(DOCS, 'pdf'))).join('\n').replace(/\s+/g, ' ');
    expect(text).toContain('Case number: 2026-123');
    for (const c of report.searches[0].candidates) expect(text).toContain(`#${c.rank} score ${c.score.toFixed(4)} ${c.subjectRef}`);
    expect(text).toContain('not probable cause');
    expect((await pdfImages(read(DOCS, 'pdf'))).length).toBe(report.searches[0].candidates.filter((c) => c.faceSha256).length);
    // the committed PNG is what the renderer draws of the committed PDF now
    await render(join(DOCS, 'sample-lead-report.pdf'), join(dir, 'again.png'));
    const [a, b] = await Promise.all([join(DOCS, 'sample-lead-report.png'), join(dir, 'again.png')].map((p) => sharp(p).greyscale().raw().toBuffer({ resolveWithObject: true })));
    expect(b.info).toMatchObject({ width: a.info.width, height: a.info.height });
    const distance = a.data.reduce((sum, v, i) => sum + Math.abs(v - b.data[i]), 0) / a.data.length;
    expect(distance).toBeLessThan(2);
  }, 120_000);

  it('`npm run docs:sample-report` makes, on a fresh embedded hub, a sample that holds together and says what the committed one says', async () => {
    const made = await new Promise<{ code: number | null; out: string }>((done) => {
      // always the embedded database: the sample's hub is a fresh one, made and thrown away
      const child = spawn('npm', ['run', '--silent', 'docs:sample-report', '--', dir], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: '' } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => done({ code, out }));
    });
    expect(made).toEqual({ code: 0, out: expect.stringContaining(`wrote ${join(dir, 'sample-lead-report.pdf')}`) });
    const fresh = await holdsTogether(dir);
    const committed = JSON.parse(read(DOCS, 'json').toString()) as LeadReport;
    expect(fresh.reportId).not.toBe(committed.reportId);
    expect(says(fresh)).toEqual(says(committed));
  }, 400_000);
});
