import { createHash, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { Role } from '../../models/enums';
import type { Actor } from '../../tenants/shared/actor';
import { DomainError } from '../../tenants/shared/errors';
import { bookingPhoto, sampleImage } from '../support/fixtures';
import { startHub, uploadRequest, type TestHub } from '../support/hub';

// The enrolled faces of a search's candidates (Candidate.faceImage) and the probe preview
// (previewProbe), over real HTTP against a real hub, and the search service's own check beneath it:
// who gets a face, who is refused, what is audited.
const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { rank subjectRef faceImage } } }`;
const FACES = `query($id: ID!) { search(id: $id) { candidates { rank subjectRef faceImage } } }`;
const PREVIEW = `query($i: PreviewProbeInput!) { previewProbe(input: $i) { width height faces { quality box { x y width height } } } }`;

describe('candidate faces and the probe preview', () => {
  let t: TestHub;
  let hubAdmin: string;
  let riverAnalyst: { id: string; token: string };
  let searchId: string;

  const codes = (r: { errors?: { extensions: { code: string } }[] }) => [...new Set((r.errors ?? []).map((e) => e.extensions.code))];
  const facesViewed = async (id: string) =>
    (await t.gql(hubAdmin, `{ auditEvents(first: 200, action: "CANDIDATE_FACES_VIEWED") { nodes { outcome reason requestId principalId caseNumber details } } }`)).data.auditEvents.nodes.filter(
      (e: { details: { searchId?: string } }) => e.details.searchId === id,
    );

  beforeAll(async () => {
    t = await startHub();
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    await t.createTenant('river-pd');
    await t.createTenant('metro-pd');
    const riverAdmin = await t.token('river-pd', Role.AGENCY_ADMIN);
    const gallery = (await t.gql(riverAdmin, 'mutation { createGallery(input: { name: "Bookings" }) { id } }')).data.createGallery.id;
    for (const ref of ['BK-1001', 'BK-1002', 'BK-1003']) {
      const r = await t.gql(riverAdmin, 'mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }', { i: { galleryId: gallery, subjectRef: ref, imageBase64: (await bookingPhoto(ref)).toString('base64') } });
      expect(r.errors).toBeUndefined();
    }
    // river-pd lets metro-pd search its bookings for victims: a search, not its faces
    const shared = await t.gql(hubAdmin, `mutation($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, {
      i: { galleryId: gallery, granteeTenantSlug: 'metro-pd', legalBases: ['VICTIM_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    });
    expect(shared.errors).toBeUndefined();
    riverAnalyst = await t.principal('river-pd', Role.AGENCY_ANALYST);
    const r = await t.gql(riverAnalyst.token, SEARCH, { i: { imageBase64: (await bookingPhoto('BK-1002', true)).toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'R-7' } });
    expect(r.errors).toBeUndefined();
    searchId = r.data.searchFaces.id;
  }, 180_000);
  afterAll(() => t?.close());

  it('gives the searching analyst each candidate’s enrolled face as a JPEG data URL, and audits that it was shown', async () => {
    const r = await t.gql(riverAnalyst.token, FACES, { id: searchId });
    expect(r.errors).toBeUndefined();
    const [first] = r.data.search.candidates;
    expect(first.subjectRef).toBe('BK-1002');
    expect(first.faceImage).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/]+=*$/);
    const meta = await sharp(Buffer.from(first.faceImage.split(',')[1], 'base64')).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBeGreaterThan(50);
    const events = await facesViewed(searchId);
    // the searchFaces response asked for faces too: one event each time, ranks named
    expect(events.length).toBe(2);
    expect(events.every((e: { outcome: string; details: { ranks: number[] } }) => e.outcome === 'ALLOWED' && e.details.ranks.includes(1))).toBe(true);
  });

  it('gives them to a supervisor of the tenant, who may review the search', async () => {
    const supervisor = await t.principal('river-pd', Role.AGENCY_SUPERVISOR);
    const r = await t.gql(supervisor.token, FACES, { id: searchId });
    expect(r.errors).toBeUndefined();
    expect(r.data.search.candidates[0].faceImage).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('refuses every role that may not review the search, and another tenant sees no such search', async () => {
    const denied: [string, string, string][] = [
      ['another analyst of the tenant', (await t.principal('river-pd', Role.AGENCY_ANALYST)).token, 'FORBIDDEN'],
      ['the agency administrator', (await t.principal('river-pd', Role.AGENCY_ADMIN)).token, 'FORBIDDEN'],
      // the operator's roles, whose tenant is the hub's: an agency's search does not exist for them
      ['oversight', (await t.principal('hub', Role.OVERSIGHT_AUDITOR)).token, 'NOT_FOUND'],
      ['the hub administrator', hubAdmin, 'NOT_FOUND'],
      ['a supervisor of the agency it shares a gallery with', (await t.principal('metro-pd', Role.AGENCY_SUPERVISOR)).token, 'NOT_FOUND'],
    ];
    for (const [who, token, code] of denied) {
      const r = await t.gql(token, FACES, { id: searchId });
      expect([who, r.data?.search ?? null, codes(r)]).toEqual([who, null, [code]]);
      // through federation's entity lookup too
      const e = await t.gql(token, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Search { candidates { faceImage } } } }`, { r: [{ __typename: 'Search', id: searchId }] });
      expect([who, JSON.stringify(e).includes('data:image'), codes(e)]).toEqual([who, false, [code]]);
    }
  });

  it('shows no face of a gallery shared for searching only: the grantee gets the candidate, not the face', async () => {
    const metroAnalyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const r = await t.gql(metroAnalyst.token, SEARCH, { i: { imageBase64: (await bookingPhoto('BK-1003', true)).toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'M-3' } });
    expect(r.errors).toBeUndefined();
    const [first] = r.data.searchFaces.candidates;
    expect(first).toMatchObject({ subjectRef: 'BK-1003', faceImage: null });
  });

  it('previewProbe outlines the face a search would use without searching or spending quota, and audits each photo it processed', async () => {
    const before = {
      quota: (await t.gql(riverAnalyst.token, '{ quota { used } }')).data.quota.used,
      events: (await t.gql(hubAdmin, '{ auditEvents(first: 1) { nodes { seq } } }')).data.auditEvents.nodes[0].seq,
    };
    const photo = await bookingPhoto('BK-1001');
    const r = await t.gql(riverAnalyst.token, PREVIEW, { i: { imageBase64: photo.toString('base64') } });
    expect(r.errors).toBeUndefined();
    const { width, height, faces } = r.data.previewProbe;
    expect([width, height]).toEqual([480, 560]);
    expect(faces).toHaveLength(1);
    const { box } = faces[0];
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    expect(box.width).toBeGreaterThan(width / 5);
    // the group photo: the same face choice as a search, which refuses or picks the same face
    const group = sampleImage(1);
    const preview = await t.gql(riverAnalyst.token, PREVIEW, { i: { imageBase64: group.toString('base64') } });
    const search = await t.gql(riverAnalyst.token, SEARCH, { i: { imageBase64: group.toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'R-8' } });
    expect(codes(preview)).toEqual(codes(search));
    // a preview is not a search: no quota spent for it
    expect((await t.gql(riverAnalyst.token, '{ quota { used } }')).data.quota.used).toBe(before.quota + (search.errors ? 0 : 1));
    const after = (await t.gql(hubAdmin, '{ auditEvents(first: 20) { nodes { seq action outcome reason principalId probeSha256 details } } }')).data.auditEvents.nodes;
    const since = after.filter((e: { seq: number }) => e.seq > before.events).reverse();
    // only the two previews, the search (and the hub admin's own audit reads)
    expect(since.filter((e: { action: string }) => !['AUDIT_READ', 'SEARCH', 'PROBE_PREVIEWED'].includes(e.action))).toEqual([]);
    const previews = since.filter((e: { action: string }) => e.action === 'PROBE_PREVIEWED');
    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(previews).toEqual([
      expect.objectContaining({ outcome: 'ALLOWED', reason: null, principalId: riverAnalyst.id, probeSha256: sha256(photo), details: expect.objectContaining({ bytes: photo.length, facesFound: 1, width: 480, height: 560 }) }),
      preview.errors
        ? expect.objectContaining({ outcome: expect.stringMatching(/^(DENIED|FAILED)$/), reason: codes(preview)[0], probeSha256: sha256(group), details: { bytes: group.length } })
        : expect.objectContaining({ outcome: 'ALLOWED', probeSha256: sha256(group), details: expect.objectContaining({ bytes: group.length, facesFound: 1 }) }),
    ]);
  }, 60_000);

  it('previewProbe has the same access check as a search and refuses a bad photo with the engine’s code', async () => {
    // usage statistics count searches and their denials: a preview, allowed or refused, is not one
    const stats = async () => (await t.gql(hubAdmin, `{ usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [TENANT, DENIAL_REASON], tenantSlug: "river-pd") { rows { denialReason searches denials candidates reviews } } }`)).data.usageStatistics.rows;
    const statsBefore = await stats();
    const photo = (await bookingPhoto('BK-1001')).toString('base64');
    const uncertified = await t.principal('river-pd', Role.AGENCY_ANALYST, { certifiedUntil: null });
    expect(codes(await t.gql(uncertified.token, PREVIEW, { i: { imageBase64: photo } }))).toEqual(['CERTIFICATION_REQUIRED']);
    const supervisor = await t.principal('river-pd', Role.AGENCY_SUPERVISOR);
    expect(codes(await t.gql(supervisor.token, PREVIEW, { i: { imageBase64: photo } }))).toEqual(['FORBIDDEN']);
    const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#888' } }).jpeg().toBuffer();
    expect(codes(await t.gql(riverAnalyst.token, PREVIEW, { i: { imageBase64: blank.toString('base64') } }))).toEqual(['NO_FACE_FOUND']);
    const huge = await sharp({ create: { width: 8200, height: 6200, channels: 3, background: '#888' } }).jpeg({ quality: 50 }).toBuffer();
    const tooLarge = await t.gql(riverAnalyst.token, PREVIEW, { i: { imageBase64: huge.toString('base64') } });
    expect(codes(tooLarge)).toEqual(['IMAGE_TOO_LARGE']);
    expect(tooLarge.errors![0].message).toMatch(/50\.8 MP\); the limit is 50 MP/);
    expect(codes(await t.gql(riverAnalyst.token, PREVIEW, { i: { imageBase64: Buffer.from('not a photo').toString('base64') } }))).toEqual(['UNSUPPORTED_IMAGE']);
    // a multipart upload, as searchFaces takes one; and the hub keeps serving
    const res = await uploadRequest(t.url, riverAnalyst.token, `query($input: PreviewProbeInput!) { previewProbe(input: $input) { width height } }`, {}, await bookingPhoto('BK-1003'));
    expect(res).toEqual({ data: { previewProbe: { width: 560, height: 560 } } });
    // every refusal audited once, with its code: the uncertified analyst's, the supervisor's, the engine's
    const refused = (await t.gql(hubAdmin, `{ auditEvents(first: 40, action: "PROBE_PREVIEWED") { nodes { outcome reason principalId probeSha256 } } }`)).data.auditEvents.nodes;
    const reasonsOf = (id: string) => refused.filter((e: { principalId: string }) => e.principalId === id).map((e: { reason: string | null }) => e.reason);
    expect(reasonsOf(uncertified.id)).toEqual(['CERTIFICATION_REQUIRED']);
    expect(reasonsOf(supervisor.id)).toEqual(['FORBIDDEN']);
    expect(reasonsOf(riverAnalyst.id).slice(0, 4)).toEqual([null, 'UNSUPPORTED_IMAGE', 'IMAGE_TOO_LARGE', 'NO_FACE_FOUND']);
    expect(refused.find((e: { reason: string }) => e.reason === 'NO_FACE_FOUND').probeSha256).toBe(createHash('sha256').update(blank).digest('hex'));
    expect(await stats()).toEqual(statsBefore);
  }, 60_000);

  describe('the search service’s own check (beneath the API, where a Search is already refused to whoever may not read it)', () => {
    let tenantId: string;
    let several: { id: string; candidates: number };
    const actorOf = (principal: { id: string }, role: Role, over: Partial<Actor> = {}): Actor => ({
      requestId: `faces-${randomUUID()}`, tenantId, tenantSlug: 'river-pd', isOperator: false, principalId: principal.id, role, certifiedUntil: new Date('2099-01-01T00:00:00Z'), tenantSuspended: false, ...over,
    });

    beforeAll(async () => {
      tenantId = (await t.gql(hubAdmin, '{ tenants { id slug } }')).data.tenants.find((x: { slug: string }) => x.slug === 'river-pd').id;
      // every enrolled booking a candidate: a search with several of them
      const r = await t.gql(riverAnalyst.token, SEARCH, { i: { imageBase64: (await bookingPhoto('BK-1001', true)).toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'R-9', minScore: -1 } });
      expect(r.errors).toBeUndefined();
      several = { id: r.data.searchFaces.id, candidates: r.data.searchFaces.candidates.length };
      expect(several.candidates).toBeGreaterThanOrEqual(3);
    }, 60_000);

    // No role may read a search it may not review (the analyst its own, a supervisor the tenant's): the
    // callers refused here are of the search's tenant and may not review it, certified or not.
    it('refuses with FORBIDDEN whoever of the tenant may not review the search, in one audit event however many candidates ask', async () => {
      const others: [string, Actor][] = [
        ['another analyst of the tenant', actorOf(await t.principal('river-pd', Role.AGENCY_ANALYST), Role.AGENCY_ANALYST)],
        ['an uncertified analyst of the tenant', actorOf(await t.principal('river-pd', Role.AGENCY_ANALYST, { certifiedUntil: null }), Role.AGENCY_ANALYST, { certifiedUntil: null })],
        ['the agency administrator', actorOf(await t.principal('river-pd', Role.AGENCY_ADMIN), Role.AGENCY_ADMIN, { certifiedUntil: null })],
      ];
      for (const [who, actor] of others) {
        // as the candidates' faceImage fields ask: the search once per candidate
        const faces = await t.hub.services.searches.candidateFaces(actor, Array.from({ length: several.candidates }, () => several.id));
        const refusal = faces.get(several.id);
        expect([who, refusal instanceof DomainError ? refusal.code : 'faces shown']).toEqual([who, 'FORBIDDEN']);
        const events = (await facesViewed(several.id)).filter((e: { principalId: string }) => e.principalId === actor.principalId);
        expect([who, events]).toEqual([who, [expect.objectContaining({ outcome: 'DENIED', reason: 'FORBIDDEN', caseNumber: 'R-9', details: { searchId: several.id } })]]);
      }
    });

    it('another tenant’s caller finds no such search (NOT_FOUND, audited once); the searching analyst gets the faces, audited once', async () => {
      const metroId = (await t.gql(hubAdmin, '{ tenants { id slug } }')).data.tenants.find((x: { slug: string }) => x.slug === 'metro-pd').id;
      const metro = actorOf(await t.principal('metro-pd', Role.AGENCY_SUPERVISOR), Role.AGENCY_SUPERVISOR, { tenantId: metroId, tenantSlug: 'metro-pd' });
      const asked = Array.from({ length: several.candidates }, () => several.id);
      const refusal = (await t.hub.services.searches.candidateFaces(metro, asked)).get(several.id);
      expect(refusal instanceof DomainError && refusal.code).toBe('NOT_FOUND');
      const owner = actorOf(riverAnalyst, Role.AGENCY_ANALYST);
      const shown = (await t.hub.services.searches.candidateFaces(owner, asked)).get(several.id);
      expect(shown instanceof Map && [...shown.keys()].sort()).toEqual(Array.from({ length: several.candidates }, (_, i) => i + 1));
      const events = await facesViewed(several.id);
      expect(events.filter((e: { principalId: string }) => e.principalId === metro.principalId)).toEqual([expect.objectContaining({ outcome: 'DENIED', reason: 'NOT_FOUND', caseNumber: null })]);
      // (the searchFaces response in beforeAll asked for faces too: this call's own event is by its request id)
      expect(events.filter((e: { requestId: string }) => e.requestId === owner.requestId)).toEqual([expect.objectContaining({ outcome: 'ALLOWED', details: { searchId: several.id, ranks: Array.from({ length: several.candidates }, (_, i) => i + 1) } })]);
    });

    it('a failure beneath the check (the crops table gone) is audited as FAILED, once for the call, and nothing is shown', async () => {
      const owner = actorOf(riverAnalyst, Role.AGENCY_ANALYST);
      await t.hub.database.db.query(`ALTER TABLE face_crops RENAME TO face_crops_away`);
      try {
        await expect(t.hub.services.searches.candidateFaces(owner, [several.id, several.id])).rejects.toThrow(/face_crops/);
      } finally {
        await t.hub.database.db.query(`ALTER TABLE face_crops_away RENAME TO face_crops`);
      }
      const all = (await t.gql(hubAdmin, `{ auditEvents(first: 200, action: "CANDIDATE_FACES_VIEWED") { nodes { outcome requestId details } } }`)).data.auditEvents.nodes;
      expect(all.filter((e: { requestId: string }) => e.requestId === owner.requestId)).toEqual([{ outcome: 'FAILED', requestId: owner.requestId, details: { searchIds: [several.id] } }]);
    });
  });
});
