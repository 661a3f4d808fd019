import type { GqlResult } from '../support/client';
import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// searches(legalHold: …) over real HTTP against a real hub: exactly the caller's tenant's searches on
// legal hold (or not on hold), newest first, paged with the same cursors as the unfiltered list.
const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`;
const HOLD = `mutation($id: ID!, $r: String) { setLegalHold(searchId: $id, hold: true, reason: $r) { id legalHold } }`;
const LIST = `query($first: Int, $after: String, $hold: Boolean) { searches(first: $first, after: $after, legalHold: $hold) {
  nodes { id caseNumber legalHold } pageInfo { endCursor hasNextPage } } }`;

interface Node { id: string; caseNumber: string; legalHold: boolean }

describe('searches(legalHold)', () => {
  let t: TestHub;
  let riverSupervisor: string;
  let riverAnalyst: string;
  let metroSupervisor: string;
  const ids: Record<string, string> = {};

  /** Every page of searches(legalHold: hold) with pages of `first`, as case numbers, newest first. */
  async function all(token: string, hold: boolean | null, first: number): Promise<{ pages: string[][]; nodes: Node[] }> {
    const pages: string[][] = [];
    const nodes: Node[] = [];
    let after: string | null = null;
    for (;;) {
      const r: GqlResult = await t.gql(token, LIST, { first, after, hold });
      expect(r.errors).toBeUndefined();
      const page: Node[] = r.data.searches.nodes;
      pages.push(page.map((n) => n.caseNumber));
      nodes.push(...page);
      if (!r.data.searches.pageInfo.hasNextPage) return { pages, nodes };
      after = r.data.searches.pageInfo.endCursor;
    }
  }

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('river-pd');
    await t.createTenant('metro-pd');
    riverSupervisor = (await t.principal('river-pd', Role.AGENCY_SUPERVISOR)).token;
    riverAnalyst = (await t.principal('river-pd', Role.AGENCY_ANALYST)).token;
    const otherAnalyst = (await t.principal('river-pd', Role.AGENCY_ANALYST)).token;
    metroSupervisor = (await t.principal('metro-pd', Role.AGENCY_SUPERVISOR)).token;
    const metroAnalyst = (await t.principal('metro-pd', Role.AGENCY_ANALYST)).token;
    const imageBase64 = (await portrait()).toString('base64');
    const run = async (token: string, caseNumber: string) => {
      const r = await t.gql(token, SEARCH, { i: { imageBase64, legalBasis: 'VICTIM_ID', caseNumber } });
      expect(r.errors).toBeUndefined();
      ids[caseNumber] = r.data.searchFaces.id;
    };
    // oldest first: R-1 … R-5 by one analyst, R-6 by another, M-1 in metro-pd
    for (const c of ['R-1', 'R-2', 'R-3', 'R-4', 'R-5']) await run(riverAnalyst, c);
    await run(otherAnalyst, 'R-6');
    await run(metroAnalyst, 'M-1');
    for (const c of ['R-1', 'R-3', 'R-4', 'R-6']) {
      const r = await t.gql(riverSupervisor, HOLD, { id: ids[c], r: `Civil suit over ${c}` });
      expect(r.errors).toBeUndefined();
      expect(r.data.setLegalHold.legalHold).toBe(true);
    }
    const m = await t.gql(metroSupervisor, HOLD, { id: ids['M-1'], r: 'Civil suit over M-1' });
    expect(m.errors).toBeUndefined();
  }, 300_000);
  afterAll(() => t?.close());

  it('legalHold: true gives exactly the held searches of the caller’s tenant, newest first, never another tenant’s', async () => {
    const { nodes } = await all(riverSupervisor, true, 50);
    expect(nodes.map((n) => n.caseNumber)).toEqual(['R-6', 'R-4', 'R-3', 'R-1']);
    expect(nodes.every((n) => n.legalHold)).toBe(true);
    expect(nodes.map((n) => n.id)).not.toContain(ids['M-1']);
    const metro = await all(metroSupervisor, true, 50);
    expect(metro.nodes.map((n) => n.caseNumber)).toEqual(['M-1']);
  });

  it('pages the held searches with the same cursors and order as the unfiltered list', async () => {
    expect((await all(riverSupervisor, true, 2)).pages).toEqual([['R-6', 'R-4'], ['R-3', 'R-1']]);
    expect((await all(riverSupervisor, true, 3)).pages).toEqual([['R-6', 'R-4', 'R-3'], ['R-1']]);
    // the filtered order is the unfiltered order with the others left out
    const everything = (await all(riverSupervisor, null, 2)).nodes;
    expect(everything.map((n) => n.caseNumber)).toEqual(['R-6', 'R-5', 'R-4', 'R-3', 'R-2', 'R-1']);
    expect(everything.filter((n) => n.legalHold).map((n) => n.caseNumber)).toEqual(['R-6', 'R-4', 'R-3', 'R-1']);
  });

  it('legalHold: false leaves the held searches out; absent, it gives them all', async () => {
    expect((await all(riverSupervisor, false, 1)).pages).toEqual([['R-5'], ['R-2']]);
    expect((await all(metroSupervisor, false, 50)).pages).toEqual([[]]);
    const r = await t.gql(riverSupervisor, '{ searches(first: 50) { nodes { caseNumber } } }');
    expect(r.data.searches.nodes.map((n: { caseNumber: string }) => n.caseNumber)).toEqual(['R-6', 'R-5', 'R-4', 'R-3', 'R-2', 'R-1']);
  });

  it('keeps the analyst’s scope: an analyst’s held searches are their own only', async () => {
    expect((await all(riverAnalyst, true, 50)).pages).toEqual([['R-4', 'R-3', 'R-1']]);
    expect((await all(riverAnalyst, false, 50)).pages).toEqual([['R-5', 'R-2']]);
  });

  it('refuses a cursor that is not one, with the same stable code as the unfiltered list', async () => {
    const r = await t.gql(riverSupervisor, LIST, { first: 2, after: 'not-a-cursor', hold: true });
    expect(r.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
