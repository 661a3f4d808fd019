import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// People over time over real HTTP: a lapsed certification renewed with its evidence (the refusal's
// advice made true), names and roles changed within what the administrator may grant, a person of
// the agency's identity provider renewed (re-creating them is a CONFLICT), and the history of each.
describe('people over time', () => {
  let t: TestHub;
  let admin: { id: string; token: string };
  let image: string;
  const UPDATE = `mutation($i: UpdatePrincipalInput!) { updatePrincipal(input: $i) { id name role certifiedUntil certificationEvidence externalSubject updatedAt } }`;
  const update = (token: string, i: Record<string, unknown>) => t.gql(token, UPDATE, { i });
  const searchAs = (token: string) => t.gql(token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'P-1' } });
  const history = (token: string, id: string, first = 20, after?: string) =>
    t.gql(token, `query($p: ID!, $f: Int, $a: String) { principalHistory(principalId: $p, first: $f, after: $a) { nodes { seq action outcome details } pageInfo { hasNextPage endCursor } } }`, { p: id, f: first, a: after });

  beforeAll(async () => {
    t = await startHub();
    await t.createTenant('metro-pd');
    admin = await t.principal('metro-pd', Role.AGENCY_ADMIN);
    image = (await portrait()).toString('base64');
  });
  afterAll(() => t?.close());

  it('renews a lapsed certification with its date and evidence, and the analyst may search again', async () => {
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST, { certifiedUntil: '2020-01-01T00:00:00Z' });
    const denied = await searchAs(analyst.token);
    expect(denied.errors?.[0].extensions.code).toBe('CERTIFICATION_REQUIRED');

    for (const [i, pattern] of [
      [{ certifiedUntil: '2099-06-30T00:00:00Z' }, /certificationEvidence/],
      [{ certifiedUntil: '2021-01-01T00:00:00Z', certificationEvidence: 'X' }, /future/],
      [{ certificationEvidence: 'POST-2026-114' }, /certifiedUntil/],
      [{}, /Nothing to change/],
    ] as const) {
      const r = await update(admin.token, { principalId: analyst.id, ...i });
      expect(r.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(pattern);
    }
    const renewed = await update(admin.token, { principalId: analyst.id, certifiedUntil: '2099-06-30T00:00:00Z', certificationEvidence: 'POST-2026-114' });
    expect(renewed.errors).toBeUndefined();
    expect(renewed.data.updatePrincipal).toEqual(expect.objectContaining({ certifiedUntil: '2099-06-30T00:00:00.000Z', certificationEvidence: 'POST-2026-114' }));
    expect(renewed.data.updatePrincipal.updatedAt).not.toBeNull();
    // the same token: certification is read at each request
    expect((await searchAs(analyst.token)).errors).toBeUndefined();

    const events = (await history(admin.token, analyst.id)).data.principalHistory.nodes;
    expect(events.map((e: { action: string }) => e.action)).toEqual(['PRINCIPAL_UPDATED', 'PRINCIPAL_CREATED']);
    expect(events[0].details.changes).toEqual({
      certifiedUntil: { from: '2020-01-01T00:00:00.000Z', to: '2099-06-30T00:00:00.000Z' },
      certificationEvidence: { to: 'POST-2026-114' },
    });
  });

  it('changes a display name and a role within what the administrator may grant', async () => {
    const p = await t.principal('metro-pd', Role.AGENCY_ANALYST, { name: 'J. Smith' });
    const r = await update(admin.token, { principalId: p.id, name: '  Jo Smith ', role: 'AGENCY_SUPERVISOR' });
    expect(r.data.updatePrincipal).toEqual(expect.objectContaining({ name: 'Jo Smith', role: 'AGENCY_SUPERVISOR' }));
    // a supervisor now: it reads its tenant's searches
    expect((await t.gql(p.token, `{ searches(first: 1) { nodes { id } } }`)).errors).toBeUndefined();

    const operatorRole = await update(admin.token, { principalId: p.id, role: 'HUB_ADMIN' });
    expect(operatorRole.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(operatorRole.errors?.[0].message).toMatch(/HUB_ADMIN/);
    const self = await update(admin.token, { principalId: admin.id, role: 'AGENCY_ANALYST' });
    expect(self.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(self.errors?.[0].message).toMatch(/own role/);
    // renaming oneself is fine
    expect((await update(admin.token, { principalId: admin.id, name: 'Agency admin' })).errors).toBeUndefined();
    const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    expect((await update(analyst.token, { principalId: p.id, name: 'x' })).errors?.[0].extensions.code).toBe('FORBIDDEN');

    // the hub's administrator may not make an agency's principal an operator
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    const cross = await update(hubAdmin, { principalId: p.id, role: 'OVERSIGHT_AUDITOR' });
    expect(cross.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const rows = (await t.gql(admin.token, `{ principals { id name role } }`)).data.principals;
    expect(rows).toContainEqual({ id: p.id, name: 'Jo Smith', role: 'AGENCY_SUPERVISOR' });
  });

  it('renews a person who signs in through the agency’s identity provider, whom re-creating refuses', async () => {
    const create = (certifiedUntil: string) =>
      t.gql(admin.token, `mutation($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, {
        i: { tenantSlug: 'metro-pd', name: 'Federated analyst', role: 'AGENCY_ANALYST', externalSubject: 'idp|4711', certifiedUntil },
      });
    const first = await create('2020-01-01T00:00:00Z');
    const id = first.data.createPrincipal.id;
    expect((await create('2099-01-01T00:00:00Z')).errors?.[0].extensions.code).toBe('CONFLICT');
    const r = await update(admin.token, { principalId: id, certifiedUntil: '2099-01-01T00:00:00Z', certificationEvidence: 'Annual FR course 2026' });
    expect(r.errors).toBeUndefined();
    expect(r.data.updatePrincipal).toEqual(expect.objectContaining({ externalSubject: 'idp|4711', certifiedUntil: '2099-01-01T00:00:00.000Z' }));
    const [event] = (await history(admin.token, id, 1)).data.principalHistory.nodes;
    expect(event.details).toEqual(expect.objectContaining({ federated: true }));
  });

  it('pages a principal’s history newest first, audits each read, and shows it only to who may read the principals', async () => {
    const p = await t.principal('metro-pd', Role.AGENCY_ANALYST);
    for (const name of ['A', 'B', 'C']) await update(admin.token, { principalId: p.id, name });
    const one = (await history(admin.token, p.id, 2)).data.principalHistory;
    expect(one.nodes.map((e: { details: { changes: { name: { to: string } } } }) => e.details.changes.name.to)).toEqual(['C', 'B']);
    expect(one.pageInfo.hasNextPage).toBe(true);
    const two = (await history(admin.token, p.id, 2, one.pageInfo.endCursor)).data.principalHistory;
    expect(two.nodes.map((e: { action: string }) => e.action)).toEqual(['PRINCIPAL_UPDATED', 'PRINCIPAL_CREATED']);
    expect(two.pageInfo.hasNextPage).toBe(false);
    expect((await history(p.token, p.id)).errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await history(admin.token, p.id, 0)).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    const [denied] = (await t.gql(hubAdmin, `{ auditEvents(first: 1, action: "AUDIT_READ", outcome: DENIED) { nodes { reason details } } }`)).data.auditEvents.nodes;
    expect(denied).toEqual(expect.objectContaining({ reason: 'FORBIDDEN', details: expect.objectContaining({ principalHistory: p.id }) }));
    const [read] = (await t.gql(hubAdmin, `{ auditEvents(first: 1, action: "AUDIT_READ", outcome: FAILED) { nodes { reason details } } }`)).data.auditEvents.nodes;
    expect(read).toEqual(expect.objectContaining({ reason: 'BAD_USER_INPUT', details: expect.objectContaining({ principalHistory: p.id }) }));
  });
});
