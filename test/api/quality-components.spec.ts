import sharp from 'sharp';
import { boxInFrame } from '../../inference/quality';
import { Role } from '../../models/enums';
import { SAMPLE_GROUP } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// A face's image quality in the parts an examiner can act on: computed by the inference module from
// what it already sees, shown before a search (previewProbe) and on its response, and kept in the
// search's audit event. Real photos over real HTTP.

const COMPONENTS = 'interEyePx yawDeg pitchDeg rollDeg sharpness exposure clipped inFrame';
const PREVIEW = `query($i: PreviewProbeInput!) { previewProbe(input: $i) { faces { quality components { ${COMPONENTS} } } } }`;

/** The group photo's left person, cut with its left edge at `left` (300: the whole face; 460: part of it off the frame). */
const cut = (left: number, brightness = 1) => sharp(SAMPLE_GROUP).extract({ left, top: 180, width: 480, height: 560 }).modulate({ brightness }).jpeg().toBuffer();

describe('image quality in components', () => {
  let t: TestHub;
  let analyst: string;
  const preview = async (photo: Buffer) => {
    const r = await t.gql(analyst, PREVIEW, { i: { imageBase64: photo.toString('base64') } });
    expect(r.errors).toBeUndefined();
    return r.data.previewProbe.faces[0].components;
  };

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('metro-pd');
    analyst = (await t.principal('metro-pd', Role.AGENCY_ANALYST)).token;
  });
  afterAll(() => t?.close());

  it('measures each component on a whole, well-lit face', async () => {
    const c = await preview(await cut(300));
    expect(c.inFrame).toBe(1);
    expect(c.interEyePx).toBeGreaterThan(40);
    for (const angle of [c.yawDeg, c.pitchDeg, c.rollDeg]) expect(Math.abs(angle)).toBeLessThanOrEqual(90);
    // the same face leaning 20 degrees more leans about 20 degrees more
    const leaning = await preview(await sharp(await cut(300)).rotate(20, { background: '#808080' }).toBuffer());
    expect(Math.abs(Math.abs(leaning.rollDeg - c.rollDeg) - 20)).toBeLessThan(6);
    expect(c.sharpness).toBeGreaterThan(0);
    expect(c.exposure).toBeGreaterThan(0.2);
    expect(c.exposure).toBeLessThan(0.8);
    expect(c.clipped).toBeLessThan(0.05);
  });

  it('says how much of a face runs off the photo, and how dark a darkened copy is', async () => {
    const [whole, edge, dark] = [await preview(await cut(300)), await preview(await cut(460)), await preview(await cut(300, 0.35))];
    expect(edge.inFrame).toBeLessThan(0.95);
    expect(edge.inFrame).toBeGreaterThan(0.5);
    expect(dark.exposure).toBeLessThan(whole.exposure * 0.6);
  });

  it('returns the probe\'s components on the search and keeps them in its audit event', async () => {
    const photo = await cut(300);
    const r = await t.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id probeQualityComponents { ${COMPONENTS} } } }`, {
      i: { imageBase64: photo.toString('base64'), legalBasis: 'IMMINENT_THREAT', caseNumber: 'Q-1', minScore: -1 },
    });
    expect(r.errors).toBeUndefined();
    const c = r.data.searchFaces.probeQualityComponents;
    expect(c).toEqual(await preview(photo));
    const events = await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_events WHERE action = 'SEARCH' AND details->>'searchId' = $1`, [r.data.searchFaces.id]));
    expect(events[0].details.probeQualityComponents).toEqual(c);
    // later reads: not stored with the search
    expect((await t.gql(analyst, `query($id: ID!) { search(id: $id) { probeQualityComponents { inFrame } } }`, { id: r.data.searchFaces.id })).data?.search?.probeQualityComponents ?? null).toBeNull();
  });

  it('refuses a probe under the agency\'s REFUSE floors (LOW_QUALITY, nothing charged, audited), or searches it with the shortfalls under WARN', async () => {
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    const setFloors = (floors: Record<string, unknown> | null) =>
      t.gql(hubAdmin, `mutation($i: SetTenantPolicyInput!) { setTenantPolicy(input: $i) { qualityFloors { action minInFrame minInterEyePx } } }`, { i: { tenantSlug: 'metro-pd', qualityFloors: floors } });
    const search = async (photo: Buffer) =>
      t.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id qualityWarnings } }`, { i: { imageBase64: photo.toString('base64'), legalBasis: 'IMMINENT_THREAT', caseNumber: 'Q-2', minScore: -1 } });
    const used = async () => (await t.gql(analyst, '{ quota { used } }')).data.quota.used;
    // a floor no photo could meet is refused as input, naming the field
    const bad = await setFloors({ action: 'REFUSE', minExposure: 0.8, maxExposure: 0.2 });
    expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].message).toContain('minExposure');
    const set = await setFloors({ action: 'REFUSE', minInFrame: 0.95 });
    expect(set.errors).toBeUndefined();
    expect(set.data.setTenantPolicy.qualityFloors).toEqual({ action: 'REFUSE', minInFrame: 0.95, minInterEyePx: null });
    const before = await used();
    const refused = await search(await cut(460));
    expect(refused.errors?.[0].extensions.code).toBe('LOW_QUALITY');
    expect(refused.errors?.[0].message).toMatch(/share of the face in the photo 0\.\d+, under the floor of 0\.95/);
    expect(await used()).toBe(before);
    const [event] = await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query(`SELECT outcome, reason FROM audit_events WHERE action = 'SEARCH' AND case_number = 'Q-2' ORDER BY seq DESC LIMIT 1`));
    expect(event).toEqual({ outcome: 'FAILED', reason: 'LOW_QUALITY' });
    // the whole face passes the same floor
    const whole = await search(await cut(300));
    expect(whole.errors).toBeUndefined();
    expect(whole.data.searchFaces.qualityWarnings).toEqual([]);
    // WARN: searched and charged, the shortfall on the response and in the event
    await setFloors({ action: 'WARN', minInFrame: 0.95 });
    const warned = await search(await cut(460));
    expect(warned.errors).toBeUndefined();
    expect(warned.data.searchFaces.qualityWarnings).toHaveLength(1);
    expect(await used()).toBe(before + 2);
    const [recorded] = await t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) => tx.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_events WHERE action = 'SEARCH' AND details->>'searchId' = $1`, [warned.data.searchFaces.id]));
    expect(recorded.details.qualityWarnings).toEqual(warned.data.searchFaces.qualityWarnings);
    await setFloors(null);
  });

  it('boxInFrame: the share of a box inside the photo', () => {
    expect(boxInFrame({ x: 0, y: 0, width: 10, height: 10 }, 100, 100)).toBe(1);
    expect(boxInFrame({ x: -5, y: 0, width: 10, height: 10 }, 100, 100)).toBe(0.5);
    expect(boxInFrame({ x: 95, y: 95, width: 10, height: 10 }, 100, 100)).toBe(0.25);
    expect(boxInFrame({ x: 200, y: 0, width: 10, height: 10 }, 100, 100)).toBe(0);
  });
});
