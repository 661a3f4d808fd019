import { AuditRepository, type AuditEventInput } from '../../models/audit.repository';
import { AuditAction, AuditOutcome, LegalBasis, Role, TenantStatus } from '../../models/enums';
import { AuditTrail } from '../../tenants/audit/audit-trail';
import { verifyChain } from '../../tenants/audit/audit.service';
import { DomainError } from '../../tenants/shared/errors';
import { systemClock } from '../../tenants/shared/ports';
import { checkSearchPolicy } from '../../tenants/legal-basis/legal-basis';
import { resolvePolicy } from '../../tenants/legal-basis/policy.service';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';

// The audit chain's integrity against odd text, and "every attempt audited" with one error map, on
// PGlite and PostgreSQL alike (DATABASE_URL).
describe('audit chain integrity and audited refusals', () => {
  let t: TestHub;
  let hubAdmin: string;
  let auditor: string;
  let analyst: string;
  let agencyAdmin: string;
  let image: string;
  const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id candidates { rank } } }`;
  const verify = async () => (await t.gql(auditor, `{ verifyAuditChain { ok firstBrokenSequence checked } }`)).data.verifyAuditChain;
  const events = async (action: AuditAction) =>
    (await t.gql(hubAdmin, `query($a: String) { auditEvents(action: $a, first: 500) { nodes { seq action outcome reason caseNumber legalBasis details } } }`, { a: action })).data.auditEvents.nodes;

  beforeAll(async () => {
    t = await startHub();
    hubAdmin = await t.token('hub', Role.HUB_ADMIN);
    auditor = (await t.principal('hub', Role.OVERSIGHT_AUDITOR)).token;
    await t.createTenant('metro-pd');
    agencyAdmin = await t.token('metro-pd', Role.AGENCY_ADMIN);
    analyst = (await t.principal('metro-pd', Role.AGENCY_ANALYST)).token;
    image = (await portrait()).toString('base64');
    const g = (await t.gql(agencyAdmin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    const e = await t.gql(agencyAdmin, `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { templateId } }`, { i: { galleryId: g, subjectRef: 'B-1', imageBase64: image } });
    expect(e.errors).toBeUndefined();
  });
  afterAll(() => t?.close());

  describe('case numbers that are not text', () => {
    const cases: [string, string][] = [
      ['a lone UTF-16 surrogate', 'LONE-\ud800-X'],
      ['a lone low surrogate', 'LOW-\udc00'],
      ['NUL', 'NUL-\u0000-X'],
      ['100,000 characters', 'A'.repeat(100_000)],
      ['only zero-width spaces', '\u200b\u200b\u200b'],
      ['a right-to-left override', 'CASE-\u202e4321'],
      ['an escape sequence', 'CASE-\u001b[2J'],
    ];
    it.each(cases)('%s is refused with BAD_USER_INPUT, audited, spends nothing, and the chain still verifies', async (_what, caseNumber) => {
      const before = (await events(AuditAction.SEARCH)).length;
      const quota = async () => (await t.gql(analyst, `{ quota { used } }`)).data.quota.used;
      const used = await quota();
      const r = await t.gql(analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber, minScore: -1 } });
      expect(r.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(/input\.caseNumber/);
      const after = await events(AuditAction.SEARCH);
      expect(after.length).toBe(before + 1);
      expect(after[0]).toMatchObject({ action: 'SEARCH', outcome: 'FAILED', reason: 'BAD_USER_INPUT', caseNumber: null, legalBasis: 'VICTIM_ID' });
      expect(await quota()).toBe(used);
      expect(await verify()).toMatchObject({ ok: true, firstBrokenSequence: null });
    });

    it('a NUL in free text (the narrative) is BAD_USER_INPUT, not an internal error; line breaks and tabs are fine', async () => {
      const r = await t.gql(analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'C-1', narrative: 'saw\u0000it' } });
      expect(r.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      const ok = await t.gql(analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'C-1', narrative: 'line one\n\tline two', minScore: -1 } });
      expect(ok.errors).toBeUndefined();
      expect((await verify()).ok).toBe(true);
    });
  });

  it('the repository hashes what it stores: an event holding lone surrogates and NUL still verifies', async () => {
    const repo = new AuditRepository();
    const odd: AuditEventInput = {
      at: new Date(), requestId: 'req-\ud800', tenantId: null, principalId: null, actorRole: null, action: AuditAction.SEARCH, outcome: AuditOutcome.FAILED,
      reason: 'R\u0000', caseNumber: 'LONE-\ud800-X', legalBasis: null, offenseCategory: null, galleries: null, candidateCount: null, modelVersion: null,
      probeSha256: null, details: { ['k\udfff']: 'v\u0000\ud83d', nested: [{ s: '\udc00' }], when: new Date(0), gone: undefined },
    };
    const db = t.hub.database.db;
    const { seq } = await db.transaction((tx) => repo.append(tx, odd));
    const [row] = await db.query(`SELECT case_number AS "caseNumber", reason, details FROM audit_events WHERE seq = $1`, [seq]);
    expect(row).toEqual({ caseNumber: 'LONE-\ufffd-X', reason: 'R\ufffd', details: { 'k\ufffd': 'v\ufffd\ufffd', nested: [{ s: '\ufffd' }], when: '1970-01-01T00:00:00.000Z' } });
    expect(await db.transaction((tx) => verifyChain(tx))).toMatchObject({ ok: true, firstBrokenSequence: null });
  });

  it('a case or warrant number of only spaces and invisible characters does not satisfy a policy that requires one', () => {
    const policy = { ...resolvePolicy(null, null), allowedBases: [LegalBasis.VICTIM_ID], offenseRequiredFor: [], narrativeRequiredFor: [], warrantRequiredFor: [LegalBasis.VICTIM_ID], caseNumberRequiredFor: [LegalBasis.VICTIM_ID] };
    const declare = (caseNumber: string, warrantNumber: string) => () => checkSearchPolicy(policy, TenantStatus.ACTIVE, { legalBasis: LegalBasis.VICTIM_ID, caseNumber, warrantNumber, notForProhibitedPurpose: true });
    for (const blank of ['\u200b\u200c\u200d', ' \u2060\ufeff ', '\u202e\u200f']) {
      expect(declare(blank, 'W-1')).toThrow(expect.objectContaining({ code: 'CASE_NUMBER_REQUIRED' }));
      expect(declare('C-1', blank)).toThrow(expect.objectContaining({ code: 'WARRANT_REQUIRED' }));
    }
    expect(declare('C-1', 'W-1')).not.toThrow();
  });

  describe('every attempt audited, with a stable reason and code', () => {
    it('concurrent creations of one tenant slug: exactly one succeeds, the others are CONFLICT, each audited', async () => {
      const before = (await events(AuditAction.TENANT_CREATED)).length;
      const results = await Promise.all(Array.from({ length: 8 }, () => t.gql(hubAdmin, `mutation { createTenant(input: { slug: "race-pd", name: "Race PD" }) { id } }`)));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(results.filter((r) => r.errors).map((r) => r.errors![0].extensions.code)).toEqual(Array(7).fill('CONFLICT'));
      const after = (await events(AuditAction.TENANT_CREATED)).slice(0, 8);
      expect(after.length).toBe(Math.min(8, before + 8));
      expect(after.filter((e: { outcome: string }) => e.outcome === 'ALLOWED')).toHaveLength(1);
      expect(after.filter((e: { reason: string }) => e.reason === 'CONFLICT')).toHaveLength(7);
    });

    it('concurrent creations of one gallery name: exactly one succeeds, the others are CONFLICT', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => t.gql(agencyAdmin, `mutation { createGallery(input: { name: "Race" }) { id } }`)));
      expect(results.filter((r) => !r.errors)).toHaveLength(1);
      expect(results.filter((r) => r.errors).map((r) => r.errors![0].extensions.code)).toEqual(Array(7).fill('CONFLICT'));
      expect((await verify()).ok).toBe(true);
    });

    it('a failure while auditing a refusal never hides the refusal itself', async () => {
      const tenantId = (await t.gql(agencyAdmin, `{ me { tenant { id } } }`)).data.me.tenant.id;
      const actor = { requestId: 'r-1', tenantId, tenantSlug: 'metro-pd', isOperator: false, principalId: null, role: Role.AGENCY_ANALYST, certifiedUntil: null, tenantSuspended: false };
      const failures: unknown[] = [];
      const trail = new AuditTrail(t.hub.database.db, systemClock, undefined, (err) => failures.push(err));
      const refusal = new DomainError('FORBIDDEN', 'not yours');
      // a gallery id the audit table's uuid[] column refuses: the append fails in the real database
      await expect(trail.refusals(actor, { action: AuditAction.SEARCH, galleries: ['not-a-uuid'] }, async () => { throw refusal; })).rejects.toBe(refusal);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ code: '22P02' });
      expect((await verify()).ok).toBe(true);
    });

    it('the hub logs a refusal it could not audit (error level, with its request id) and counts it in frhub_audit_failures_total', async () => {
      const tenantId = (await t.gql(agencyAdmin, `{ me { tenant { id } } }`)).data.me.tenant.id;
      const actor = { requestId: 'r-lost', tenantId, tenantSlug: 'metro-pd', isOperator: false, principalId: null, role: Role.AGENCY_ANALYST, certifiedUntil: null, tenantSuspended: false };
      const counted = async () => Number((await (await fetch(`${t.url}/metrics`)).text()).match(/^frhub_audit_failures_total (\d+)$/m)?.[1]);
      const before = await counted();
      const logged = jest.spyOn(t.hub.logger, 'error');
      try {
        const { trail } = t.hub.services as unknown as { trail: AuditTrail };
        const refusal = new DomainError('FORBIDDEN', 'not yours');
        await expect(trail.refusals(actor, { action: AuditAction.SEARCH, galleries: ['not-a-uuid'] }, async () => { throw refusal; })).rejects.toBe(refusal);
        expect(logged).toHaveBeenCalledWith(expect.objectContaining({ requestId: 'r-lost', reason: 'FORBIDDEN', err: expect.objectContaining({ code: '22P02' }) }), expect.stringMatching(/^could not audit a refused attempt/));
      } finally {
        logged.mockRestore();
      }
      expect(await counted()).toBe(before + 1);
    });

    it('an error without a code is audited too, as INTERNAL_ERROR, and its text stays out of the chain', async () => {
      const tenantId = (await t.gql(agencyAdmin, `{ me { tenant { id } } }`)).data.me.tenant.id;
      const actor = { requestId: 'r-2', tenantId, tenantSlug: 'metro-pd', isOperator: false, principalId: null, role: Role.AGENCY_ANALYST, certifiedUntil: null, tenantSuspended: false };
      const trail = new AuditTrail(t.hub.database.db, systemClock);
      const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
      await expect(trail.refusals(actor, { action: AuditAction.SEARCH_VIEWED }, async () => { throw bug; })).rejects.toBe(bug);
      const [last] = await events(AuditAction.SEARCH_VIEWED);
      expect(last).toMatchObject({ outcome: 'FAILED', reason: 'INTERNAL_ERROR' });
    });

    it('a malformed id or a forged cursor is BAD_USER_INPUT, never INTERNAL_SERVER_ERROR', async () => {
      const q = `query($t: ID, $a: String, $act: String) { auditEvents(tenantId: $t, after: $a, action: $act, first: 5) { nodes { seq } } }`;
      for (const v of [{ t: 'x' }, { t: '00000000-0000-0000-0000-00000000000g' }, { a: 'not-a-cursor' }, { a: '-1' }, { act: 'NOPE' }]) {
        const r = await t.gql(hubAdmin, q, v);
        expect([JSON.stringify(v), r.errors?.[0].extensions.code]).toEqual([JSON.stringify(v), 'BAD_USER_INPUT']);
      }
      const forged = Buffer.from(JSON.stringify(['2020-01-01T00:00:00Z', 'not-a-uuid'])).toString('base64url');
      for (const after of ['garbage', forged]) {
        const r = await t.gql(analyst, `query($a: String) { searches(after: $a) { nodes { id } } }`, { a: after });
        expect([after, r.errors?.[0].extensions.code]).toEqual([after, 'BAD_USER_INPUT']);
      }
      const audited = (await events(AuditAction.AUDIT_READ)).filter((e: { reason: string }) => e.reason === 'BAD_USER_INPUT');
      expect(audited.length).toBeGreaterThanOrEqual(5);
    });

    it('probing for a search that is not yours is audited: another tenant\'s id and a made-up one alike', async () => {
      await t.createTenant('probe-pd');
      const victim = (await t.principal('probe-pd', Role.AGENCY_ANALYST)).token;
      const theirs = await t.gql(victim, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'V-1' } });
      expect(theirs.errors).toBeUndefined();
      const before = (await events(AuditAction.SEARCH_VIEWED)).length;
      for (const id of [theirs.data.searchFaces.id, '00000000-0000-4000-8000-000000000000']) {
        expect((await t.gql(analyst, `query($id: ID!) { search(id: $id) { id } }`, { id })).errors?.[0].extensions.code).toBe('NOT_FOUND');
      }
      const refused = (await events(AuditAction.SEARCH_VIEWED)).slice(0, 2);
      expect((await events(AuditAction.SEARCH_VIEWED)).length).toBe(before + 2);
      for (const e of refused) expect(e).toMatchObject({ outcome: 'DENIED', reason: 'NOT_FOUND' });
    });

    it('statistics count a review only when it was recorded, not its refusals', async () => {
      const s = await t.gql(analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'STAT-1', minScore: -1 } });
      expect(s.errors).toBeUndefined();
      const searchId = s.data.searchFaces.id;
      const review = (input: Record<string, unknown>) => t.gql(analyst, `mutation($i: ReviewSearchInput!) { reviewSearch(input: $i) { id } }`, { i: { searchId, outcome: 'NO_LEAD', decisions: [], ...input } });
      const reviews = async () => {
        const r = await t.gql(auditor, `query($f: DateTimeISO!, $t: DateTimeISO!) { usageStatistics(from: $f, to: $t) { rows { reviews } } }`, { f: '2000-01-01T00:00:00Z', t: '2100-01-01T00:00:00Z' });
        return r.data.usageStatistics.rows.reduce((a: number, x: { reviews: number }) => a + x.reviews, 0);
      };
      const start = await reviews();
      expect((await review({ decisions: [{ rank: 99, decision: 'NOT_A_MATCH' }] })).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect((await review({ searchId: '00000000-0000-4000-8000-000000000000' })).errors?.[0].extensions.code).toBe('NOT_FOUND');
      expect((await review({ note: 'x'.repeat(5000) })).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      const refused = (await events(AuditAction.SEARCH_REVIEW)).filter((e: { outcome: string }) => e.outcome === 'DENIED' || e.outcome === 'FAILED');
      expect(refused.length).toBe(3);
      expect(await reviews()).toBe(start);
      expect((await review({})).errors).toBeUndefined();
      expect(await reviews()).toBe(start + 1);
    });
  });
});
