import { createHash, randomUUID } from 'node:crypto';
import { getNamedType, isListType, isNonNullType } from 'graphql';
import { Role } from '../../models/enums';
import { buildHubSchema } from '../../schema/build-schema';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { entityTypes, schemaOperations } from '../support/operations';
import { cases, F, MATRIX, matrixWorld, NF, NOT_IN_MATRIX, type Gql, type Operation, type Row, type Target } from '../support/permission-matrix';

// Every refusal is audited, on every path: each root query and mutation of the built schema, and each
// federation entity lookup through `_entities`, called over real HTTP by a principal who must be
// refused, writes exactly one audit event, in the caller's tenant, DENIED with the code the caller got.
// The calls are the permission matrix's (test/support/permission-matrix.ts): a field added to the
// schema needs a row there, and its refusals are walked here without a line in this file. Each call
// carries its own X-Request-Id, and its events are read from the database by it.

type Event = { action: string; outcome: string; reason: string | null; tenantId: string; legalBasis: string | null; probeSha256: string | null; details: Record<string, unknown> };

/** For each operation, one call the matrix refuses FORBIDDEN and one it refuses NOT_FOUND (when it has them): a role refused, another tenant's object. */
const REFUSALS = Object.keys(MATRIX).flatMap((op) =>
  [F, NF].flatMap((code) => {
    const cell = cases.find(([o, , , want]) => o === op && want === code);
    return cell ? [cell] : [];
  }),
);
/** What every role may call: there is no refusal to audit (an anonymous call is UNAUTHENTICATED and cannot be attributed). */
const UNREFUSABLE = Object.keys(MATRIX).filter((op) => !REFUSALS.some(([o]) => o === op));

