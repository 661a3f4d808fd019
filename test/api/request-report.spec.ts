import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../models/enums';
import { readZip } from '../../tenants/reports/discovery';
import { facesOf, pdfAttachments, renderLeadReportPdf } from '../../tenants/reports/lead-report.pdf';
import { frhubBeside } from '../support/cli';
import { bookingPhoto } from '../support/fixtures';
import { startHub, uploadRequest, type TestHub } from '../support/hub';
import { pdfImages, pdfText } from '../support/pdf';
import { DISPOSE, examinationCast, SEARCH, SUBMIT, submission } from '../support/requests';

const VERIFY = `query($f: String!) { verifyReport(fileBase64: $f) { intact kind reportId signatureValid contentIntact auditEventsChecked auditEventsNotHeld problems } }`;
const CANDIDATES = `query($id: ID!) { search(id: $id) { threshold candidates { rank score subjectRef estimatedFalseMatchRate falseMatchRateInterval { low high } } } }`;

// A request's lead report over real HTTP: an agency with no examiners asks the operator, an operator
// examiner edits the probe, searches and disposes, a second examiner verifies blind, the lead is
// released and the requester reports an arrest; each party then reads the report it may.
describe('lead reports of a request: signed PDF, JSON and discovery ZIP', () => {
  let t: TestHub;
  let requester: { id: string; token: string };
  let examiner: { id: string; token: string };
  let verifier: { id: string; token: string };
  let supervisor: { id: string; token: string };
  let id: string;
  let search: { id: string; candidates: { rank: number; subjectRef: string }[] };
  let versionId: string;
  let json: string;
  let pdf: Buffer;
  const dir = mkdtempSync(join(tmpdir(), 'frhub-request-report-'));

  const get = (token: string | null, path: string) => fetch(`${t.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const codeOf = async (r: Response) => ((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code;

  beforeAll(async () => {
    t = await startHub();
    ({ requester, examiner, verifier, supervisor } = await examinationCast(t));
    await t.createTenant('river-pd');

    // the probe arrives turned a quarter; the examiner's recorded edit turns it back
    const probe = await (await import('sharp')).default(await bookingPhoto('BK-1002', true)).rotate(-90).jpeg().toBuffer();
    const submitted = await uploadRequest(t.url, requester.token, SUBMIT, { ...submission, servingTenantSlug: 'hub' }, probe);
    expect(submitted.errors).toBeUndefined();
    id = submitted.data.submitRequest.id;
    expect((await t.gql(supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: id, e: examiner.id })).errors).toBeUndefined();
    const edit = await t.gql(examiner.token, `mutation($i: EditRequestProbeInput!) { editRequestProbe(input: $i) { id } }`, { i: { requestId: id, steps: [{ kind: 'ROTATE', degrees: 90 }] } });
    versionId = edit.data.editRequestProbe.id;
    const searched = await t.gql(examiner.token, SEARCH, { i: { requestId: id, probeVersionId: versionId, minScore: -1, maxCandidates: 3 } });
    expect(searched.errors).toBeUndefined();
    search = searched.data.searchFaces;
    expect(search.candidates[0].subjectRef).toBe('BK-1002');
    // two possible leads, one released: what was said of the other never reaches the requester
    const REASONS: Record<number, string> = { 1: 'ear shape and scar over the left brow agree', 2: 'similar jaw line, worth a look' };
    const dispositions = search.candidates.map((c) => ({ searchId: search.id, rank: c.rank, disposition: REASONS[c.rank] ? 'POSSIBLE_LEAD' : 'EXCLUDED', reason: REASONS[c.rank] ?? null }));
    expect((await t.gql(examiner.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions } })).data.recordDispositions.status).toBe('IN_VERIFICATION');
    expect((await t.gql(verifier.token, `mutation($r: ID!) { claimVerification(requestId: $r) { status } }`, { r: id })).errors).toBeUndefined();

    // while the verification is blind, the report (the examiner's dispositions) waits; the requester's too
    const blind = await get(verifier.token, `/reports/requests/${id}.json`);
    expect(blind.status).toBe(409);
    expect(await codeOf(blind)).toBe('CONFLICT');
    const early = await get(requester.token, `/reports/requests/${id}.pdf`);
    expect(early.status).toBe(409);

    const verified = await t.gql(verifier.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions: dispositions.map((d) => ({ ...d, reason: d.rank === 1 ? 'same nose bridge and brow scar' : d.reason })) } });
    expect(verified.data.recordDispositions.status).toBe('VERIFIED');
    expect((await t.gql(examiner.token, `mutation($r: ID!, $s: ID!) { releaseLead(requestId: $r, searchId: $s, rank: 1) { status } }`, { r: id, s: search.id })).data.releaseLead.status).toBe('LEAD_RELEASED');
    const outcome = await t.gql(requester.token, `mutation($r: ID!) { recordOutcome(requestId: $r, outcome: ARREST, note: "Arrested on the fingerprint match") { status } }`, { r: id });
    expect(outcome.data.recordOutcome.status).toBe('OUTCOME_RECORDED');
  }, 240_000);
  afterAll(() => t?.close());

  it('gives the serving supervisor the whole case as JSON: provenance, the probe edit, candidates with their rates, every disposition, release, outcome and its audit events', async () => {
    const r = await get(supervisor.token, `/reports/requests/${id}.json`);
    expect(r.status).toBe(200);
    json = await r.text();
    const report = JSON.parse(json);
    expect(report).toMatchObject({
      subject: { kind: 'REQUEST', id }, agency: { slug: 'valley-pd' }, faces: 'SHOWN', signature: { alg: 'EdDSA' },
      case: { caseNumber: 'VC-2026-77', legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', offenseDescription: 'Penal Code 211, robbery', narrative: submission.narrative },
      request: {
        id, status: 'OUTCOME_RECORDED', servingAgency: { slug: 'hub' }, priority: 'URGENT', requestingOfficer: 'Det. Ana Ruiz', approvingSupervisor: 'Sgt. Lee Park',
        provenance: { sourceKind: 'CCTV', howObtained: 'Exported from the store DVR by the owner', capturedAt: '2026-11-30T21:14:00.000Z' },
        release: { searchId: search.id, rank: 1, subjectRef: 'BK-1002' },
        outcome: { outcome: 'ARREST', note: 'Arrested on the fingerprint match' },
      },
    });
    expect(report.request.probes).toHaveLength(1);
    expect(report.request.probes[0].versions).toEqual([expect.objectContaining({ id: versionId, version: 1, by: 'Examiner Kim', steps: [{ kind: 'ROTATE', degrees: 90 }] })]);
    expect(report.request.examinations.map((e: any) => [e.role, e.name, e.conclusion])).toEqual([['EXAMINER', 'Examiner Kim', 'POSSIBLE_LEAD'], ['VERIFIER', 'Examiner Osei', 'POSSIBLE_LEAD']]);

    // the candidates are the API's, to the last digit, each with both examiners' dispositions
    const api = (await t.gql(examiner.token, CANDIDATES, { id: search.id })).data.search;
    const s = report.searches[0];
    expect(s).toMatchObject({ searchId: search.id, threshold: api.threshold, probeVersion: { id: versionId, version: 1, probeOrdinal: 1 } });
    expect(s.candidates.map((c: any) => ({ rank: c.rank, score: c.score, subjectRef: c.subjectRef, estimatedFalseMatchRate: c.estimatedFalseMatchRate, falseMatchRateInterval: c.falseMatchRateInterval }))).toEqual(api.candidates);
    expect(s.candidates[0].dispositions).toEqual([
      expect.objectContaining({ reviewer: 'Examiner Kim', role: 'EXAMINER', decision: 'POSSIBLE_LEAD', reason: 'ear shape and scar over the left brow agree' }),
      expect.objectContaining({ reviewer: 'Examiner Osei', role: 'VERIFIER', decision: 'POSSIBLE_LEAD', reason: 'same nose bridge and brow scar' }),
    ]);
    expect(s.candidates[1].dispositions.map((d: any) => [d.role, d.decision, d.reason])).toEqual([['EXAMINER', 'POSSIBLE_LEAD', 'similar jaw line, worth a look'], ['VERIFIER', 'POSSIBLE_LEAD', 'similar jaw line, worth a look']]);
    expect(s.candidates.slice(2).every((c: any) => c.dispositions.every((d: any) => d.decision === 'EXCLUDED'))).toBe(true);
    expect(s.candidates.every((c: any) => /^[0-9a-f]{64}$/.test(c.faceSha256))).toBe(true);
    expect(report.conclusion).toMatch(/^Lead released: candidate #1 .*BK-1002.*not an identification.*ARREST/);

    // the audit events are the request's decisions and its search, as the chain holds them
    const chain = (await t.gql(await t.token('hub', Role.HUB_ADMIN), `{ auditEvents(first: 500) { nodes { seq action outcome details } } }`)).data.auditEvents.nodes;
    const produced = chain.find((e: any) => e.action === 'REPORT_PRODUCED' && e.details.reportId === report.reportId).seq;
    const behind = chain
      .filter((e: any) => e.seq < produced && e.outcome !== 'DENIED' && e.outcome !== 'FAILED' && (e.details.examinationRequestId === id || e.details.searchId === search.id) && !['REQUEST_VIEWED', 'REQUEST_PROBE_VIEWED', 'REPORT_PRODUCED'].includes(e.action))
      .map((e: any) => e.seq).sort((a: number, b: number) => a - b);
    expect(report.auditEvents.map((e: any) => e.seq)).toEqual(behind);
    expect(report.auditEvents.map((e: any) => e.action)).toEqual(expect.arrayContaining(['REQUEST_SUBMITTED', 'REQUEST_PROBE_EDITED', 'SEARCH', 'REQUEST_DISPOSITIONS_RECORDED', 'REQUEST_VERIFICATION_CLAIMED', 'REQUEST_OUTCOME_RECORDED']));
  });

  it('renders the same report as a PDF that carries the signed JSON and says it in words', async () => {
    const r = await get(supervisor.token, `/reports/requests/${id}.pdf`);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    pdf = Buffer.from(await r.arrayBuffer());
    const attached = JSON.parse(Buffer.from((await pdfAttachments(pdf)).get('lead-report.json')!).toString('utf8'));
    const report = JSON.parse(json);
    expect(attached.searches).toEqual(report.searches);
    expect(attached.request).toEqual(report.request);
    const text = (await pdfText(pdf)).join('\n').replace(/\s+/g, ' ');
    expect(text).toContain('VC-2026-77');
    expect(text).toContain('Exported from the store DVR by the owner');
    expect(text).toMatch(/Version 1 \(.*\), by Examiner Kim/);
    expect(text).toContain('step 1: ROTATE (degrees 90)');
    expect(text).toContain(`Probe used: probe 1, version 1 (${versionId})`);
    for (const c of report.searches[0].candidates) {
      expect(text).toContain(`#${c.rank} score ${c.score.toFixed(4)} ${c.subjectRef}`);
      expect(text).toContain(c.falseMatchRateInterval.high.toExponential(2));
    }
    expect(text).toContain('Examiner Kim (examiner): POSSIBLE_LEAD');
    expect(text).toMatch(/VERIFIER Examiner Osei .*: POSSIBLE_LEAD/);
    expect(text).toMatch(/Lead released: candidate #1 of search .* \(BK-1002\)/);
    expect(text).toMatch(/Outcome reported: ARREST/);
    for (const e of report.auditEvents) expect(text).toContain(`#${e.seq} ${e.action} ${e.at} ${e.hash}`);
    expect(text).toContain('not probable cause');
  });

  it('draws the probe as received and each edited version in the PDF, as pdf.js reads it back, for the examiners; the oversight version draws no image at all', async () => {
    const sharp = (await import('sharp')).default;
    const report = JSON.parse(json);
    const [probe] = report.request.probes;
    expect(probe.imageSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(probe.versions[0].imageSha256).toMatch(/^[0-9a-f]{64}$/);
    const attached = await pdfAttachments(pdf);
    const print = (sha: string) => Buffer.from(attached.get(`probe-${sha}.jpg`)!);
    const sizeOf = async (jpeg: Buffer) => {
      const m = await sharp(jpeg).metadata();
      return { width: m.width!, height: m.height! };
    };
    const original = await sizeOf(print(probe.imageSha256));
    const edited = await sizeOf(print(probe.versions[0].imageSha256));
    // the probe came turned a quarter; version 1 (ROTATE 90) is upright again
    expect(edited).toEqual({ width: original.height, height: original.width });
    const drawn = await pdfImages(pdf);
    const faces = report.searches[0].candidates.filter((c: any) => c.faceSha256).length;
    expect(faces).toBeGreaterThan(0);
    expect(drawn).toHaveLength(2 + faces);
    expect(drawn).toContainEqual(expect.objectContaining(original));
    expect(drawn).toContainEqual(expect.objectContaining(edited));
    // and each print is that photo: the version looks like the upright booking photo, the original like the turned one
    const upright = await bookingPhoto('BK-1002', true);
    const grey = async (img: Buffer, size: { width: number; height: number }) => sharp(img).resize(size.width, size.height, { fit: 'fill' }).greyscale().raw().toBuffer();
    const distance = async (a: Buffer, b: Buffer, size: { width: number; height: number }) => {
      const [x, y] = [await grey(a, size), await grey(b, size)];
      return x.reduce((sum, v, i) => sum + Math.abs(v - y[i]), 0) / x.length;
    };
    expect(await distance(print(probe.versions[0].imageSha256), upright, edited)).toBeLessThan(12);
    expect(await distance(print(probe.imageSha256), await sharp(upright).rotate(-90).toBuffer(), original)).toBeLessThan(12);
    expect(await distance(print(probe.imageSha256), upright, original)).toBeGreaterThan(20);

    // an image the signed content does not name is never attached: the hub's rendering has only what the report names
    const carried = JSON.parse(Buffer.from(attached.get('lead-report.json')!).toString('utf8'));
    const slipped = new Map([...facesOf(attached), ['0'.repeat(64), new Uint8Array(await sharp(upright).jpeg().toBuffer())]]);
    expect(Buffer.from(await renderLeadReportPdf(carried, slipped)).equals(pdf)).toBe(true);

    const oversight = Buffer.from(await (await get(supervisor.token, `/reports/requests/${id}.pdf?audience=oversight`)).arrayBuffer());
    expect(await pdfImages(oversight)).toEqual([]);
    expect([...(await pdfAttachments(oversight)).keys()]).toEqual(['lead-report.json']);
    const signed = JSON.parse(Buffer.from((await pdfAttachments(oversight)).get('lead-report.json')!).toString('utf8'));
    expect(signed.request.probes.every((p: any) => p.imageSha256 === null && p.versions.every((v: any) => v.imageSha256 === null))).toBe(true);
    expect((await t.gql(supervisor.token, VERIFY, { f: oversight.toString('base64') })).data.verifyReport).toMatchObject({ intact: true });
  });

  it('verifies the PDF, JSON and discovery ZIP as intact and a byte changed as altered, through the API and the CLI', async () => {
    const zr = await get(examiner.token, `/reports/requests/${id}/discovery.zip`);
    expect(zr.status).toBe(200);
    const zip = Buffer.from(await zr.arrayBuffer());
    const files = readZip(zip);
    expect(Object.keys(files).sort()).toEqual(['README.txt', 'candidates.csv', 'lead-report.json', 'lead-report.pdf', 'probe-1-original.jpg', 'probe-1-version-1.jpg']);
    expect(Buffer.from(files['README.txt']).toString()).toContain(`(request ${id})`);
    expect(Buffer.from(files['README.txt']).toString()).toContain('- probe-1-version-1.jpg: an edited version of the probe');
    // the probe versions are the prints the report names and its PDF draws
    const signed = JSON.parse(Buffer.from(files['lead-report.json']).toString());
    const inPdf = await pdfAttachments(files['lead-report.pdf']);
    expect(Buffer.from(files['probe-1-original.jpg']).equals(Buffer.from(inPdf.get(`probe-${signed.request.probes[0].imageSha256}.jpg`)!))).toBe(true);
    expect(Buffer.from(files['probe-1-version-1.jpg']).equals(Buffer.from(inPdf.get(`probe-${signed.request.probes[0].versions[0].imageSha256}.jpg`)!))).toBe(true);
    // a package whose edited version was swapped for the original, packed again the hub's way: altered, and says which file
    const { zipSync } = await import('fflate');
    const mtime = new Date(signed.generatedAt);
    const swapped = zipSync(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, [name === 'probe-1-version-1.jpg' ? files['probe-1-original.jpg'] : bytes, { mtime, level: name.endsWith('.pdf') || name.endsWith('.jpg') ? 0 : 6 }]])) as any);
    const v = (await t.gql(supervisor.token, VERIFY, { f: Buffer.from(swapped).toString('base64') })).data.verifyReport;
    expect(v).toMatchObject({ intact: false, signatureValid: true });
    expect(v.problems).toContain('probe-1-version-1.jpg is not the probe print the report names');
    expect(Buffer.from(files['candidates.csv']).toString()).toContain('Examiner Osei,POSSIBLE_LEAD');
    const events = JSON.parse(json).auditEvents.length;
    for (const [kind, bytes] of [['PDF', pdf], ['JSON', Buffer.from(json)], ['ZIP', zip]] as const) {
      const ok = (await t.gql(supervisor.token, VERIFY, { f: bytes.toString('base64') })).data.verifyReport;
      expect(ok).toMatchObject({ intact: true, kind, signatureValid: true, contentIntact: true, auditEventsChecked: events, auditEventsNotHeld: [], problems: [] });
      const changed = Buffer.from(bytes);
      const at = Math.floor(changed.length / 2);
      changed[at] = changed[at] ^ 0x01;
      const bad = (await t.gql(supervisor.token, VERIFY, { f: changed.toString('base64') })).data.verifyReport;
      expect(bad.intact).toBe(false);
      expect(bad.problems.length).toBeGreaterThan(0);
      writeFileSync(join(dir, `ok.${kind}`), bytes);
      writeFileSync(join(dir, `bad.${kind}`), changed);
    }
    const good = await frhubBeside(t, ['report', 'verify', join(dir, 'ok.ZIP')]);
    expect({ code: good.code, last: good.stdout.trim().split('\n').pop() }).toEqual({ code: 0, last: expect.stringMatching(/^intact/) });
    // a byte that breaks the JSON itself: the parser's message quotes the file's lines, the verdict stays the last line
    writeFileSync(join(dir, 'broken.JSON'), `x${json.slice(1)}`);
    for (const name of ['bad.JSON', 'bad.PDF', 'broken.JSON']) {
      const bad = await frhubBeside(t, ['report', 'verify', join(dir, name)]);
      expect({ name, code: bad.code, last: bad.stdout.trim().split('\n').pop() }).toEqual({ name, code: 1, last: expect.stringMatching(/^altered/) });
    }
  }, 120_000);

  it('never gives a request\'s search as a search report but to its examiner: the supervisor and the verifier read it through the request', async () => {
    for (const who of [supervisor, verifier, requester]) {
      const r = await get(who.token, `/reports/searches/${search.id}.json`);
      expect(r.status).toBeGreaterThanOrEqual(403);
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(await codeOf(r));
    }
    expect((await get(examiner.token, `/reports/searches/${search.id}.json`)).status).toBe(200);
  });

  it('gives the requester, after release, only the released lead\'s subject and face, and no discovery package', async () => {
    const r = await get(requester.token, `/reports/requests/${id}.json`);
    expect(r.status).toBe(200);
    const report: any = await r.json();
    // only the released lead: no other candidate, its score, gallery or template, reaches the requesting agency
    expect(report.searches[0].candidates).toHaveLength(1);
    const [lead] = report.searches[0].candidates;
    expect(lead).toMatchObject({ rank: 1, subjectRef: 'BK-1002', faceSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(report.searches)).not.toMatch(/BK-100[13]/);
    expect(report.request.examinations.every((e: any) => e.note === null && e.dispositions.every((d: any) => d.rank === 1))).toBe(true);
    // the lead's reasons are the requester's to read; what was said of a candidate not released is not
    expect(lead.dispositions.map((d: any) => d.reason)).toEqual(['ear shape and scar over the left brow agree', 'same nose bridge and brow scar']);
    expect(JSON.stringify(report)).not.toContain('similar jaw line');
    expect(report.limits.join(' ')).toMatch(/Only the released lead/);
    const zip = await get(requester.token, `/reports/requests/${id}/discovery.zip`);
    expect(zip.status).toBe(403);
    expect(await codeOf(zip)).toBe('FORBIDDEN');
  });

  it('gives the oversight version without a face, a subject reference, the narrative or names of officers', async () => {
    const report: any = await (await get(supervisor.token, `/reports/requests/${id}.json?audience=oversight`)).json();
    expect(report).toMatchObject({ audience: 'OVERSIGHT', faces: 'WITHHELD', case: { narrative: null }, request: { requestingOfficer: null, approvingSupervisor: null, release: { subjectRef: null } } });
    expect(report.searches[0].candidates.every((c: any) => c.subjectRef === null && c.faceSha256 === null && c.dispositions.every((d: any) => d.reason === null))).toBe(true);
    expect(JSON.stringify(report)).not.toContain('BK-100');
  });

  it('refuses another agency\'s request as NOT_FOUND, an analyst not on it too, and audits every refusal', async () => {
    const river = await t.principal('river-pd', Role.AGENCY_SUPERVISOR);
    const riverRequester = await t.principal('river-pd', Role.AGENCY_REQUESTER);
    for (const [who, path] of [[river.token, `${id}.pdf`], [riverRequester.token, `${id}.json`], [river.token, `${id}/discovery.zip`]] as const) {
      const r = await get(who, `/reports/requests/${path}`);
      expect(r.status).toBe(404);
      expect(await codeOf(r)).toBe('NOT_FOUND');
    }
    const bystander = await t.principal('hub', Role.AGENCY_ANALYST);
    expect((await get(bystander.token, `/reports/requests/${id}.json`)).status).toBe(404);
    expect((await get(null, `/reports/requests/${id}.pdf`)).status).toBe(401);
    expect((await get(supervisor.token, `/reports/requests/not-a-request.json`)).status).toBe(404);
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    const events = (await t.gql(hubAdmin, `{ auditEvents(first: 200, action: "REPORT_PRODUCED") { nodes { outcome reason tenantId details } } }`)).data.auditEvents.nodes;
    const ofRequest = events.filter((e: any) => e.details.requestId === id);
    expect(ofRequest).toContainEqual(expect.objectContaining({ outcome: 'DENIED', reason: 'NOT_FOUND', details: expect.objectContaining({ format: 'PDF' }) }));
    expect(ofRequest).toContainEqual(expect.objectContaining({ outcome: 'DENIED', reason: 'NOT_FOUND', details: expect.objectContaining({ format: 'ZIP' }) }));
    expect(ofRequest.filter((e: any) => e.outcome === 'FAILED' && e.reason === 'CONFLICT')).toHaveLength(2);
    expect(ofRequest.filter((e: any) => e.outcome === 'ALLOWED').length).toBeGreaterThanOrEqual(5);
  });
});
