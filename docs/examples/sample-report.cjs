// Makes docs/sample-lead-report.pdf, .json and .png (its first page) and .key.json (the public key
// that signed it): the walk-through's fictional case (Metro PD, case 2026-123, a robbery) on a fresh,
// throw-away embedded hub, searched and reviewed by two people, its lead report fetched over HTTP as
// an agency supervisor would, the PNG drawn by pdf.js (docs/examples/pdf-page-png.mjs). Run from the
// repository root: `npm run docs:sample-report` (or `node docs/examples/sample-report.cjs [out dir]`).
require('../../cli/build.cjs');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const sharp = require('sharp');
const pino = require('pino');
const { loadConfig } = require('../../dist/server/config.js');
const { createHub } = require('../../dist/server/composition/create-hub.js');
const { mintToken } = require('../../dist/server/auth/hub-tokens.js');
const { pdfAttachments, REPORT_ATTACHMENT } = require('../../dist/tenants/reports/lead-report.pdf.js');

const ROOT = resolve(__dirname, '../..');
const GROUP = join(ROOT, 'node_modules/@vladmandic/face-api/demo/sample1.jpg');
const crop = (left, top, width, height, o = {}) => sharp(GROUP).extract({ left, top, width, height }).resize(o.resize).jpeg().toBuffer();

async function main() {
  const out = resolve(process.argv[2] ?? join(ROOT, 'docs'));
  mkdirSync(out, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'frhub-sample-'));
  const hub = await createHub(loadConfig({ ...process.env, FRHUB_DATA_DIR: dataDir, FRHUB_MODEL_DIR: join(ROOT, 'data/models'), DATABASE_URL: '' }), { logger: pino({ level: 'silent' }) });
  try {
    const { url } = await hub.listen(0, '127.0.0.1');
    const gql = async (token, query, variables = {}) => {
      const r = await (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json();
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data;
    };
    const admin = await mintToken(hub.keys, { tenant: 'hub', role: 'HUB_ADMIN' });
    await gql(admin, `mutation { createTenant(input: {slug: "metro-pd", name: "Metro PD"}) { id } }`);
    const person = async (name, role) => (await gql(admin, `mutation($n: String!, $r: Role!) { createPrincipal(input: {tenantSlug: "metro-pd", name: $n, role: $r, certifiedUntil: "2099-12-31T00:00:00Z"}) { id } }`, { n: name, r: role })).createPrincipal.id;
    const rivera = await mintToken(hub.keys, { tenant: 'metro-pd', principalId: await person('Det. Rivera', 'AGENCY_ANALYST') });
    const chen = await mintToken(hub.keys, { tenant: 'metro-pd', principalId: await person('Sgt. Chen', 'AGENCY_SUPERVISOR') });
    const agencyAdmin = await mintToken(hub.keys, { tenant: 'metro-pd', role: 'AGENCY_ADMIN' });
    const gallery = (await gql(agencyAdmin, `mutation { createGallery(input: {name: "Bookings"}) { id } }`)).createGallery.id;
    for (const [ref, box] of [['BK-1001', [300, 180, 480, 560]], ['BK-1002', [700, 330, 560, 560]], ['BK-1003', [1260, 120, 560, 560]]]) {
      const image = (await crop(...box)).toString('base64');
      await gql(agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: gallery, subjectRef: ref, imageBase64: image } });
    }
    const probe = (await crop(320, 200, 430, 500)).toString('base64');
    const search = (await gql(rivera, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { rank } } }`, {
      i: { imageBase64: probe, caseNumber: '2026-123', legalBasis: 'CRIMINAL_SUSPECT_ID', offenseCategory: 'ROBBERY', offenseDescription: 'Armed robbery of a convenience store, 14 Elm St.', narrative: 'Still from the store\'s camera, 02:14; suspect faced the counter.' } },
    )).searchFaces;
    const decisions = search.candidates.map((c) => ({ rank: c.rank, decision: c.rank === 1 ? 'POSSIBLE_MATCH' : 'NOT_A_MATCH' }));
    for (const [who, note] of [[rivera, 'Same ear shape and scar above the left eyebrow.'], [chen, 'Agree on #1; others excluded by face shape.']]) {
      await gql(who, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`, { i: { searchId: search.id, outcome: 'POSSIBLE_LEAD', decisions, note } });
    }
    // one report: the PDF, and the signed JSON it carries (a second download would be another report, with its own id and time)
    const res = await fetch(`${url}/reports/searches/${search.id}.pdf`, { headers: { authorization: `Bearer ${chen}` } });
    if (!res.ok) throw new Error(`pdf: HTTP ${res.status} ${await res.text()}`);
    const files = { pdf: Buffer.from(await res.arrayBuffer()) };
    files.json = Buffer.from((await pdfAttachments(files.pdf)).get(REPORT_ATTACHMENT));
    for (const ext of ['pdf', 'json']) writeFileSync(join(out, `sample-lead-report.${ext}`), files[ext]);
    // the throw-away hub's key dies with it: its public half lets a reader check the signature all the same
    writeFileSync(join(out, 'sample-lead-report.key.json'), `${JSON.stringify(hub.keys.jwks(), null, 2)}\n`);
    const { pagePng } = await import('./pdf-page-png.mjs');
    writeFileSync(join(out, 'sample-lead-report.png'), await pagePng(files.pdf, 1));
    console.log(`wrote ${['pdf', 'json', 'png', 'key.json'].map((e) => join(out, `sample-lead-report.${e}`)).join(', ')}`);
  } finally {
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
