import { Role } from '../../models/enums';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// Another tenant's ids on every operation that changes people or records: NOT_FOUND (missing and
// forbidden look the same), audited as DENIED, and nothing changed. A gallery shared for searching
// shows its subjects' references, never their details, and its records stay its owner's to change.
describe('people and records across tenants', () => {
  let t: TestHub;
  let hubAdmin: string;
  const own: Record<string, { admin: string; analyst: { id: string; token: string }; galleryId: string; subjectId: string; templateId: string }> = {};

  const code = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0]?.extensions.code;
  const lastEvent = async (action: string) =>
    (await t.gql(hubAdmin, `query($a: String) { auditEvents(first: 1, action: $a) { nodes { outcome reason tenantId } } }`, { a: action })).data.auditEvents.nodes[0];
  const subjectOf = async (slug: string) =>
    (await t.gql(own[slug].admin, `query($g: ID!) { subjects(galleryId: $g) { nodes { id name templateCount } } }`, { g: own[slug].galleryId })).data.subjects.nodes[0];

  beforeAll(async () => {
    t = await startHub();
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    for (const [slug, ref] of [['metro-pd', 'BK-1001'], ['river-pd', 'BK-1002']]) {
      await t.createTenant(slug);
      const admin = (await t.principal(slug, Role.AGENCY_ADMIN)).token;
      const analyst = await t.principal(slug, Role.AGENCY_ANALYST);
      const galleryId = (await t.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
      const e = (await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId subjectId } }`, { i: { galleryId, subjectRef: ref, imageBase64: (await bookingPhoto(ref)).toString('base64') } })).data.enrollFace;
      await t.gql(admin, `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, { i: { subjectId: e.subjectId, name: `${slug} person`, charges: 'secret' } });
      own[slug] = { admin, analyst, galleryId, subjectId: e.subjectId, templateId: e.templateId };
    }
  });
  afterAll(() => t?.close());

  const attacks: [string, string, (x: typeof own[string]) => Record<string, unknown>][] = [
    ['updateSubject', `mutation($i: UpdateSubjectInput!) { updateSubject(input: $i) { id } }`, (x) => ({ i: { subjectId: x.subjectId, name: 'changed' } })],
    ['removeSubject', `mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { subjectId } }`, (x) => ({ i: { subjectId: x.subjectId, reason: 'EXPUNGED' } })],
    ['removePhoto', `mutation($i: RemovePhotoInput!) { removePhoto(input: $i) { subjectId } }`, (x) => ({ i: { templateId: x.templateId, reason: 'ERROR' } })],
    ['updateGallery', `mutation($i: UpdateGalleryInput!) { updateGallery(input: $i) { id } }`, (x) => ({ i: { galleryId: x.galleryId, archived: true } })],
    ['subjectRemnants', `query($s: ID!) { subjectRemnants(subjectId: $s) { clean } }`, (x) => ({ s: x.subjectId })],
    ['updatePrincipal', `mutation($i: UpdatePrincipalInput!) { updatePrincipal(input: $i) { id } }`, (x) => ({ i: { principalId: x.analyst.id, certifiedUntil: null } })],
    ['principalHistory', `query($p: ID!) { principalHistory(principalId: $p) { nodes { seq } } }`, (x) => ({ p: x.analyst.id })],
  ];
  const ACTION: Record<string, string> = {
    updateSubject: 'SUBJECT_UPDATED', removeSubject: 'SUBJECT_REMOVED', removePhoto: 'PHOTO_REMOVED', updateGallery: 'GALLERY_UPDATED',
    subjectRemnants: 'SUBJECT_REMNANTS_CHECKED', updatePrincipal: 'PRINCIPAL_UPDATED', principalHistory: 'AUDIT_READ',
  };

  it.each(attacks)('%s with another tenant’s id is NOT_FOUND, audited as denied, and changes nothing', async (op, query, vars) => {
    const r = await t.gql(own['metro-pd'].admin, query, vars(own['river-pd']));
    expect(code(r)).toBe('NOT_FOUND');
    expect(r.data?.[op] ?? null).toBeNull();
    expect(await lastEvent(ACTION[op])).toEqual(expect.objectContaining({ outcome: 'DENIED', reason: 'NOT_FOUND' }));
    expect(await subjectOf('river-pd')).toEqual({ id: own['river-pd'].subjectId, name: 'river-pd person', templateCount: 1 });
    const g = (await t.gql(own['river-pd'].admin, `query($g: ID!) { gallery(id: $g) { archivedAt } }`, { g: own['river-pd'].galleryId })).data.gallery;
    expect(g.archivedAt).toBeNull();
    const p = (await t.gql(own['river-pd'].admin, `{ principals { id certifiedUntil } }`)).data.principals.find((x: { id: string }) => x.id === own['river-pd'].analyst.id);
    expect(p.certifiedUntil).not.toBeNull();
  });

  it.each(attacks.filter(([op]) => !/principal/i.test(op)))('%s by the operator’s HUB_ADMIN on an agency’s records is NOT_FOUND: an agency’s records are its own to change', async (op, query, vars) => {
    expect(code(await t.gql(hubAdmin, query, vars(own['river-pd'])))).toBe('NOT_FOUND');
    expect(await subjectOf('river-pd')).toEqual(expect.objectContaining({ templateCount: 1 }));
  });

  it('a gallery shared for searching shows the grantee its subjects’ references, never their details; the grantee cannot change them', async () => {
    const agreement = await t.gql(hubAdmin, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
      i: { galleryId: own['river-pd'].galleryId, granteeTenantSlug: 'metro-pd', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    });
    expect(agreement.errors).toBeUndefined();
    const s = await t.gql(own['metro-pd'].analyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { candidates { subjectRef galleryId subject { subjectRef name charges detailsVisible } } } }`, {
      i: { imageBase64: (await bookingPhoto('BK-1002', true)).toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'S-1', minScore: -1 },
    });
    expect(s.errors).toBeUndefined();
    const shared = s.data.searchFaces.candidates.find((c: { galleryId: string }) => c.galleryId === own['river-pd'].galleryId);
    expect(shared.subject).toEqual({ subjectRef: 'BK-1002', name: null, charges: null, detailsVisible: false });
    const mine = s.data.searchFaces.candidates.find((c: { galleryId: string }) => c.galleryId === own['metro-pd'].galleryId);
    expect(mine.subject).toEqual({ subjectRef: 'BK-1001', name: 'metro-pd person', charges: 'secret', detailsVisible: true });
    // seen through sharing is still not the grantee's to change
    for (const [, query, vars] of attacks.slice(0, 5)) expect(code(await t.gql(own['metro-pd'].admin, query, vars(own['river-pd'])))).toBe('NOT_FOUND');
    expect(await subjectOf('river-pd')).toEqual(expect.objectContaining({ templateCount: 1, name: 'river-pd person' }));
  });

  it('the owner’s removal reaches the grantee’s past searches of the shared gallery', async () => {
    const r = await t.gql(own['river-pd'].admin, `mutation($i: RemoveSubjectInput!) { removeSubject(input: $i) { candidateRows searches } }`, { i: { subjectId: own['river-pd'].subjectId, reason: 'DISMISSED' } });
    expect(r.errors).toBeUndefined();
    expect(r.data.removeSubject.candidateRows).toBeGreaterThanOrEqual(1);
    const proof = (await t.gql(own['river-pd'].admin, `query($s: ID!) { subjectRemnants(subjectId: $s) { clean } }`, { s: own['river-pd'].subjectId })).data.subjectRemnants;
    expect(proof.clean).toBe(true);
    const page = (await t.gql(own['metro-pd'].analyst.token, `{ searches(first: 5) { nodes { candidates { subjectRef } removedCandidates { reason } } } }`)).data.searches.nodes;
    expect(page.flatMap((s: { removedCandidates: { reason: string }[] }) => s.removedCandidates.map((c) => c.reason))).toContain('DISMISSED');
    expect(JSON.stringify(page)).not.toContain('BK-1002');
  });
});
