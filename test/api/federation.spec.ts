import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// The schema is an Apollo Federation 2 subgraph; `_entities` goes through the same access checks.
describe('Apollo Federation 2 subgraph', () => {
  let t: TestHub;
  let metroAdmin: string;
  let galleryId: string;
  let searchId: string;
  let tenantId: string;
  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Gallery { id name } ... on Tenant { id slug } ... on Search { id caseNumber } } }`;

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('metro-pd');
    await t.createTenant('river-pd');
    metroAdmin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    tenantId = (await t.gql(metroAdmin, `{ me { tenant { id } } }`)).data.me.tenant.id;
    galleryId = (await t.gql(metroAdmin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    const s = await t.gql(analyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: (await portrait()).toString('base64'), legalBasis: 'VICTIM_ID', caseNumber: 'F-1' } });
    searchId = s.data.searchFaces.id;
  });
  afterAll(() => t?.close());

  it('publishes its SDL with @key on Tenant, Gallery and Search', async () => {
    const sdl: string = (await t.gql(metroAdmin, `{ _service { sdl } }`)).data._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3"');
    for (const type of ['Tenant', 'Gallery', 'Search']) expect(sdl).toMatch(new RegExp(`type ${type}[^{]*@key\\(fields: "id"\\)`));
  });

  it('resolves entities for a caller who may see them', async () => {
    const r = await t.gql(metroAdmin, ENTITIES, { r: [{ __typename: 'Gallery', id: galleryId }, { __typename: 'Tenant', id: tenantId }] });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([{ __typename: 'Gallery', id: galleryId, name: 'Bookings' }, { __typename: 'Tenant', id: tenantId, slug: 'metro-pd' }]);
    const supervisor = await t.principal('metro-pd', Role.AGENCY_SUPERVISOR);
    expect((await t.gql(supervisor.token, ENTITIES, { r: [{ __typename: 'Search', id: searchId }] })).data._entities).toEqual([{ __typename: 'Search', id: searchId, caseNumber: 'F-1' }]);
  });

  it('applies the same checks: another tenant gets NOT_FOUND, an analyst’s admin cannot read searches, no token is UNAUTHENTICATED', async () => {
    const river = await t.token('river-pd', Role.AGENCY_ADMIN);
    const other = await t.gql(river, ENTITIES, { r: [{ __typename: 'Gallery', id: galleryId }, { __typename: 'Search', id: searchId }] });
    expect(other.data._entities).toEqual([null, null]);
    expect(other.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect((await t.gql(metroAdmin, ENTITIES, { r: [{ __typename: 'Search', id: searchId }] })).errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.gql(null, ENTITIES, { r: [{ __typename: 'Gallery', id: galleryId }] })).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
