import { Role } from '../../models/enums';
import { bookingPhoto } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { bookings, DISPOSE, SEARCH, SUBMIT, submission } from '../support/requests';

// Attacks on requests: every new id and role. Each refusal is audited (with its reason) and charges
// nothing; nothing about a candidate reaches anyone the request does not name.
type Who = { id: string; token: string };
const READ = `query($id: ID!) { request(id: $id) { id status searches { id } } }`;
const PROBE = `query($r: ID!) { requestProbe(requestId: $r) }`;
const CLAIM = `mutation($r: ID!) { claimVerification(requestId: $r) { verifierId } }`;
const CONTENDERS = 6;

describe('request attacks', () => {
  let t: TestHub;
  let admin: string;
  let requester: Who;
  let otherRequester: Who;
  let examiner: Who;
  let bystander: Who;
  let outsider: Who;
  let outsiderSupervisor: Who;
  let supervisor: Who;
  let verifiers: Who[];
  let photo: string;
  const code = (r: { errors?: { extensions: { code: string } }[] }) => r.errors?.[0]?.extensions.code ?? 'ok';
  const used = async () => (await t.gql(admin, `{ a: quota(tenantSlug: "valley-pd") { used } b: quota(tenantSlug: "hub") { used } c: quota(tenantSlug: "ridge-pd") { used } }`)).data;
  /** The chain's refusals of attempts on one request, as [action, reason]. */
  const refusals = async (id: string) => {
    const r = await t.gql(admin, `{ auditEvents(first: 500) { nodes { action outcome reason details } } }`);
    return (r.data.auditEvents.nodes as { action: string; outcome: string; reason: string; details: Record<string, unknown> }[])
      .filter((e) => e.outcome !== 'ALLOWED' && (e.details.attemptedRequestId === id || e.details.examinationRequestId === id))
      .map((e) => [e.action, e.reason]);
  };
  /** A request of valley-pd served by the operator, moved as far as `to`. */
  const request = async (to: 'SUBMITTED' | 'ACCEPTED' | 'IN_EXAMINATION' | 'IN_VERIFICATION' = 'SUBMITTED') => {
    const r = await t.gql(requester.token, SUBMIT, { input: { ...submission, servingTenantSlug: 'hub', imageBase64: photo } });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    const id = r.data.submitRequest.id as string;
    if (to === 'SUBMITTED') return { id, searchId: '' };
    await t.gql(supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: id, e: examiner.id });
    if (to === 'ACCEPTED') return { id, searchId: '' };
    const search = (await t.gql(examiner.token, SEARCH, { i: { requestId: id, minScore: -1, maxCandidates: 2 } })).data.searchFaces;
    if (to === 'IN_EXAMINATION') return { id, searchId: search.id as string };
    const dispositions = search.candidates.map((c: { rank: number }) => ({ searchId: search.id, rank: c.rank, disposition: c.rank === 1 ? 'POSSIBLE_LEAD' : 'EXCLUDED', reason: 'scar' }));
    const done = await t.gql(examiner.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions } });
    if (done.errors) throw new Error(JSON.stringify(done.errors));
    return { id, searchId: search.id as string };
  };

  beforeAll(async () => {
    t = await startHub();
    admin = await t.token('hub', Role.HUB_ADMIN);
    photo = (await bookingPhoto('BK-1001', true)).toString('base64');
    await bookings(t);
    await t.createTenant('valley-pd');
    await t.createTenant('ridge-pd');
    requester = await t.principal('valley-pd', Role.AGENCY_REQUESTER);
    otherRequester = await t.principal('ridge-pd', Role.AGENCY_REQUESTER);
    outsider = await t.principal('ridge-pd', Role.AGENCY_ANALYST);
    outsiderSupervisor = await t.principal('ridge-pd', Role.AGENCY_SUPERVISOR);
    examiner = await t.principal('hub', Role.AGENCY_ANALYST, { name: 'examiner' });
    bystander = await t.principal('hub', Role.AGENCY_ANALYST, { name: 'bystander' });
    supervisor = await t.principal('hub', Role.AGENCY_SUPERVISOR);
    verifiers = [];
    for (let i = 0; i < CONTENDERS; i++) verifiers.push(await t.principal('hub', Role.AGENCY_ANALYST, { name: `verifier ${i}` }));
    const a = await t.gql(admin, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id } }`, {
      i: { servingTenantSlug: 'hub', requestingTenantSlug: 'valley-pd', legalBases: ['CRIMINAL_SUSPECT_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    });
    expect(a.errors).toBeUndefined();
  }, 120_000);
  afterAll(() => t?.close());

  it('a requester of another agency finds no such request, whatever it tries', async () => {
    const { id } = await request('IN_EXAMINATION');
    const tries = [
      await t.gql(otherRequester.token, READ, { id }),
      await t.gql(otherRequester.token, PROBE, { r: id }),
      await t.gql(otherRequester.token, `mutation($r: ID!) { withdrawRequest(requestId: $r) { status } }`, { r: id }),
      await t.gql(otherRequester.token, `mutation($r: ID!) { recordOutcome(requestId: $r, outcome: ARREST) { status } }`, { r: id }),
      await t.gql(otherRequester.token, `mutation($r: ID!) { exportLeadPhoto(requestId: $r, attestation: "fingerprints on the knife matched") { subjectRef } }`, { r: id }),
    ];
    expect(tries.map(code)).toEqual(Array(5).fill('NOT_FOUND'));
    const listed = await t.gql(otherRequester.token, `{ requests { nodes { id } } }`);
    expect(listed.data.requests.nodes.map((n: { id: string }) => n.id)).not.toContain(id);
    expect((await refusals(id)).filter(([, reason]) => reason === 'NOT_FOUND')).toHaveLength(5);
  }, 60_000);

  it('an examiner of a tenant with no agreement cannot search, accept or read it; nothing is charged', async () => {
    const { id } = await request('ACCEPTED');
    const before = await used();
    expect(code(await t.gql(outsider.token, SEARCH, { i: { requestId: id, minScore: -1 } }))).toBe('NOT_FOUND');
    expect(code(await t.gql(outsiderSupervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: id, e: outsider.id }))).toBe('NOT_FOUND');
    expect(code(await t.gql(outsiderSupervisor.token, READ, { id }))).toBe('NOT_FOUND');
    // and an agency cannot send a request to a tenant that never agreed to serve it
    const unagreed = await t.gql(otherRequester.token, SUBMIT, { input: { ...submission, servingTenantSlug: 'valley-pd', imageBase64: photo } });
    expect(code(unagreed)).toMatch(/^(NOT_FOUND|FORBIDDEN)$/);
    // nor may the serving tenant's analyst who was not assigned search it
    expect(code(await t.gql(bystander.token, SEARCH, { i: { requestId: id, minScore: -1 } }))).toBe('NOT_FOUND');
    expect(await used()).toEqual(before);
    const refused = await refusals(id);
    expect(refused.filter(([action]) => action === 'SEARCH')).toEqual([['SEARCH', 'NOT_FOUND'], ['SEARCH', 'NOT_FOUND']]);
    // a requester never searches at all
    expect(code(await t.gql(requester.token, SEARCH, { i: { imageBase64: photo, legalBasis: 'CRIMINAL_SUSPECT_ID', caseNumber: 'X' } }))).toBe('FORBIDDEN');
    expect(code(await t.gql(requester.token, `{ galleries { id } }`))).toMatch(/^(ok|FORBIDDEN)$/);
    const galleries = await t.gql(requester.token, `{ galleries { id } }`);
    expect(galleries.data?.galleries ?? []).toEqual([]);
  }, 60_000);

  it('the examiner cannot verify its own examination', async () => {
    const { id, searchId } = await request('IN_VERIFICATION');
    expect(code(await t.gql(examiner.token, CLAIM, { r: id }))).toBe('FORBIDDEN');
    const own = await t.gql(examiner.token, DISPOSE, { i: { requestId: id, conclusion: 'NO_LEAD', dispositions: [{ searchId, rank: 1, disposition: 'EXCLUDED' }, { searchId, rank: 2, disposition: 'EXCLUDED' }] } });
    expect(code(own)).toBe('FORBIDDEN');
    expect(await refusals(id)).toEqual(expect.arrayContaining([['REQUEST_VERIFICATION_CLAIMED', 'FORBIDDEN'], ['REQUEST_DISPOSITIONS_RECORDED', 'FORBIDDEN']]));
  }, 60_000);

  it('a lead cannot be released before it is verified', async () => {
    const { id, searchId } = await request('IN_VERIFICATION');
    const early = await t.gql(examiner.token, `mutation($r: ID!, $s: ID!) { releaseLead(requestId: $r, searchId: $s, rank: 1) { status } }`, { r: id, s: searchId });
    expect(code(early)).toBe('CONFLICT');
    const bySupervisor = await t.gql(supervisor.token, `mutation($r: ID!, $s: ID!) { releaseLead(requestId: $r, searchId: $s, rank: 1) { status } }`, { r: id, s: searchId });
    expect(code(bySupervisor)).toBe('CONFLICT');
    const seen = await t.gql(requester.token, `query($id: ID!) { request(id: $id) { status lead { subjectRef } } }`, { id });
    expect(seen.data.request).toEqual({ status: 'IN_VERIFICATION', lead: null });
    expect((await refusals(id)).filter(([a, r]) => a === 'REQUEST_STATUS_CHANGED' && r === 'CONFLICT')).toHaveLength(2);
  }, 60_000);

  it(`${CONTENDERS} verifiers claim at once: one has it, the others CONFLICT, each refusal audited`, async () => {
    const { id } = await request('IN_VERIFICATION');
    const results = await Promise.all(verifiers.map((v) => t.gql(v.token, CLAIM, { r: id })));
    const won = results.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.errors).map(code)).toEqual(Array(CONTENDERS - 1).fill('CONFLICT'));
    const winner = verifiers.find((v) => v.id === won[0].data.claimVerification.verifierId)!;
    // a loser now sees nothing of it (it is not the verifier), the winner does
    const loser = verifiers.find((v) => v !== winner)!;
    expect(code(await t.gql(loser.token, READ, { id }))).toBe('NOT_FOUND');
    expect(code(await t.gql(winner.token, READ, { id }))).toBe('ok');
    const claims = await t.gql(admin, `{ auditEvents(action: "REQUEST_VERIFICATION_CLAIMED", first: 100) { nodes { outcome reason details } } }`);
    const mine = claims.data.auditEvents.nodes.filter((e: { details: Record<string, unknown> }) => e.details.examinationRequestId === id || e.details.attemptedRequestId === id);
    expect(mine.filter((e: { outcome: string }) => e.outcome === 'ALLOWED')).toHaveLength(1);
    expect(mine.filter((e: { reason: string }) => e.reason === 'CONFLICT')).toHaveLength(CONTENDERS - 1);
  }, 60_000);

  it('a withdrawn request cannot be worked on, and a search for it charges nothing', async () => {
    const { id } = await request('ACCEPTED');
    expect((await t.gql(requester.token, `mutation($r: ID!) { withdrawRequest(requestId: $r) { status } }`, { r: id })).data.withdrawRequest.status).toBe('WITHDRAWN');
    const before = await used();
    const tries = [
      await t.gql(examiner.token, SEARCH, { i: { requestId: id, minScore: -1 } }),
      await t.gql(examiner.token, `mutation($i: EditRequestProbeInput!) { editRequestProbe(input: $i) { id } }`, { i: { requestId: id, steps: [{ kind: 'ROTATE', degrees: 90 }] } }),
      await t.gql(examiner.token, DISPOSE, { i: { requestId: id, conclusion: 'NO_LEAD', dispositions: [] } }),
      await t.gql(supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: id, e: examiner.id }),
    ];
    expect(tries.map(code)).toEqual(Array(4).fill('CONFLICT'));
    expect(await used()).toEqual(before);
    expect((await refusals(id)).map(([, reason]) => reason)).toEqual(Array(4).fill('CONFLICT'));
    // and a withdrawn request stays withdrawn
    expect(code(await t.gql(requester.token, `mutation($r: ID!) { withdrawRequest(requestId: $r) { status } }`, { r: id }))).toBe('CONFLICT');
  }, 60_000);

  it('the probe is read by its examiners only', async () => {
    const { id } = await request('ACCEPTED');
    const readers = {
      requester: requester.token, 'another requester': otherRequester.token, 'an unassigned analyst': bystander.token, 'another agency’s supervisor': outsiderSupervisor.token,
      'the hub administrator': admin, 'oversight': (await t.principal('hub', Role.OVERSIGHT_AUDITOR)).token,
    };
    const answers: Record<string, string> = {};
    for (const [who, token] of Object.entries(readers)) answers[who] = code(await t.gql(token, PROBE, { r: id }));
    expect(answers).toEqual({
      requester: 'FORBIDDEN', 'another requester': 'NOT_FOUND', 'an unassigned analyst': 'NOT_FOUND', 'another agency’s supervisor': 'NOT_FOUND',
      'the hub administrator': 'NOT_FOUND', oversight: 'NOT_FOUND',
    });
    expect(code(await t.gql(examiner.token, PROBE, { r: id }))).toBe('ok');
    expect((await refusals(id)).filter(([a]) => a === 'REQUEST_PROBE_VIEWED')).toHaveLength(6);
    // nor do candidates reach anyone through the search itself
    const { searchId } = await request('IN_VERIFICATION');
    expect(code(await t.gql(supervisor.token, `query($id: ID!) { search(id: $id) { candidates { score } } }`, { id: searchId }))).toBe('FORBIDDEN');
  }, 60_000);
  it("while it examines a request, the serving agency may spend one unit of the requester's quota and change nothing else of it", async () => {
    await request('ACCEPTED');
    const tenantId = async (token: string) => (await t.gql(token, `{ me { tenant { id } } }`)).data.me.tenant.id as string;
    const [hub, valley] = [await tenantId(examiner.token), await tenantId(requester.token)];
    const asHub = (sql: string) => t.hub.database.db.scoped({ tenantId: hub }, (tx) => tx.query(sql, [valley]));
    const quotas = async () => (await t.gql(admin, `{ quotas(tenantSlug: "valley-pd") { period limit used } }`)).data.quotas as { period: string; limit: number; used: number }[];
    const before = await quotas();
    expect(before.length).toBeGreaterThan(0);
    for (const sql of [
      `UPDATE quotas SET "limit" = "limit" + 1000 WHERE tenant_id = $1`,
      `UPDATE quotas SET used = 0 WHERE tenant_id = $1`,
      `UPDATE quotas SET used = used + 5 WHERE tenant_id = $1`,
      `UPDATE quotas SET window_start = window_start - interval '1 year' WHERE tenant_id = $1`,
    ]) await expect(asHub(sql)).rejects.toThrow(/only spend one unit/);
    expect(await quotas()).toEqual(before);
    // what a search for the request does still works
    await asHub(`UPDATE quotas SET used = CASE WHEN window_start = frhub_quota_window(period) THEN used + 1 ELSE 1 END, window_start = frhub_quota_window(period) WHERE tenant_id = $1`);
    expect(await quotas()).toEqual(before.map((q) => ({ ...q, used: q.used + 1 })));
  });
});
