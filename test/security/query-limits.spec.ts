import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// Queries built to exhaust the server are refused in validation, before any token is looked at,
// with QUERY_TOO_COMPLEX as the code the caller sees.
const codes = (r: { errors?: { extensions: { code: string } }[] }) => (r.errors ?? []).map((e) => e.extensions.code);

/** F1 { ...F2 ...F2 }, F2 { ...F3 ...F3 } …: 2^(levels-1) copies of the last fragment once expanded. */
function fragmentBomb(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) =>
    i + 1 < levels ? `fragment F${i + 1} on Query { ...F${i + 2} ...F${i + 2} }` : `fragment F${i + 1} on Query { __typename }`,
  );
  return `query Bomb { ...F1 }\n${fragments.join('\n')}`;
}

describe('query limits (depth, aliases, cost) as an attacker meets them', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startHub();
  });
  afterAll(() => t?.close());

  it('refuses a fragment bomb of 25 levels with QUERY_TOO_COMPLEX, without a token', async () => {
    const started = performance.now();
    const r = await t.gql(null, fragmentBomb(25));
    console.log(`fragment bomb, 25 levels: answered in ${(performance.now() - started).toFixed(0)} ms`);
    expect(r.data).toBeUndefined();
    expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(r.errors![0].message).toMatch(/would cost 16777216 .*limit is 10000/);
  });

  it('refuses a query deeper than 12 levels', async () => {
    const deep = `{ __schema { types { fields { type { ${'ofType { '.repeat(10)}name${' }'.repeat(10)} } } } } }`;
    const r = await t.gql(null, deep);
    expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(r.errors![0].message).toMatch(/15 levels deep; the limit is 12/);
  });

  it('refuses more than 30 aliases, also when they come from a fragment spread several times', async () => {
    const many = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me { role }`).join(' ')} }`;
    const r = await t.gql(null, many);
    expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(r.errors![0].message).toMatch(/31 aliases; the limit is 30/);

    const spread = `query { ...A ...A ...A ...A } fragment A on Query { ${Array.from({ length: 10 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const s = await t.gql(null, spread);
    expect(codes(s)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(s.errors![0].message).toMatch(/40 aliases/);
  });

  it('counts aliases per operation, not over the whole document', async () => {
    const twenty = (name: string) => `query ${name} { ${Array.from({ length: 20 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `${twenty('One')}\n${twenty('Two')}`, operationName: 'Two' }),
    });
    const r = (await res.json()) as { data?: Record<string, string>; errors?: unknown[] };
    expect(r.errors).toBeUndefined();
    expect(Object.keys(r.data!)).toHaveLength(20);
  });

  it('refuses a query whose pages multiply past the cost limit (a page size from a variable counts as the largest page)', async () => {
    const fields = 'seq at requestId tenantId principalId actorRole action outcome reason caseNumber legalBasis offenseCategory galleries candidateCount modelVersion probeSha256 details hash';
    const page = (i: number) => `p${i}: auditEvents(first: $n) { nodes { ${fields} } }`;
    const r = await t.gql(null, `query($n: Int) { ${[1, 2, 3, 4, 5, 6].map(page).join(' ')} }`, { n: 1 });
    expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(r.errors![0].message).toMatch(/would cost 11406 .*limit is 10000/);
    // five such pages fit: the request reaches authentication and is refused there
    const five = await t.gql(null, `query($n: Int) { ${[1, 2, 3, 4, 5].map(page).join(' ')} }`, { n: 1 });
    expect(codes(five)).toContain('UNAUTHENTICATED');
  });

  it('answers a fragment cycle with a validation error instead of looping', async () => {
    const r = await t.gql(null, `query { ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }`);
    expect(codes(r)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors!.map((e) => e.message).join(' ')).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it('loads the reviews of a page of searches in one statement, whatever the page size', async () => {
    await t.createTenant('page-pd');
    const analyst = await t.principal('page-pd', Role.AGENCY_ANALYST);
    const supervisor = await t.principal('page-pd', Role.AGENCY_SUPERVISOR);
    const image = (await portrait()).toString('base64');
    for (let i = 0; i < 20; i++) {
      const s = await t.gql(analyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: `P-${i}` } });
      expect(s.errors).toBeUndefined();
      const review = { searchId: s.data.searchFaces.id, outcome: 'NO_LEAD', decisions: [] };
      if (i % 2) expect((await t.gql(supervisor.token, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { id } }`, { i: review })).errors).toBeUndefined();
    }
    // every statement the hub sends, counted where TypeORM logs it
    const statements: string[] = [];
    const logger = t.hub.database.dataSource.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => (statements.push(query), logQuery(query, parameters, runner));
    // the searches and reviews above appended audit events: their anchor is written now, not during a page
    await t.hub.database.anchor.flush();
    const page = async (first: number) => {
      statements.length = 0;
      const r = await t.gql(supervisor.token, `query($n: Int) { searches(first: $n) { nodes { id reviews { reviewerId outcome } } } }`, { n: first });
      expect(r.errors).toBeUndefined();
      expect(r.data.searches.nodes).toHaveLength(first);
      return { reviewed: r.data.searches.nodes.filter((n: { reviews: unknown[] }) => n.reviews.length).length, all: statements.length, reviews: statements.filter((q) => q.includes('search_reviews')).length };
    };
    try {
      const five = await page(5);
      const twenty = await page(20);
      console.log(`SQL statements for a page of searches with their reviews: 5 searches ${five.all}, 20 searches ${twenty.all}`);
      expect(twenty.reviewed).toBe(10);
      expect(twenty.reviews).toBe(1);
      expect(twenty.all).toBe(five.all);
    } finally {
      logger.logQuery = logQuery;
    }
  });

  it('keeps serving after the attacks', async () => {
    await Promise.all([t.gql(null, fragmentBomb(25)), t.gql(null, fragmentBomb(30))]);
    const admin = await t.token('hub', Role.HUB_ADMIN);
    const r = await t.gql(admin, `{ me { role } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.me.role).toBe('HUB_ADMIN');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