// the id of a target tenant's object of each entity type, for `_entities`
const ENTITY_IDS: Record<string, (x: Target) => Promise<string> | string> = {
  Tenant: (x) => x.tenantId,
  Gallery: (x) => x.galleryId,
  Search: (x) => x.search(),
};
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Tenant { id } ... on Gallery { id } ... on Search { id } } }`;

describe('every refusal is audited once, on every path (root fields and federation entities)', () => {
  let t: TestHub;
  let targets: Record<string, Target>;
  let actors: Record<keyof Row, { token: string; tenant: string }>;
  let OPS: Record<string, Operation>;
  /** the root query that reads each entity type by id (Search: `search`): its matrix row says who is refused */
  let readers: Record<string, string>;
  let operations: string[];
  let types: string[];

  /** A gql whose one call is marked with a fresh request id, and that call's audit events, in order. */
  const marked = () => {
    const requestId = `refusal-${randomUUID()}`;
    const gql: Gql = (k, q, v) => t.gql(k, q, v, { 'x-request-id': requestId });
    const events = (): Promise<Event[]> =>
      t.hub.database.db.scoped({ tenantId: null, allTenants: true }, (tx) =>
        tx.query(
          `SELECT action, outcome, reason, tenant_id AS "tenantId", legal_basis AS "legalBasis", probe_sha256 AS "probeSha256", details FROM audit_events WHERE request_id = $1 ORDER BY seq`,
          [requestId],
        ),
      );
    return { gql, events };
  };

  beforeAll(async () => {
    // the schema first: built (seconds of a busy event loop) while the in-process hub's connections sit
    // idle, it could outlast their keep-alive and reset the next call
    operations = (await schemaOperations()).map((o) => o.name);
    types = await entityTypes();
    const query = (await buildHubSchema()).getQueryType()!.getFields();
    readers = Object.fromEntries(
      types.map((type) => {
        const reader = Object.values(query).find((f) => getNamedType(f.type).name === type && !isListType(isNonNullType(f.type) ? f.type.ofType : f.type) && f.args.some((a) => a.name === 'id'));
        return [type, reader?.name ?? ''];
      }),
    );
    t = await startHub();
    ({ targets, actors, ops: OPS } = await matrixWorld(t));
  });
  afterAll(() => t?.close());

  it('walks every root field of the schema: each is refused by someone here, or may be called by every role', async () => {
    expect(Object.keys(MATRIX).sort()).toEqual(operations.filter((name) => !(name in NOT_IN_MATRIX)).sort());
    expect(new Set(REFUSALS.map(([op]) => op)).size).toBeGreaterThan(30);
    expect(UNREFUSABLE.sort()).toEqual(['inferenceStatus', 'legalBases', 'me', 'policyPresets', 'transparencyReport', 'verifyReport']);
  });

  it('walks every federation entity type, through the query that reads it', async () => {
    expect(types.length).toBeGreaterThan(0);
    expect(Object.keys(ENTITY_IDS).sort()).toEqual(types.sort());
    for (const type of types) expect([type, MATRIX[readers[type]]]).toEqual([type, expect.anything()]);
  });

  it.each(REFUSALS)('%s by %s on the %s tenant is refused %s: one audit event, in the caller’s tenant, with the code', async (op, role, where, want) => {
    const actor = actors[role];
    const call = marked();
    const r = await OPS[op](call.gql, actor.token, targets[where === 'own' ? actor.tenant : 'river-pd']);
    const events = await call.events();
    if (!r.errors) {
      // a list that leaves another tenant's object out refuses nothing: nothing denied
      expect(r.visible).toBe(false);
      expect(events.filter((e) => e.outcome !== 'ALLOWED')).toEqual([]);
      return;
    }
    expect(r.errors.map((e) => e.extensions.code)).toEqual([want]);
    expect(events).toEqual([expect.objectContaining({ outcome: 'DENIED', reason: want, tenantId: targets[actor.tenant].tenantId })]);
  });

  describe('_entities', () => {
    /** The first role the reader's matrix row lets read its own tenant's object and refuses another's. */
    const prober = (type: string) => {
      const row = MATRIX[readers[type]];
      const role = (Object.keys(row) as (keyof Row)[]).find((k) => {
        const want = row[k];
        return Array.isArray(want) && want[0] === 'ok' && want[1] === NF;
      })!;
      return { role, ...actors[role] };
    };

    it.each(Object.keys(ENTITY_IDS))('a lookup of another tenant’s %s: NOT_FOUND and one audit event, as the query that reads it writes', async (type) => {
      const { tenant, token } = prober(type);
      const id = await ENTITY_IDS[type](targets['river-pd']);
      const lookup = marked();
      const r = await lookup.gql(token, ENTITIES, { r: [{ __typename: type, id }] });
      expect(r.data?._entities).toEqual([null]);
      expect(r.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
      const [event, ...more] = await lookup.events();
      expect(more).toEqual([]);
      expect(event).toMatchObject({ outcome: 'DENIED', reason: 'NOT_FOUND', tenantId: targets[tenant].tenantId, details: { operation: '_entities', entity: type, id } });
      // the same probe through the root query: the same action, so a reader of the log sees one kind of attempt
      const query = marked();
      expect((await OPS[readers[type]](query.gql, token, targets['river-pd'])).errors?.[0].extensions.code).toBe('NOT_FOUND');
      expect((await query.events()).map((e) => [e.action, e.outcome, e.reason])).toEqual([[event.action, 'DENIED', 'NOT_FOUND']]);
    });

    it('a lookup refused by role (an agency admin reading a search of its own tenant): FORBIDDEN, one event', async () => {
      const lookup = marked();
      const r = await lookup.gql(actors.AD.token, ENTITIES, { r: [{ __typename: 'Search', id: await targets['metro-pd'].search() }] });
      expect(r.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
      expect(await lookup.events()).toEqual([expect.objectContaining({ action: 'SEARCH_VIEWED', outcome: 'DENIED', reason: 'FORBIDDEN', tenantId: targets['metro-pd'].tenantId })]);
    });

    it('several representations in one call: one event per refused lookup, none for the others', async () => {
      const own = targets['metro-pd'];
      const river = targets['river-pd'];
      const lookup = marked();
      const r = await lookup.gql(actors.AD.token, ENTITIES, {
        r: [{ __typename: 'Gallery', id: own.galleryId }, { __typename: 'Gallery', id: river.galleryId }, { __typename: 'Tenant', id: river.tenantId }, { __typename: 'Tenant', id: own.tenantId }],
      });
      expect(r.data?._entities).toEqual([{ __typename: 'Gallery', id: own.galleryId }, null, null, { __typename: 'Tenant', id: own.tenantId }]);
      expect(r.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
      // the lookups run at once: their events in any order
      const refused = (await lookup.events()).filter((e) => e.outcome !== 'ALLOWED').sort((a, b) => String(a.details.entity).localeCompare(String(b.details.entity)));
      expect(refused.map((e) => [e.outcome, e.reason, e.details.entity, e.details.id])).toEqual([
        ['DENIED', 'NOT_FOUND', 'Gallery', river.galleryId],
        ['DENIED', 'NOT_FOUND', 'Tenant', river.tenantId],
      ]);
    });
  });

  describe('the governance refusals of a search, inside and outside its transaction', () => {
    let image: Buffer;
    let hubAdmin: string;
    let lake: { tenantId: string; analyst: string };
    const suspect = { legalBasis: 'CRIMINAL_SUSPECT_ID', caseNumber: '26-001', offenseCategory: 'ROBBERY', minScore: -1 };

    /** A search of lake-pd's, marked: its answer's code (or none) and its audit events. */
    const search = async (token: string, input: Record<string, unknown>) => {
      const call = marked();
      const r = await call.gql(token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image.toString('base64'), ...input } });
      return { code: r.errors?.[0].extensions.code, events: await call.events() };
    };
    const refusedOnce = (code: string, legalBasis: string) => ({
      code,
      events: [expect.objectContaining({ action: 'SEARCH', outcome: 'DENIED', reason: code, legalBasis, tenantId: lake.tenantId, probeSha256: createHash('sha256').update(image).digest('hex') })],
    });

    beforeAll(async () => {
      image = await portrait();
      hubAdmin = await t.token('hub', Role.HUB_ADMIN);
      await t.createTenant('lake-pd');
      const admin = await t.token('lake-pd', Role.AGENCY_ADMIN);
      const gallery = (await t.gql(admin, `mutation { createGallery(input: { name: "Lake bookings" }) { id } }`)).data.createGallery.id;
      expect((await t.gql(admin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: gallery, subjectRef: 'L-1', imageBase64: image.toString('base64') } })).errors).toBeUndefined();
      lake = { tenantId: (await t.gql(admin, `{ me { tenant { id } } }`)).data.me.tenant.id, analyst: (await t.principal('lake-pd', Role.AGENCY_ANALYST)).token };
    });

    it.each([
      ['a missing case number', { ...suspect, caseNumber: null }, 'CASE_NUMBER_REQUIRED'],
      ['no offense for a suspect search', { ...suspect, offenseCategory: null }, 'OFFENSE_BELOW_THRESHOLD'],
      ['a declaration withheld', { ...suspect, notForProhibitedPurpose: false }, 'PROHIBITED_PURPOSE'],
    ])('%s: one event with the refusal’s code and the declared basis', async (_what, input, code) => {
      expect(await search(lake.analyst, input)).toEqual(refusedOnce(code, input.legalBasis));
    });

    it('an uncertified analyst: CERTIFICATION_REQUIRED, one event', async () => {
      const lapsed = await t.principal('lake-pd', Role.AGENCY_ANALYST, { certifiedUntil: '2020-01-01T00:00:00Z' });
      expect(await search(lapsed.token, suspect)).toEqual(refusedOnce('CERTIFICATION_REQUIRED', suspect.legalBasis));
    });

    it('a burst over the quota: each search refused, before or inside its transaction, has one event, and the statistics count each once', async () => {
      await t.gql(hubAdmin, `mutation { setQuota(input: { tenantSlug: "lake-pd", period: MONTH, limit: 2 }) { limit } }`);
      const burst = await Promise.all(Array.from({ length: 5 }, () => search(lake.analyst, suspect)));
      expect(burst.filter((s) => !s.code)).toHaveLength(2);
      for (const s of burst) {
        if (s.code) expect(s).toEqual(refusedOnce('QUOTA_EXCEEDED', suspect.legalBasis));
        else expect(s.events).toEqual([expect.objectContaining({ action: 'SEARCH', outcome: 'ALLOWED', tenantId: lake.tenantId })]);
      }
      const stats = await t.gql(hubAdmin, `{ usageStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [DENIAL_REASON], tenantSlug: "lake-pd") { rows { denialReason denials } } }`);
      const denials = Object.fromEntries(stats.data.usageStatistics.rows.filter((row: { denialReason: string | null }) => row.denialReason).map((row: { denialReason: string; denials: number }) => [row.denialReason, row.denials]));
      expect(denials).toEqual({ CASE_NUMBER_REQUIRED: 1, OFFENSE_BELOW_THRESHOLD: 1, PROHIBITED_PURPOSE: 1, CERTIFICATION_REQUIRED: 1, QUOTA_EXCEEDED: 3 });
    });

    it('a suspended agency: TENANT_SUSPENDED, one event', async () => {
      await t.gql(hubAdmin, `mutation { setTenantStatus(slug: "lake-pd", status: SUSPENDED) { status } }`);
      expect(await search(lake.analyst, suspect)).toEqual(refusedOnce('TENANT_SUSPENDED', suspect.legalBasis));
    });
  });
});
