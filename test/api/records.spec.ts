import sharp from 'sharp';
import { Role } from '../../models/enums';
import { bookingPhoto, SAMPLE_GROUP } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// Records over time over real HTTP: a subject's details, its removal with everything made from its
// photos (proved by the API's own check and by a scan of every table), a photo's removal, galleries
// renamed and archived, candidates grouped by person with the details the searcher may see.
describe('records over time', () => {
  let t: TestHub;
  let admin: string;
  let analyst: string;
  let galleryId: string;
  const subjects: Record<string, string> = {};
  const templates: Record<string, string[]> = {};
  const owner = () => t.hub.database.db;
  const b64 = (b: Buffer) => b.toString('base64');
  // a third photo of BK-1001: another crop of the same face, so its checksum is no enrolled photo's
  const probe = async () => b64(await sharp(SAMPLE_GROUP).extract({ left: 320, top: 200, width: 440, height: 520 }).jpeg({ quality: 88 }).toBuffer());

  const enroll = async (ref: string, image: Buffer, gallery = galleryId) => {
    const r = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId subjectId } }`, { i: { galleryId: gallery, subjectRef: ref, imageBase64: b64(image) } });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.enrollFace as { templateId: string; subjectId: string };
  };
  const search = async (extra = '') => {
    const r = await t.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) {
        id galleriesSearched candidates { rank score subjectRef templateId subject { id subjectRef name dateOfBirth bookingNumber charges disposition detailsVisible } }
        candidatesBySubject { bestScore bestRank subjectRef candidates { rank templateId } subject { name } }
        removedCandidates { rank score reason } ${extra} } }`, { i: { imageBase64: await probe(), legalBasis: 'VICTIM_ID', caseNumber: 'R-1', minScore: -1 } });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.searchFaces;
  };
  const lastEvent = async (action: string) => {
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    return (await t.gql(hubAdmin, `query($a: String) { auditEvents(first: 1, action: $a) { nodes { action outcome reason galleries details } } }`, { a: action })).data.auditEvents.nodes[0];
  };
  /** Every table but the audit chain, scanned as text for `needle`: the tables where it is still found, with their row counts. */
  const rowsNaming = async (needle: string) => {
    const tables: { name: string }[] = await owner().query(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'audit_events' ORDER BY 1`,
    );
    const found: Record<string, number> = {};
    for (const { name } of tables) {
      const [r] = await owner().query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}" x WHERE x::text ILIKE $1`, [`%${needle}%`]);
      if (r.n) found[name] = r.n;
    }
    return found;
  };

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('metro-pd');
    admin = (await t.principal('metro-pd', Role.AGENCY_ADMIN)).token;
    analyst = (await t.principal('metro-pd', Role.AGENCY_ANALYST)).token;
    galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    for (const [ref, photos] of [['BK-1001', [false, true]], ['BK-1002', [false, true]], ['BK-1003', [false]]] as const) {
      for (const variant of photos) {
        const e = await enroll(ref, await bookingPhoto(ref, variant));
        subjects[ref] = e.subjectId;
        (templates[ref] ??= []).push(e.templateId);
      }
    }
  });
  afterAll(() => t?.close());

  it('keeps the details the owner chooses, corrects and clears them, and audits the fields changed (never their values)', async () => {
    const set = await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { subjectRef name dateOfBirth bookingDate bookingNumber charges disposition detailsVisible } }`, {
      i: { subjectId: subjects['BK-1001'], name: 'Dana Example', dateOfBirth: '1990-02-28', bookingDate: '2026-03-01', bookingNumber: 'BN-77', charges: '609.52 theft', disposition: 'pending' },
    });
    expect(set.errors).toBeUndefined();
    expect(set.data.updateSubject).toEqual({ subjectRef: 'BK-1001', name: 'Dana Example', dateOfBirth: '1990-02-28', bookingDate: '2026-03-01', bookingNumber: 'BN-77', charges: '609.52 theft', disposition: 'pending', detailsVisible: true });
    const event = await lastEvent('SUBJECT_UPDATED');
    expect(event.details.fields.sort()).toEqual(['bookingDate', 'bookingNumber', 'charges', 'dateOfBirth', 'disposition', 'name']);
    expect(JSON.stringify(event)).not.toContain('Dana');

    const cleared = await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { name charges disposition } }`, { i: { subjectId: subjects['BK-1001'], charges: null, disposition: 'convicted' } });
    expect(cleared.data.updateSubject).toEqual({ name: 'Dana Example', charges: null, disposition: 'convicted' });
    const listed = (await t.gql(admin, `query($g: ID!) { subjects(galleryId: $g) { nodes { subjectRef name bookingNumber } } }`, { g: galleryId })).data.subjects.nodes;
    expect(listed).toContainEqual({ subjectRef: 'BK-1001', name: 'Dana Example', bookingNumber: 'BN-77' });

    for (const [i, code] of [
      [{ subjectId: subjects['BK-1001'], dateOfBirth: '1990-02-30' }, 'BAD_USER_INPUT'],
      [{ subjectId: subjects['BK-1001'], bookingDate: 'March 1' }, 'BAD_USER_INPUT'],
      [{ subjectId: subjects['BK-1001'] }, 'BAD_USER_INPUT'],
      [{ subjectId: 'not-an-id', name: 'x' }, 'NOT_FOUND'],
    ] as const) {
      const r = await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i });
      expect(r.errors?.[0].extensions.code).toBe(code);
      expect(r.errors?.[0].message).toMatch(/YYYY-MM-DD|Nothing to change|No subject/);
    }
    // analysts search; they do not keep the records
    expect((await t.gql(analyst, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: subjects['BK-1001'], name: 'x' } })).errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('groups candidates by person (best photo first, the others listed) and shows the searcher its own agency’s details', async () => {
    const s = await search();
    const own = s.candidates.filter((c: { subjectRef: string }) => c.subjectRef === 'BK-1001');
    expect(own).toHaveLength(2);
    expect(own[0].subject).toEqual({ id: subjects['BK-1001'], subjectRef: 'BK-1001', name: 'Dana Example', dateOfBirth: '1990-02-28', bookingNumber: 'BN-77', charges: null, disposition: 'convicted', detailsVisible: true });
    const groups = s.candidatesBySubject;
    expect(groups.map((g: { subjectRef: string }) => g.subjectRef).sort()).toEqual(['BK-1001', 'BK-1002', 'BK-1003']);
    // best first, each group's best photo is its first candidate, and every candidate is in exactly one group
    expect(groups.map((g: { bestScore: number }) => g.bestScore)).toEqual([...groups.map((g: { bestScore: number }) => g.bestScore)].sort((a, b) => b - a));
    for (const g of groups) expect(g.bestRank).toBe(g.candidates[0].rank);
    expect(groups.flatMap((g: { candidates: { rank: number }[] }) => g.candidates.map((c) => c.rank)).sort((a: number, b: number) => a - b)).toEqual(s.candidates.map((c: { rank: number }) => c.rank));
    expect(groups.find((g: { subjectRef: string }) => g.subjectRef === 'BK-1001')).toEqual(expect.objectContaining({ subject: { name: 'Dana Example' } }));
    expect(groups.find((g: { subjectRef: string }) => g.subjectRef === 'BK-1001').candidates.map((c: { templateId: string }) => c.templateId).sort()).toEqual([...templates['BK-1001']].sort());
    expect(s.removedCandidates).toEqual([]);
  });

  it('removes an expunged subject at once: templates, crops and past candidate rows, in one audited transaction, and proves it', async () => {
    const before = await search();
    const countBefore = (await t.gql(admin, `query($g: ID!) { gallery(id: $g) { templateCount } }`, { g: galleryId })).data.gallery.templateCount;
    const r = await t.gql(admin, `mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectId subjectRef reason subjectRemoved templateIds crops candidateRows searches } }`, {
      i: { subjectId: subjects['BK-1001'], reason: 'EXPUNGED' },
    });
    expect(r.errors).toBeUndefined();
    const removal = r.data.removeSubject;
    expect(removal).toEqual(expect.objectContaining({ subjectId: subjects['BK-1001'], subjectRef: 'BK-1001', reason: 'EXPUNGED', subjectRemoved: true, crops: 2 }));
    expect([...removal.templateIds].sort()).toEqual([...templates['BK-1001']].sort());
    // two searches so far, two candidate rows each
    expect(removal.candidateRows).toBe(4);
    expect(removal.searches).toBe(2);

    // the audit event records what went (ids, counts, reason), never a face or the details
    const event = await lastEvent('SUBJECT_REMOVED');
    expect(event).toEqual(expect.objectContaining({ outcome: 'ALLOWED', galleries: [galleryId] }));
    expect(event.details).toEqual(expect.objectContaining({ subjectId: subjects['BK-1001'], reason: 'EXPUNGED', templates: 2, crops: 2, candidateRows: 4 }));
    expect(JSON.stringify(event)).not.toMatch(/Dana|BN-77|jpeg|embedding/i);

    expect((await t.gql(admin, `query($g: ID!) { gallery(id: $g) { templateCount } }`, { g: galleryId })).data.gallery.templateCount).toBe(countBefore - 2);
    const proof = (await t.gql(admin, `query($s: ID!) { subjectRemnants(subjectId: $s) { subjectId removed reason removedAt clean tables { table rows } } }`, { s: subjects['BK-1001'] })).data.subjectRemnants;
    expect(proof).toEqual(expect.objectContaining({ removed: true, reason: 'EXPUNGED', clean: true }));
    expect(proof.tables).toEqual([
      { table: 'subjects', rows: 0 }, { table: 'face_templates', rows: 0 }, { table: 'face_crops', rows: 0 }, { table: 'search_candidates', rows: 0 },
    ]);
    // and independently of the hub's own check: no table but the audit chain names the subject, its templates or its booking
    for (const needle of [subjects['BK-1001'], ...templates['BK-1001'], 'BK-1001', 'BN-77', 'Dana Example']) expect(await rowsNaming(needle)).toEqual({});

    // past searches keep rank and score, nothing that names the person; new searches do not find it
    const again = (await t.gql(analyst, `query($id: ID!) { search(id: $id) { candidates { rank subjectRef } removedCandidates { rank score reason } } }`, { id: before.id })).data.search;
    expect(again.removedCandidates.map((c: { reason: string }) => c.reason)).toEqual(['EXPUNGED', 'EXPUNGED']);
    expect(again.candidates.map((c: { subjectRef: string }) => c.subjectRef)).not.toContain('BK-1001');
    expect(again.candidates.length + again.removedCandidates.length).toBe(before.candidates.length);
    const fresh = await search();
    expect(fresh.candidates.map((c: { subjectRef: string }) => c.subjectRef)).not.toContain('BK-1001');

    // gone is gone: a second removal finds nothing
    const twice = await t.gql(admin, `mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectId } }`, { i: { subjectId: subjects['BK-1001'], reason: 'EXPUNGED' } });
    expect(twice.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('removes one photo: its template, crop and candidate rows; the subject keeps its other photo', async () => {
    const [first, second] = templates['BK-1002'];
    const r = await t.gql(admin, `mutation($i: RemovePhotoInput!) { removePhoto(input: $i) { subjectRemoved templateIds crops reason } }`, { i: { templateId: second, reason: 'DUPLICATE' } });
    expect(r.errors).toBeUndefined();
    expect(r.data.removePhoto).toEqual({ subjectRemoved: false, templateIds: [second], crops: 1, reason: 'DUPLICATE' });
    expect(await rowsNaming(second)).toEqual({});
    const left = (await t.gql(admin, `query($g: ID!) { subjects(galleryId: $g) { nodes { subjectRef templateCount } } }`, { g: galleryId })).data.subjects.nodes;
    expect(left).toContainEqual({ subjectRef: 'BK-1002', templateCount: 1 });
    const s = await search();
    expect(s.candidates.filter((c: { subjectRef: string }) => c.subjectRef === 'BK-1002').map((c: { templateId: string }) => c.templateId)).toEqual([first]);
    // the subject is still there: its check says so
    const proof = (await t.gql(admin, `query($s: ID!) { subjectRemnants(subjectId: $s) { removed clean tables { table rows } } }`, { s: subjects['BK-1002'] })).data.subjectRemnants;
    expect(proof.removed).toBe(false);
    expect(proof.clean).toBe(false);
    expect(proof.tables).toContainEqual({ table: 'face_templates', rows: 1 });
  });

  it('refuses a reason outside the vocabulary with a code, and audits it', async () => {
    const r = await t.gql(admin, `mutation { removeSubject(input: { subjectId: "${subjects['BK-1003']}", reason: FORGOTTEN }) { subjectId } }`);
    expect(r.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const missing = await t.gql(admin, `mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectId } }`, { i: { subjectId: '00000000-0000-4000-8000-000000000000', reason: 'ERROR' } });
    expect(missing.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(await lastEvent('SUBJECT_REMOVED')).toEqual(expect.objectContaining({ outcome: 'DENIED', reason: 'NOT_FOUND' }));
  });

  it('renames and archives a gallery (not searched, takes no enrollment) and brings it back, audited', async () => {
    const renamed = await t.gql(admin, `mutation($i: UpdateGalleryInput!) { updateGallery(input: $i) { name archivedAt } }`, { i: { galleryId, name: 'Bookings 2026' } });
    expect(renamed.data.updateGallery).toEqual({ name: 'Bookings 2026', archivedAt: null });
    const archived = await t.gql(admin, `mutation($i: UpdateGalleryInput!) { updateGallery(input: $i) { archivedAt } }`, { i: { galleryId, archived: true } });
    expect(archived.data.updateGallery.archivedAt).not.toBeNull();
    expect(await lastEvent('GALLERY_UPDATED')).toEqual(expect.objectContaining({ outcome: 'ALLOWED', details: expect.objectContaining({ archived: { from: false, to: true } }) }));

    const s = await search();
    expect(s.galleriesSearched).not.toContain(galleryId);
    expect(s.candidates).toEqual([]);
    const named = await t.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: await probe(), legalBasis: 'VICTIM_ID', caseNumber: 'R-1', galleryIds: [galleryId] } });
    expect(named.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(named.errors?.[0].message).toMatch(/archived/);
    const refused = await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId, subjectRef: 'BK-2000', imageBase64: b64(await bookingPhoto('BK-1003', true)) } });
    expect(refused.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].message).toMatch(/archived/);

    await t.gql(admin, `mutation($i: UpdateGalleryInput!) { updateGallery(input: $i) { archivedAt } }`, { i: { galleryId, archived: false } });
    expect((await search()).galleriesSearched).toContain(galleryId);

    const other = (await t.gql(admin, `mutation { createGallery(input: { name: "Warrants" }) { id } }`)).data.createGallery.id;
    const clash = await t.gql(admin, `mutation($i: UpdateGalleryInput!) { updateGallery(input: $i) { name } }`, { i: { galleryId: other, name: 'Bookings 2026' } });
    expect(clash.errors?.[0].extensions.code).toBe('CONFLICT');
  });

  it('finds subjects by booking number for a disposition feed', async () => {
    await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: subjects['BK-1003'], bookingNumber: 'BN-3' } });
    const byNumber = (await t.gql(admin, `{ subjectsByBookingNumber(bookingNumber: "BN-3") { id subjectRef } }`)).data.subjectsByBookingNumber;
    expect(byNumber).toEqual([{ id: subjects['BK-1003'], subjectRef: 'BK-1003' }]);
    const byRef = (await t.gql(admin, `{ subjectsByBookingNumber(bookingNumber: "BK-1003") { id } }`)).data.subjectsByBookingNumber;
    expect(byRef).toEqual([{ id: subjects['BK-1003'] }]);
    expect((await t.gql(analyst, `{ subjectsByBookingNumber(bookingNumber: "BN-3") { id } }`)).errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});
