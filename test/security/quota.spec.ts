import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// Dodging the quota: aliases, array batches, concurrent bursts. Successes equal the limit exactly,
// every charged search returns its candidates to the caller, and every attempt is audited.
const LIMIT = 3;
const FIELDS = `id candidates { rank subjectRef }`;
const SEARCH = `mutation($input: SearchFacesInput!) { searchFaces(input: $input) { ${FIELDS} } }`;

type Result = { data?: any; errors?: { message: string; extensions: { code: string } }[] };

describe('quota dodging', () => {
  let t: TestHub;
  let hubAdmin: string;
  let image: string;
  const input = () => ({ imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'Q-1', minScore: -1 });

  /** A tenant with one enrolled face and a monthly quota of LIMIT; its analyst's token and its id. */
  const tenantWithQuota = async (slug: string) => {
    await t.createTenant(slug);
    const admin = await t.token(slug, Role.AGENCY_ADMIN);
    const gallery = (await t.gql(admin, `mutation { createGallery(input: { name: "bookings" }) { id } }`)).data.createGallery.id;
    expect((await t.gql(admin, `mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId } }`, { input: { galleryId: gallery, subjectRef: `${slug}-1`, imageBase64: image } })).errors).toBeUndefined();
    const set = await t.gql(hubAdmin, `mutation($i: SetQuotaInput!) { setQuota(input: $i) { limit used } }`, { i: { tenantSlug: slug, period: 'MONTH', limit: LIMIT } });
    expect(set.data.setQuota).toEqual({ limit: LIMIT, used: 0 });
    const tenants = (await t.gql(hubAdmin, `{ tenants { id slug } }`)).data.tenants as { id: string; slug: string }[];
    return { analyst: (await t.principal(slug, Role.AGENCY_ANALYST)).token, tenantId: tenants.find((x) => x.slug === slug)!.id, slug };
  };
  const usedBy = async (slug: string) => (await t.gql(hubAdmin, `query($s: String) { quota(tenantSlug: $s) { used } }`, { s: slug })).data.quota.used as number;
  /** Every SEARCH event of a tenant, following the pages (newest first). */
  const searchEvents = async (tenantId: string) => {
    const events: { outcome: string; reason: string | null }[] = [];
    let after: string | null = null;
    do {
      const r: Result = await t.gql(hubAdmin, `query($t: ID, $after: String) { auditEvents(action: "SEARCH", tenantId: $t, first: 100, after: $after) { nodes { outcome reason } pageInfo { endCursor hasNextPage } } }`, { t: tenantId, after });
      expect(r.errors).toBeUndefined();
      events.push(...r.data.auditEvents.nodes);
      after = r.data.auditEvents.pageInfo.hasNextPage ? r.data.auditEvents.pageInfo.endCursor : null;
    } while (after);
    return events;
  };
  const expectAudited = async (tenantId: string, attempts: number, allowed: number) => {
    const events = await searchEvents(tenantId);
    expect(events).toHaveLength(attempts);
    expect(events.filter((e) => e.outcome === 'ALLOWED')).toHaveLength(allowed);
    expect(events.filter((e) => e.outcome === 'DENIED' && e.reason === 'QUOTA_EXCEEDED')).toHaveLength(attempts - allowed);
  };

  beforeAll(async () => {
    t = await startHub();
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    image = (await portrait()).toString('base64');
  });
  afterAll(() => t?.close());

  it('aliases: several searches in one operation are refused before any runs; one at a time, exactly the limit succeeds', async () => {
    const { analyst, tenantId, slug } = await tenantWithQuota('alias-pd');
    const aliased = `mutation($input: SearchFacesInput!) { ${Array.from({ length: 2 * LIMIT }, (_, i) => `s${i}: searchFaces(input: $input) { ${FIELDS} }`).join(' ')} }`;
    const r = await t.gql(analyst, aliased, { input: input() });
    expect(r.data).toBeUndefined();
    expect(r.errors!.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(r.errors![0].message).toMatch(/searchFaces must be the only field of its operation/);
    // a search beside another mutation could be lost too when its sibling fails
    const beside = await t.gql(analyst, `mutation($input: SearchFacesInput!) { searchFaces(input: $input) { ${FIELDS} } ...G } fragment G on Mutation { createGallery(input: { name: "x" }) { id } }`, { input: input() });
    expect(beside.errors!.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await usedBy(slug)).toBe(0);
    await expectAudited(tenantId, 0, 0);

    const results: Result[] = [];
    for (let i = 0; i < 2 * LIMIT; i++) results.push(await t.gql(analyst, SEARCH, { input: input() }));
    expect(results.filter((x) => !x.errors)).toHaveLength(LIMIT);
    for (const ok of results.filter((x) => !x.errors)) expect(ok.data.searchFaces.candidates[0]).toEqual({ rank: 1, subjectRef: 'alias-pd-1' });
    expect(results.filter((x) => x.errors).map((x) => x.errors![0].extensions.code)).toEqual(Array(LIMIT).fill('QUOTA_EXCEEDED'));
    expect(await usedBy(slug)).toBe(LIMIT);
    await expectAudited(tenantId, 2 * LIMIT, LIMIT);
  });

  it('array batches: an HTTP array of operations is refused with a JSON error, nothing runs', async () => {
    const { analyst, tenantId, slug } = await tenantWithQuota('batch-pd');
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${analyst}` },
      body: JSON.stringify(Array.from({ length: 2 * LIMIT }, () => ({ query: SEARCH, variables: { input: input() } }))),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/json/);
    const body = (await res.json()) as Result;
    expect(Array.isArray(body)).toBe(false);
    expect(body.errors![0].extensions.code).toBe('BAD_REQUEST');
    expect(body.errors![0].message).toMatch(/batching/i);
    expect(await usedBy(slug)).toBe(0);
    await expectAudited(tenantId, 0, 0);
  });

  it(`concurrent bursts: ${3 * LIMIT} searches at once, exactly ${LIMIT} succeed, each with its candidates, all audited`, async () => {
    const { analyst, tenantId, slug } = await tenantWithQuota('burst-pd');
    const results = await Promise.all(Array.from({ length: 3 * LIMIT }, () => t.gql(analyst, SEARCH, { input: input() })));
    const ok = results.filter((x) => !x.errors);
    expect(ok).toHaveLength(LIMIT);
    for (const x of ok) expect(x.data.searchFaces.candidates[0]).toEqual({ rank: 1, subjectRef: 'burst-pd-1' });
    expect(new Set(ok.map((x) => x.data.searchFaces.id)).size).toBe(LIMIT);
    expect(results.filter((x) => x.errors).map((x) => x.errors![0].extensions.code)).toEqual(Array(2 * LIMIT).fill('QUOTA_EXCEEDED'));
    expect(await usedBy(slug)).toBe(LIMIT);
    await expectAudited(tenantId, 3 * LIMIT, LIMIT);
  });
});
