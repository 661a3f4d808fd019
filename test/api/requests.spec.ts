import { Role } from '../../models/enums';
import { bookingPhoto } from '../support/fixtures';
import { startHub, uploadRequest, type TestHub } from '../support/hub';
import { bookings, DISPOSE, REQUEST_VIEW, SEARCH, SUBMIT, submission } from '../support/requests';

// A request's whole life over real HTTP: an agency with no examiners of its own asks the operator,
// an operator examiner edits the probe and finds the person, a second examiner verifies blind, the
// lead is released, the requester records an arrest and exports the photo after attesting.
describe('requests and examinations', () => {
  let t: TestHub;
  let admin: string;
  let requester: { id: string; token: string };
  let examiner: { id: string; token: string };
  let verifier: { id: string; token: string };
  let supervisor: { id: string; token: string };

  beforeAll(async () => {
    t = await startHub();
    admin = await t.token('hub', Role.HUB_ADMIN);
    await bookings(t);
    await t.createTenant('valley-pd');
    requester = await t.principal('valley-pd', Role.AGENCY_REQUESTER);
    examiner = await t.principal('hub', Role.AGENCY_ANALYST, { name: 'Examiner Kim' });
    verifier = await t.principal('hub', Role.AGENCY_ANALYST, { name: 'Examiner Osei' });
    supervisor = await t.principal('hub', Role.AGENCY_SUPERVISOR, { name: 'Sgt. Diaz' });
    const agreement = await t.gql(admin, `mutation($i: CreateExaminationAgreementInput!) { createExaminationAgreement(input: $i) { id tenantId requestingTenantId legalBases } }`, {
      i: { servingTenantSlug: 'hub', requestingTenantSlug: 'valley-pd', legalBases: ['CRIMINAL_SUSPECT_ID'], expiresAt: '2099-01-01T00:00:00Z' },
    });
    expect(agreement.errors).toBeUndefined();
  }, 120_000);
  afterAll(() => t?.close());

  it('runs from submission to an outcome, each step in the audit chain and the history read from it', async () => {
    // a variant photo of BK-1002, rotated a quarter turn: the examiner's edit turns it back
    const probe = await (await import('sharp')).default(await bookingPhoto('BK-1002', true)).rotate(-90).jpeg().toBuffer();
    const submitted = await uploadRequest(t.url, requester.token, SUBMIT, { ...submission, servingTenantSlug: 'hub' }, probe);
    expect(submitted.errors).toBeUndefined();
    const req = submitted.data.submitRequest;
    expect(req).toMatchObject({ status: 'SUBMITTED', examinerId: null, searches: [], examinations: [], lead: null });
    expect(req.history.map((h: { status: string }) => h.status)).toEqual(['SUBMITTED']);
    const id = req.id as string;

    // the serving supervisor chooses the examiner among its certified analysts; the requester sees no one
    const choices = `query($id: ID!) { request(id: $id) { examinerChoices { id name } } }`;
    expect((await t.gql(supervisor.token, choices, { id })).data.request.examinerChoices.map((x: { name: string }) => x.name).sort()).toEqual(['Examiner Kim', 'Examiner Osei']);
    expect((await t.gql(requester.token, choices, { id })).data.request.examinerChoices).toEqual([]);
    const accepted = await t.gql(supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status examinerId } }`, { r: id, e: examiner.id });
    expect(accepted.data.acceptRequest).toEqual({ status: 'ACCEPTED', examinerId: examiner.id });

    const edit = await t.gql(examiner.token, `mutation($i: EditRequestProbeInput!) { editRequestProbe(input: $i) { id version steps { kind degrees } } }`, { i: { requestId: id, steps: [{ kind: 'ROTATE', degrees: 90 }] } });
    expect(edit.errors).toBeUndefined();
    expect(edit.data.editRequestProbe).toMatchObject({ version: 1, steps: [{ kind: 'ROTATE', degrees: 90 }] });
    const version = edit.data.editRequestProbe.id;

    const searched = await t.gql(examiner.token, SEARCH, { i: { requestId: id, probeVersionId: version, minScore: -1, maxCandidates: 3 } });
    expect(searched.errors).toBeUndefined();
    const search = searched.data.searchFaces;
    expect(search).toMatchObject({ requestId: id, probeVersionId: version });
    expect(search.candidates[0].subjectRef).toBe('BK-1002');

    // the requesting agency paid for it, the operator did not
    const quotas = await t.gql(admin, `{ a: quota(tenantSlug: "valley-pd") { used } b: quota(tenantSlug: "hub") { used } }`);
    expect(quotas.data).toEqual({ a: { used: 1 }, b: { used: 0 } });

    // the requester sees nothing of the candidates before release
    const early = await t.gql(requester.token, `query($id: ID!) { request(id: $id) { ${REQUEST_VIEW} } }`, { id });
    expect(early.data.request).toMatchObject({ status: 'IN_EXAMINATION', searches: [], examinations: [], lead: null, examinerId: null });
    expect(JSON.stringify(early.data)).not.toContain('BK-100');

    const dispositions = search.candidates.map((c: { rank: number }) => ({ searchId: search.id, rank: c.rank, disposition: c.rank === 1 ? 'POSSIBLE_LEAD' : 'EXCLUDED', reason: c.rank === 1 ? 'ear shape and scar over the left brow agree' : null }));
    const examined = await t.gql(examiner.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions } });
    expect(examined.data.recordDispositions.status).toBe('IN_VERIFICATION');

    // the verifier takes it and sees the probe and candidates, not the examiner's dispositions nor the scores
    expect((await t.gql(verifier.token, `mutation($r: ID!) { claimVerification(requestId: $r) { verifierId } }`, { r: id })).data.claimVerification.verifierId).toBe(verifier.id);
    const blind = await t.gql(verifier.token, `query($id: ID!) { request(id: $id) { ${REQUEST_VIEW} } }`, { id });
    expect(blind.data.request.examinations).toEqual([]);
    expect(blind.data.request.searches[0].candidates.every((c: { score: number | null; faceImage: string }) => c.score === null && c.faceImage.startsWith('data:image/jpeg;base64,'))).toBe(true);
    const probeImage = await t.gql(verifier.token, `query($r: ID!) { requestProbe(requestId: $r) }`, { r: id });
    expect(probeImage.data.requestProbe).toMatch(/^data:image\/jpeg;base64,/);

    const verified = await t.gql(verifier.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions } });
    expect(verified.data.recordDispositions).toEqual({ status: 'VERIFIED', examinations: [{ role: 'EXAMINER' }, { role: 'VERIFIER' }] });

    const released = await t.gql(examiner.token, `mutation($r: ID!, $s: ID!) { releaseLead(requestId: $r, searchId: $s, rank: 1) { status lead { subjectRef faceImage } } }`, { r: id, s: search.id });
    expect(released.data.releaseLead).toEqual({ status: 'LEAD_RELEASED', lead: { subjectRef: 'BK-1002', faceImage: null } });

    const lead = (await t.gql(requester.token, `query($id: ID!) { request(id: $id) { ${REQUEST_VIEW} } }`, { id })).data.request;
    expect(lead.lead).toMatchObject({ subjectRef: 'BK-1002', banner: 'investigative lead only — not probable cause to arrest', examinerId: examiner.id, verifierId: verifier.id });
    expect(lead.lead.faceImage).toMatch(/^data:image\/jpeg;base64,/);
    expect(lead.searches).toEqual([]);

    // a line-up export needs an attestation of independent evidence
    const bare = await t.gql(requester.token, `mutation($r: ID!) { exportLeadPhoto(requestId: $r, attestation: "yes") { subjectRef } }`, { r: id });
    expect(bare.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const exported = await t.gql(requester.token, `mutation($r: ID!) { exportLeadPhoto(requestId: $r, attestation: "Fingerprint on the knife matched BK-1002 (lab report 26-4411).") { subjectRef image banner } }`, { r: id });
    expect(exported.data.exportLeadPhoto).toMatchObject({ subjectRef: 'BK-1002', banner: 'investigative lead only — not probable cause to arrest' });

    const outcome = await t.gql(requester.token, `mutation($r: ID!) { recordOutcome(requestId: $r, outcome: ARREST) { status outcome history { action status principalId } } }`, { r: id });
    expect(outcome.data.recordOutcome).toMatchObject({ status: 'OUTCOME_RECORDED', outcome: 'ARREST' });
    // the history is the chain's events of the request, in order; the requester sees no names
    const steps = outcome.data.recordOutcome.history.filter((h: { status: string | null }) => h.status).map((h: { status: string }) => h.status);
    expect(steps).toEqual(['SUBMITTED', 'ACCEPTED', 'IN_EXAMINATION', 'IN_VERIFICATION', 'IN_VERIFICATION', 'VERIFIED', 'LEAD_RELEASED', 'OUTCOME_RECORDED']);
    expect(outcome.data.recordOutcome.history.every((h: { principalId: string | null }) => h.principalId === null)).toBe(true);

    const full = (await t.gql(supervisor.token, `query($id: ID!) { request(id: $id) { history { seq action status principalId } } }`, { id })).data.request.history;
    const chain = await t.gql(admin, `{ auditEvents(first: 500) { nodes { seq action details } } verifyAuditChain { ok } }`);
    expect(chain.data.verifyAuditChain.ok).toBe(true);
    const ofRequest = chain.data.auditEvents.nodes.filter((e: { details: Record<string, unknown> }) => e.details.examinationRequestId === id).map((e: { seq: number }) => e.seq).sort((a: number, b: number) => a - b);
    expect(full.map((h: { seq: number }) => h.seq)).toEqual(ofRequest);
    expect(full.find((h: { action: string }) => h.action === 'SEARCH').principalId).toBe(examiner.id);

    const closed = await t.gql(supervisor.token, `mutation($r: ID!) { closeRequest(requestId: $r) { status } }`, { r: id });
    expect(closed.data.closeRequest.status).toBe('CLOSED');

    // oversight counts it, with small cells suppressed and no mean over fewer than five
    const auditor = await t.principal('hub', Role.OVERSIGHT_AUDITOR);
    const stats = await t.gql(auditor.token, `{ requestStatistics(from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { requests byAgency { key requests } byOffense { key requests } byOutcome { key requests } declined declinedShare meanTurnaroundHours } }`);
    expect(stats.data.requestStatistics).toEqual({
      requests: '<5', byAgency: [{ key: 'valley-pd', requests: '<5' }], byOffense: [{ key: 'ROBBERY', requests: '<5' }], byOutcome: [{ key: 'ARREST', requests: '<5' }],
      declined: '0', declinedShare: null, meanTurnaroundHours: null,
    });
  }, 180_000);

  it('a disagreement goes to a supervisor who adjudicates; all three sets are kept', async () => {
    const submitted = await t.gql(requester.token, SUBMIT, { input: { ...submission, caseNumber: 'VC-2026-78', servingTenantSlug: 'hub', imageBase64: (await bookingPhoto('BK-1003', true)).toString('base64') } });
    const id = submitted.data.submitRequest.id;
    await t.gql(supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: id, e: examiner.id });
    const search = (await t.gql(examiner.token, SEARCH, { i: { requestId: id, minScore: -1, maxCandidates: 2 } })).data.searchFaces;
    const all = (d: string) => search.candidates.map((c: { rank: number }) => ({ searchId: search.id, rank: c.rank, disposition: c.rank === 1 ? d : 'EXCLUDED', reason: d === 'POSSIBLE_LEAD' && c.rank === 1 ? 'same nose bridge' : null }));
    // the examiner's queue holds it while it is being examined
    const queue = await t.gql(examiner.token, `{ requests(assignedToMe: true) { nodes { id status } } }`);
    expect(queue.data.requests.nodes).toContainEqual({ id, status: 'IN_EXAMINATION' });
    await t.gql(examiner.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions: all('POSSIBLE_LEAD') } });
    // any other analyst of the serving tenant sees it awaiting a verifier, nobody's dispositions shown
    const awaiting = await t.gql(verifier.token, `{ requests(status: IN_VERIFICATION) { nodes { id examinations { role } } } }`);
    expect(awaiting.data.requests.nodes).toContainEqual({ id, examinations: [] });
    await t.gql(verifier.token, `mutation($r: ID!) { claimVerification(requestId: $r) { status } }`, { r: id });
    const disagreed = await t.gql(verifier.token, DISPOSE, { i: { requestId: id, conclusion: 'NO_LEAD', dispositions: all('INCONCLUSIVE') } });
    expect(disagreed.data.recordDispositions.status).toBe('IN_ADJUDICATION');
    const adjudicated = await t.gql(supervisor.token, DISPOSE, { i: { requestId: id, conclusion: 'POSSIBLE_LEAD', dispositions: all('POSSIBLE_LEAD') } });
    expect(adjudicated.data.recordDispositions).toEqual({ status: 'VERIFIED', examinations: [{ role: 'EXAMINER' }, { role: 'VERIFIER' }, { role: 'ADJUDICATOR' }] });
  }, 120_000);

  it("an analyst's pages are whole: requests of its tenant it may not read do not leave a page short", async () => {
    const own = await t.gql(requester.token, SUBMIT, { input: { ...submission, caseNumber: 'VC-2026-90', servingTenantSlug: 'hub', imageBase64: (await bookingPhoto('BK-1001', true)).toString('base64') } });
    await t.gql(supervisor.token, `mutation($r: ID!, $e: ID!) { acceptRequest(requestId: $r, examinerId: $e) { status } }`, { r: own.data.submitRequest.id, e: examiner.id });
    // two newer requests nobody has accepted: the serving tenant's analysts may not read them
    for (const n of [1, 2]) {
      const r = await t.gql(requester.token, SUBMIT, { input: { ...submission, caseNumber: `VC-2026-9${n}`, servingTenantSlug: 'hub', imageBase64: (await bookingPhoto('BK-1001', true)).toString('base64') } });
      expect(r.errors).toBeUndefined();
    }
    const PAGE = `query($after: String) { requests(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
    const all = (await t.gql(examiner.token, `{ requests(first: 100) { nodes { id } } }`)).data.requests;
    expect(all.nodes.map((n: { id: string }) => n.id)).toContain(own.data.submitRequest.id);
    const walked: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = (await t.gql(examiner.token, PAGE, { after })).data.requests;
      if (!page.nodes.length) break;
      expect(page.nodes).toHaveLength(1);
      walked.push(page.nodes[0].id);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(walked).toEqual(all.nodes.map((n: { id: string }) => n.id));
  }, 120_000);

  it('a request the requester’s own policy forbids is refused, audited, nothing charged', async () => {
    // valley-pd allows no DETAINEE_NO_ID searches; the operator's rules would not save it
    await t.gql(admin, `mutation { setTenantPolicy(input: { tenantSlug: "valley-pd", allowedBases: [VICTIM_ID] }) { allowedBases } }`);
    const before = (await t.gql(admin, `{ quota(tenantSlug: "valley-pd") { used } }`)).data.quota.used;
    const r = await t.gql(requester.token, SUBMIT, { input: { ...submission, servingTenantSlug: 'hub', imageBase64: (await bookingPhoto('BK-1001')).toString('base64') } });
    expect(r.errors?.[0].extensions.code).toBe('LEGAL_BASIS_NOT_PERMITTED');
    expect(r.errors?.[0].message).toMatch(/^Your agency: /);
    const events = await t.gql(admin, `{ auditEvents(action: "REQUEST_SUBMITTED", first: 5) { nodes { outcome reason } } }`);
    expect(events.data.auditEvents.nodes[0]).toEqual({ outcome: 'DENIED', reason: 'LEGAL_BASIS_NOT_PERMITTED' });
    expect((await t.gql(admin, `{ quota(tenantSlug: "valley-pd") { used } }`)).data.quota.used).toBe(before);
    await t.gql(admin, `mutation { setTenantPolicy(input: { tenantSlug: "valley-pd", preset: "MN_DEFAULT" }) { allowedBases } }`);
  }, 60_000);
});
