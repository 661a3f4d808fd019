import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../models/enums';
import { pdfAttachments } from '../../tenants/reports/lead-report.pdf';
import { readZip } from '../../tenants/reports/discovery';
import { frhubBeside } from '../support/cli';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { pdfText } from '../support/pdf';
import { galleryDigestOf } from '../../tenants/search/gallery-receipt';

const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { rank score subjectRef estimatedFalseMatchRate falseMatchRateInterval { low high } }
  galleryReceipt { digest templates galleries { galleryId templates digest } } } }`;
const VERIFY = `query($f: String!) { verifyReport(fileBase64: $f) { intact kind reportId signedBy signatureValid contentIntact auditEventsChecked auditEventsNotHeld problems } }`;

describe('lead reports of a search: signed PDF, JSON and discovery ZIP', () => {
  let t: TestHub;
  let analyst: { id: string; token: string };
  let supervisor: { id: string; token: string };
  let searched: any;
  let pdf: Buffer;
  let json: string;
  const dir = mkdtempSync(join(tmpdir(), 'frhub-report-'));

  const get = (token: string | null, path: string) => fetch(`${t.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('metro-pd');
    await t.createTenant('river-pd');
    const admin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    const g = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    const face = await bookingPhoto('BK-1001');
    for (const [ref, img] of [['BK-1001', await bookingPhoto('BK-1001', true)], ['BK-1002', await bookingPhoto('BK-1002')]] as const) {
      const r = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: g, subjectRef: ref, imageBase64: img.toString("base64") } });
      expect(r.errors).toBeUndefined();
    }
    analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST, { name: 'Analyst Avery' });
    supervisor = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR, { name: 'Supervisor Sam' });
    const s = await t.gql(analyst.token, SEARCH, { i: { imageBase64: face.toString('base64'), legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', caseNumber: 'MPD-2026-0417', narrative: 'Robbery at a corner store', minScore: -1 } });
    expect(s.errors).toBeUndefined();
    searched = s.data.searchFaces;
    const review = { searchId: searched.id, outcome: 'POSSIBLE_LEAD', decisions: searched.candidates.map((c: { rank: number }) => ({ rank: c.rank, decision: c.rank === 1 ? 'POSSIBLE_MATCH' : 'NOT_A_MATCH' })) };
    for (const who of [analyst.token, supervisor.token]) expect((await t.gql(who, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`, { i: review })).errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  it('keeps a receipt of the galleries searched: per gallery its templates and a digest, all in the search\'s audit event too', async () => {
    expect(searched.galleryReceipt.templates).toBe(2);
    expect(searched.galleryReceipt.galleries).toHaveLength(1);
    expect(searched.galleryReceipt.galleries[0]).toMatchObject({ templates: 2, digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // the digest is what the gallery holds, worked out here from its templates as read from the database
    const [g] = searched.galleryReceipt.galleries;
    const rows = await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
      tx.query<{ templateId: string; imageSha256: string; modelVersion: string }>(`SELECT id AS "templateId", image_sha256 AS "imageSha256", model_version AS "modelVersion" FROM face_templates WHERE gallery_id = $1`, [g.galleryId]));
    expect(g.digest).toBe(galleryDigestOf(rows));
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    const events = (await t.gql(hubAdmin, `{ auditEvents(first: 50, action: "SEARCH") { nodes { details } } }`)).data.auditEvents.nodes;
    expect(events.find((e: any) => e.details.searchId === searched.id).details.galleryReceipt).toEqual({ digest: searched.galleryReceipt.digest, templates: 2 });
  });

  it('gives the report as JSON and PDF whose numbers are the API\'s, the PDF carrying the signed JSON', async () => {
    const rj = await get(supervisor.token, `/reports/searches/${searched.id}.json`);
    expect(rj.status).toBe(200);
    json = await rj.text();
    const report = JSON.parse(json);
    const api = (await t.gql(supervisor.token, `query($id: ID!) { search(id: $id) { threshold probeQuality candidates { rank score subjectRef estimatedFalseMatchRate falseMatchRateInterval { low high } } } }`, { id: searched.id })).data.search;
    const s = report.searches[0];
    expect(s.candidates.map((c: any) => ({ rank: c.rank, score: c.score, subjectRef: c.subjectRef, estimatedFalseMatchRate: c.estimatedFalseMatchRate, falseMatchRateInterval: c.falseMatchRateInterval }))).toEqual(api.candidates);
    expect(s.threshold).toBe(api.threshold);
    expect(s.receiptDigest).toBe(searched.galleryReceipt.digest);
    expect(report.case).toMatchObject({ caseNumber: 'MPD-2026-0417', legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', narrative: 'Robbery at a corner store' });
    expect(report.analyst.name).toBe('Analyst Avery');
    expect(s.candidates[0].dispositions.map((d: any) => [d.reviewer, d.decision])).toEqual([['Analyst Avery', 'POSSIBLE_MATCH'], ['Supervisor Sam', 'POSSIBLE_MATCH']]);
    expect(report.faces).toBe('SHOWN');
    expect(report.notice).toMatch(/not probable cause.*not grounds on its own for a photo line-up/);
    expect(report.auditEvents.map((e: any) => e.action)).toEqual(['SEARCH', 'SEARCH_REVIEW', 'SEARCH_REVIEW']);
    expect(report.signature).toMatchObject({ alg: 'EdDSA', kid: expect.any(String) });

    const rp = await get(supervisor.token, `/reports/searches/${searched.id}.pdf`);
    expect(rp.headers.get('content-type')).toBe('application/pdf');
    pdf = Buffer.from(await rp.arrayBuffer());
    const attached = JSON.parse(Buffer.from((await pdfAttachments(pdf)).get('lead-report.json')!).toString('utf8'));
    expect(attached.searches[0].candidates).toEqual(s.candidates);
    expect(attached.signature.kid).toBe(report.signature.kid);
    // pdf.js gives each line's text; runs of spaces become one
    const text = (await pdfText(pdf)).join('\n').replace(/[ \t]+/g, ' ');
    expect(text).toContain('MPD-2026-0417');
    for (const c of api.candidates) {
      expect(text).toContain(`#${c.rank} score ${c.score.toFixed(4)} ${c.subjectRef}`);
      expect(text).toContain(c.estimatedFalseMatchRate.toExponential(2));
    }
    expect(text).toContain(searched.galleryReceipt.digest);
    for (const e of report.auditEvents) expect(text).toContain(`#${e.seq} ${e.action} ${e.at} ${e.hash}`);
    expect(text).toContain('not probable cause');
    // the probe's quality in parts, as the search recorded them, in the JSON and the PDF
    expect(s.probe.components).toMatchObject({ interEyePx: expect.any(Number), inFrame: expect.any(Number) });
    expect(text).toContain(`${s.probe.components.interEyePx.toFixed(0)} px between the eyes`);
  });

  it('verifies an intact report (PDF, JSON, ZIP) and calls a file with one byte changed altered, through the API and the CLI', async () => {
    const zip = Buffer.from(await (await get(supervisor.token, `/reports/searches/${searched.id}/discovery.zip`)).arrayBuffer());
    expect(Object.keys(readZip(zip)).sort()).toEqual(['README.txt', 'candidates.csv', 'lead-report.json', 'lead-report.pdf']);
    for (const [kind, bytes] of [['PDF', pdf], ['JSON', Buffer.from(json)], ['ZIP', zip]] as const) {
      const answer = await t.gql(analyst.token, VERIFY, { f: bytes.toString('base64') });
      expect(answer.errors).toBeUndefined();
      const ok = answer.data.verifyReport;
      expect(ok).toMatchObject({ intact: true, kind, signatureValid: true, contentIntact: true, auditEventsChecked: 3, auditEventsNotHeld: [], problems: [] });
      const changed = Buffer.from(bytes);
      // one byte in the middle of the file (a digit of a score, a byte of a stream or a compressed entry)
      const at = Math.floor(changed.length / 2);
      changed[at] = changed[at] ^ 0x01;
      const bad = (await t.gql(analyst.token, VERIFY, { f: changed.toString('base64') })).data.verifyReport;
      expect(bad.intact).toBe(false);
      expect(bad.problems.length).toBeGreaterThan(0);
      writeFileSync(join(dir, `ok.${kind}`), bytes);
      writeFileSync(join(dir, `bad.${kind}`), changed);
    }
    const good = await frhubBeside(t, ['report', 'verify', join(dir, 'ok.PDF')]);
    expect({ code: good.code, stderr: good.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(good.stdout.trim().split('\n').pop()).toMatch(/^intact/);
    const bad = await frhubBeside(t, ['report', 'verify', join(dir, 'bad.PDF')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split('\n').pop()).toMatch(/^altered/);
  });

  it('calls an intact file altered once an audit event it names is edited in the chain, and intact again once restored', async () => {
    const report = JSON.parse(json);
    const seq = report.auditEvents[0].seq;
    const owner = t.hub.database.db;
    const [row] = await owner.query(`SELECT case_number FROM audit_events WHERE seq = $1`, [seq]);
    await owner.query(`ALTER TABLE audit_events DISABLE TRIGGER USER`);
    try {
      await owner.query(`UPDATE audit_events SET case_number = 'EDITED' WHERE seq = $1`, [seq]);
      const v = (await t.gql(analyst.token, VERIFY, { f: Buffer.from(json).toString('base64') })).data.verifyReport;
      expect(v).toMatchObject({ intact: false, signatureValid: true, contentIntact: true, auditEventsNotHeld: [seq] });
      await owner.query(`UPDATE audit_events SET case_number = $2 WHERE seq = $1`, [seq, row.case_number]);
      expect((await t.gql(analyst.token, VERIFY, { f: Buffer.from(json).toString('base64') })).data.verifyReport.intact).toBe(true);
    } finally {
      await owner.query(`ALTER TABLE audit_events ENABLE TRIGGER USER`);
    }
  });

  it('gives the oversight version without a face, a subject reference or the narrative', async () => {
    const report: any = await (await get(supervisor.token, `/reports/searches/${searched.id}.json?audience=oversight`)).json();
    expect(report).toMatchObject({ audience: 'OVERSIGHT', faces: 'WITHHELD', case: { narrative: null } });
    expect(report.searches[0].candidates.every((c: any) => c.subjectRef === null && c.faceSha256 === null)).toBe(true);
  });

  it('refuses another agency\'s search as NOT_FOUND, and audits the refusal and every report produced', async () => {
    const river = await t.principal('river-pd', Role.AGENCY_SUPERVISOR);
    const r = await get(river.token, `/reports/searches/${searched.id}.pdf`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await get(null, `/reports/searches/${searched.id}.pdf`)).status).toBe(401);
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    const events = (await t.gql(hubAdmin, `{ auditEvents(first: 100, action: "REPORT_PRODUCED") { nodes { outcome reason tenantId details } } }`)).data.auditEvents.nodes;
    expect(events).toContainEqual(expect.objectContaining({ outcome: 'DENIED', reason: 'NOT_FOUND', details: expect.objectContaining({ searchId: searched.id, format: 'PDF' }) }));
    expect(events.filter((e: any) => e.outcome === 'ALLOWED').length).toBeGreaterThanOrEqual(4);
  });
});
