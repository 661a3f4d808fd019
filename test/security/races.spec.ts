import { randomUUID } from 'node:crypto';
import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { classify } from '../../tenants/shared/errors';

// Concurrent requests racing for one decision: exactly one is recorded, the rest are told CONFLICT.
// On PostgreSQL the requests really overlap; on PGlite (one connection) they queue, and the same holds.
const SEARCH = `mutation($input: SearchFacesInput!) { searchFaces(input: $input) { id candidates { rank } } }`;
const REVIEW = `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { reviewStatus } }`;
const APPROVE = `mutation($id: ID!) { approveExigentSearch(searchId: $id) { approvedAt } }`;
const CONTENDERS = 8;

describe('review and approval races', () => {
  let t: TestHub;
  let hubAdmin: string;
  let analyst: { id: string; token: string };
  let supervisors: { id: string; token: string }[];
  let image: string;
  const codeOf = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0].extensions.code;
  const search = async (legalBasis: string, caseNumber: string) => {
    const r = await t.gql(analyst.token, SEARCH, { input: { imageBase64: image, legalBasis, caseNumber, minScore: -1 } });
    expect(r.errors).toBeUndefined();
    return r.data.searchFaces.id as string;
  };
  const eventsOf = async (action: string, searchId: string) => {
    const r = await t.gql(hubAdmin, `query($a: String) { auditEvents(action: $a, first: 100) { nodes { outcome reason details } } }`, { a: action });
    return (r.data.auditEvents.nodes as { outcome: string; reason: string | null; details: Record<string, unknown> }[]).filter((e) => e.details.searchId === searchId);
  };

  beforeAll(async () => {
    t = await startHub();
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    image = (await portrait()).toString('base64');
    await t.createTenant('race-pd');
    analyst = await t.principal('race-pd', Role.AGENCY_ANALYST);
    supervisors = [];
    for (let i = 0; i < CONTENDERS; i++) supervisors.push(await t.principal('race-pd', Role.AGENCY_SUPERVISOR, { name: `supervisor ${i}` }));
    const admin = await t.token('race-pd', Role.AGENCY_ADMIN);
    const gallery = (await t.gql(admin, `mutation { createGallery(input: { name: "Race bookings" }) { id } }`)).data.createGallery.id;
    const enrolled = await t.gql(admin, `mutation($input: EnrollFaceInput!) { enrollFace(input: $input) { templateId } }`, { input: { galleryId: gallery, subjectRef: 'R-1', imageBase64: image } });
    expect(enrolled.errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  it(`${CONTENDERS} concurrent second reviews: exactly one is final, the others CONFLICT, one final audit event`, async () => {
    const id = await search('VICTIM_ID', 'RACE-1');
    const input = { searchId: id, outcome: 'POSSIBLE_LEAD', decisions: [{ rank: 1, decision: 'POSSIBLE_MATCH' }] };
    expect((await t.gql(analyst.token, REVIEW, { i: input })).data.reviewSearch.reviewStatus).toBe('AWAITING_SECOND_REVIEW');

    const results = await Promise.all(supervisors.map((s) => t.gql(s.token, REVIEW, { i: input })));
    const won = results.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    expect(won[0].data.reviewSearch.reviewStatus).toBe('REVIEWED');
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(Array(CONTENDERS - 1).fill('CONFLICT'));

    const reviews = await t.gql(analyst.token, `query($id: ID!) { search(id: $id) { reviewStatus reviews { reviewerId } } }`, { id });
    expect(reviews.data.search.reviewStatus).toBe('REVIEWED');
    expect(reviews.data.search.reviews).toHaveLength(2);
    const events = await eventsOf('SEARCH_REVIEW', id);
    expect(events.filter((e) => e.details.final === true)).toHaveLength(1);
    expect(events.filter((e) => e.reason === 'CONFLICT')).toHaveLength(CONTENDERS - 1);
  });

  it(`${CONTENDERS} concurrent first reviews: each status step is taken once, the others CONFLICT`, async () => {
    const id = await search('VICTIM_ID', 'RACE-2');
    const input = { searchId: id, outcome: 'POSSIBLE_LEAD', decisions: [{ rank: 1, decision: 'POSSIBLE_MATCH' }] };
    const results = await Promise.all(supervisors.map((s) => t.gql(s.token, REVIEW, { i: input })));
    // a request that starts after the first review committed is a legitimate second review
    const steps = results.filter((r) => !r.errors);
    expect([1, 2]).toContain(steps.length);
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(Array(CONTENDERS - steps.length).fill('CONFLICT'));
    const stored = await t.gql(analyst.token, `query($id: ID!) { search(id: $id) { reviews { reviewerId } } }`, { id });
    expect(stored.data.search.reviews).toHaveLength(steps.length);
    const events = await eventsOf('SEARCH_REVIEW', id);
    expect(events.filter((e) => e.outcome === 'POSSIBLE_LEAD')).toHaveLength(steps.length);
    expect(events.filter((e) => e.details.final === true)).toHaveLength(steps.length - 1);
  });

  it(`${CONTENDERS} concurrent approvals of one exigent search: one succeeds, one EXIGENT_APPROVED event`, async () => {
    const id = await search('IMMINENT_THREAT', 'RACE-3');
    const results = await Promise.all(supervisors.map((s) => t.gql(s.token, APPROVE, { id })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(Array(CONTENDERS - 1).fill('CONFLICT'));
    const events = await eventsOf('EXIGENT_APPROVED', id);
    expect(events.filter((e) => e.outcome === 'ALLOWED')).toHaveLength(1);
    expect(events.filter((e) => e.reason === 'CONFLICT')).toHaveLength(CONTENDERS - 1);
  });

  it('the database itself refuses a second review of one search by the same reviewer', async () => {
    const id = await search('VICTIM_ID', 'RACE-4');
    const db = t.hub.database.db;
    const [{ tenant_id: tenantId }] = await db.query(`SELECT tenant_id FROM searches WHERE id = $1`, [id]);
    const insert = () =>
      db.query(`INSERT INTO search_reviews (id, tenant_id, search_id, reviewer_id, outcome, decisions) VALUES ($1, $2, $3, $4, 'NO_LEAD', '[]')`, [randomUUID(), tenantId, id, analyst.id]);
    await insert();
    const duplicate = await insert().then(() => undefined, (e: unknown) => e);
    expect(duplicate).toMatchObject({ code: '23505' });
    // and the one error map tells the caller what happened, not that "a name is taken"
    expect(classify(duplicate)).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/reviewed this search already/) });
  });
});
