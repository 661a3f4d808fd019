import type { FaceCropRepository } from '../../models/face-crop.repository.js';
import { createHash, randomUUID } from 'node:crypto';
import { subject as tagged } from '@casl/ability';
import { canonicalEvent, chainHash, GENESIS_HASH, type AuditEventRow } from '../../models/audit.repository.js';
import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, ReportAudience, RequestStatus, type SigningKeyStatus } from '../../models/enums.js';
import { ReportRepository } from '../../models/report.repository.js';
import { RequestRepository, type RequestRow } from '../../models/request.repository.js';
import { SearchRepository } from '../../models/search.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { onlyItsExaminer } from '../search/search.service.js';
import { abilityOf, authorize } from '../access/ability.js';
import { servingSide } from '../requests/request-view.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import type { TenantScope } from '../../models/db.js';
import { isUuid } from '../shared/ids.js';
import type { Clock, DocumentSigner, ProbeEditor } from '../shared/ports.js';
import { discoveryReadme, discoveryZip, DISCOVERY_FILES, probeFiles, readZip } from './discovery.js';
import { candidateCsv, reportDigest, type LeadReport } from './lead-report.js';
import { facesOf, pdfAttachments, REPORT_ATTACHMENT, renderLeadReportPdf } from './lead-report.pdf.js';
import { assembleReport, type ModelDescriber, type ReportCase } from './report-case.js';

export type ReportFormat = 'PDF' | 'JSON' | 'ZIP';

export interface ProducedReport {
  report: LeadReport;
  /** the signed report as the hub serializes it */
  json: string;
  pdf: Uint8Array;
  /** the discovery package, when asked for */
  zip?: Uint8Array;
}

export interface ReportVerification {
  intact: boolean;
  kind: ReportFormat | 'UNKNOWN';
  reportId: string | null;
  subject: string | null;
  /** the hub key that signed it, when the signature verified */
  signedBy: string | null;
  /** how that key stands now: a retired key still vouches for the reports it signed */
  signingKeyStatus: SigningKeyStatus | null;
  /** when the signing key was retired (stopped verifying tokens), when it is */
  signingKeyRetiredAt: Date | null;
  signatureValid: boolean;
  /** every byte is as the hub produced it for the signed content */
  contentIntact: boolean;
  auditEventsChecked: number;
  /** sequence numbers of events missing from the chain, or whose hash no longer matches */
  auditEventsNotHeld: number[];
  problems: string[];
}

/** The requesting agency's answer has come back: a lead released, or no lead (an outcome may follow). */
const answered = (r: RequestRow) =>
  [RequestStatus.LEAD_RELEASED, RequestStatus.NO_LEAD, RequestStatus.OUTCOME_RECORDED].includes(r.status as RequestStatus) || (r.status === RequestStatus.CLOSED && r.outcome !== null);

const serialize = (r: LeadReport) => JSON.stringify(r, null, 2);
const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Lead reports (PDF and JSON, signed) and discovery packages of a case, and their verification.
 * Producing one is an access to case data: audited (REPORT_PRODUCED), refusals too.
 */
export class ReportService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly signer: DocumentSigner,
    private readonly models: ModelDescriber,
    /** the kept faces a report shows (absent: a verifier, which shows none) */
    private readonly crops: FaceCropRepository | undefined,
    /** prints a request's probe and its edited versions (absent: a verifier, which prints none) */
    private readonly editor: ProbeEditor | undefined = undefined,
    private readonly searches = new SearchRepository(),
    private readonly repo = new ReportRepository(),
    private readonly requests = new RequestRepository(),
  ) {}

  /** The lead report of one search; another agency's search is NOT_FOUND (and audited). */
  async searchReport(actor: Actor, searchId: string, format: ReportFormat, audience = ReportAudience.AGENCY): Promise<ProducedReport> {
    return this.produce(actor, { searchId, format, audience }, async (tx) => {
      const search = isUuid(searchId) ? await this.searches.visible(tx, searchId) : undefined;
      if (!search) throw notFound('search', searchId);
      const ability = abilityOf(actor, this.clock.now());
      authorize(actor, ability, 'read', 'Search', { ...search });
      // a request's search is read through the request's report (blind verification, the requester's version), as through search(id)
      onlyItsExaminer(actor, search);
      return {
        subject: { kind: 'SEARCH', id: search.id }, tenantId: search.tenantId, principalId: search.principalId, searches: [search], audience,
        mayShowFaces: ability.can('review', tagged('Search', { ...search } as Record<string, unknown>)),
      };
    });
  }

  /**
   * The lead report of a request. The serving tenant's examiner, verifier and supervisors read it
   * whole, faces too, but never while a blind verification runs (it would show the verifier the
   * examiner's dispositions); the requesting agency reads it once its answer came back (a released
   * lead or no lead), with only the released lead's subject and face; the discovery package is the
   * serving tenant's to produce. Another agency's request is NOT_FOUND, and every refusal audited.
   */
  async requestReport(actor: Actor, requestId: string, format: ReportFormat, audience = ReportAudience.AGENCY): Promise<ProducedReport> {
    // the requesting agency does not own the searches its request caused: once the loader below has
    // authorized it against its own request, its report is read across both parties' rows
    const peek = isUuid(requestId) ? await this.db.scoped(scopeOf(actor), (tx) => this.requests.visible(tx, requestId)) : undefined;
    const scope: TenantScope = peek && peek.tenantId === actor.tenantId && !servingSide(actor, peek) ? { tenantId: actor.tenantId, allTenants: true } : scopeOf(actor);
    return this.produce(actor, { requestId, format, audience }, async (tx) => {
      const r = isUuid(requestId) ? await this.requests.visible(tx, requestId) : undefined;
      if (!r) throw notFound('request', requestId);
      const serving = servingSide(actor, r);
      // 'probe' is held by exactly the request's examiner, its verifier and the serving tenant's supervisors
      authorize(actor, abilityOf(actor, this.clock.now()), serving ? 'probe' : 'read', 'Request', { ...r } as unknown as Record<string, unknown> & { id: string; tenantId: string });
      if (serving && r.status === RequestStatus.IN_VERIFICATION && actor.principalId !== r.examinerId) {
        throw new DomainError('CONFLICT', 'A blind verification is under way: the report (which shows the examiner\'s dispositions) waits until the verifier has recorded theirs.', { status: r.status });
      }
      if (!serving && !answered(r)) {
        throw new DomainError('CONFLICT', `This request is ${r.status}: its report reaches the requesting agency once a lead is released or no lead is found.`, { status: r.status });
      }
      if (!serving && format === 'ZIP') throw new DomainError('FORBIDDEN', 'The discovery package is produced by the serving agency that examined the request; ask it for one.');
      const runs = await this.requests.searches(tx, r.id);
      const rows = await this.searches.visibleMany(tx, runs.map((x) => x.id));
      return {
        subject: { kind: 'REQUEST', id: r.id }, tenantId: r.tenantId, principalId: r.submittedBy, audience, mayShowFaces: true,
        searches: runs.map((x) => rows.find((s) => s.id === x.id)).filter((s): s is NonNullable<typeof s> => !!s),
        request: {
          row: r, probes: await this.requests.probes(tx, r.id), versions: await this.requests.versions(tx, r.id), examinations: await this.requests.examinations(tx, r.id),
          ...(serving ? {} : { only: r.leadSearchId && r.leadRank !== null ? { searchId: r.leadSearchId, rank: r.leadRank } : null }),
        },
      };
    }, scope);
  }

  /**
   * The report of any case: `load` reads and authorizes it in the caller's transaction; the report is
   * assembled, signed, rendered (and zipped for ZIP) and its production audited in that transaction.
   * A request's report calls this with a loader of the request's case.
   */
  async produce(
    actor: Actor, what: { searchId?: string; requestId?: string; format: ReportFormat; audience: ReportAudience }, load: (tx: Queryable) => Promise<ReportCase>,
    /** the rows the report is read from: the caller's own unless `load` authorizes a wider read itself */
    scope: TenantScope = scopeOf(actor),
  ): Promise<ProducedReport> {
    const details = { ...(what.searchId ? { searchId: what.searchId } : {}), ...(what.requestId ? { requestId: what.requestId } : {}), format: what.format, audience: what.audience };
    return this.trail.refusals(actor, { action: AuditAction.REPORT_PRODUCED, details }, () =>
      this.db.scoped(scope, async (tx) => {
        const c = await load(tx);
        const { report, faces } = await assembleReport(tx, c, { reportId: randomUUID(), now: this.clock.now(), models: this.models, crops: this.crops, editor: this.editor });
        report.signature = await this.signer.sign(reportDigest(report));
        const json = serialize(report);
        const pdf = await renderLeadReportPdf(report, faces);
        const zip = what.format === 'ZIP' ? discoveryZip(report, json, pdf, faces) : undefined;
        const first = c.request?.row ?? c.searches[0];
        await this.trail.append(tx, actor, {
          action: AuditAction.REPORT_PRODUCED, outcome: AuditOutcome.ALLOWED, caseNumber: first?.caseNumber ?? null, legalBasis: first?.legalBasis ?? null,
          offenseCategory: first?.offenseCategory ?? null, details: { ...details, reportId: report.reportId, faces: report.faces, digest: reportDigest(report) },
        });
        return { report, json, pdf, zip };
      }),
    );
  }

  /**
   * Whether a report file (PDF, JSON or discovery ZIP) is intact: the hub's signature over its
   * content, every byte as the hub produced it for that content, and its audit events still in the
   * chain with the same hashes. Audited (REPORT_VERIFIED) with the answer; `actor` null for the CLI.
   */
  async verify(actor: Actor | null, bytes: Uint8Array): Promise<ReportVerification> {
    const v = await this.check(bytes);
    const event = { action: AuditAction.REPORT_VERIFIED, outcome: AuditOutcome.ALLOWED, details: { kind: v.kind, reportId: v.reportId, intact: v.intact, signedBy: v.signedBy, signingKeyStatus: v.signingKeyStatus, problems: v.problems.length } };
    await this.db.scoped(actor ? scopeOf(actor) : { tenantId: null, allTenants: true }, (tx) => this.trail.append(tx, actor, event));
    return v;
  }

  private async check(bytes: Uint8Array): Promise<ReportVerification> {
    const v: ReportVerification = { intact: false, kind: 'UNKNOWN', reportId: null, subject: null, signedBy: null, signingKeyStatus: null, signingKeyRetiredAt: null, signatureValid: false, contentIntact: false, auditEventsChecked: 0, auditEventsNotHeld: [], problems: [] };
    const head = Buffer.from(bytes.subarray(0, 5)).toString('latin1');
    v.kind = head.startsWith('%PDF') ? 'PDF' : head.startsWith('PK\x03\x04') ? 'ZIP' : 'JSON';
    let report: LeadReport | undefined;
    try {
      report = await this.contentOf(v, bytes);
    } catch (e) {
      v.problems.push(`the file cannot be read as a lead report ${v.kind}: ${(e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ')}`);
    }
    if (!report) return v;
    v.reportId = report.reportId ?? null;
    v.subject = report.subject ? `${report.subject.kind} ${report.subject.id}` : null;
    if (!report.signature?.jws) v.problems.push('the report carries no signature');
    else {
      try {
        const signed = await this.signer.verify(report.signature.jws);
        v.signedBy = signed.kid;
        v.signingKeyStatus = signed.keyStatus;
        v.signingKeyRetiredAt = signed.retiredAt ?? null;
        v.signatureValid = signed.digest === reportDigest(report);
        if (!v.signatureValid) v.problems.push(`the content differs from what key ${signed.kid} signed`);
      } catch (e) {
        v.problems.push(`the signature does not verify with any key this hub holds or has retired (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    if (v.signatureValid) await this.checkEvents(v, report);
    v.intact = v.signatureValid && v.contentIntact && v.auditEventsNotHeld.length === 0 && v.problems.length === 0;
    return v;
  }

  /** The signed report inside the file, with `contentIntact` set when every byte is the hub's for it. */
  private async contentOf(v: ReportVerification, bytes: Uint8Array): Promise<LeadReport | undefined> {
    if (v.kind === 'JSON') {
      const text = Buffer.from(bytes).toString('utf8');
      const report = JSON.parse(text) as LeadReport;
      v.contentIntact = text === serialize(report);
      if (!v.contentIntact) v.problems.push('the JSON is not byte for byte as the hub wrote it');
      return report;
    }
    if (v.kind === 'PDF') {
      const files = await pdfAttachments(bytes);
      const attached = files.get(REPORT_ATTACHMENT);
      if (!attached) throw new Error(`it has no attached ${REPORT_ATTACHMENT}`);
      const report = JSON.parse(Buffer.from(attached).toString('utf8')) as LeadReport;
      const again = await renderLeadReportPdf(report, facesOf(files));
      v.contentIntact = equalBytes(again, bytes) && Buffer.from(attached).toString('utf8') === serialize(report);
      if (!v.contentIntact) v.problems.push('the PDF is not byte for byte the one the hub renders from its signed content');
      return report;
    }
    const files = readZip(bytes);
    const json = files[DISCOVERY_FILES.json];
    const pdf = files[DISCOVERY_FILES.pdf];
    if (!json || !pdf) throw new Error(`the ZIP lacks ${DISCOVERY_FILES.json} or ${DISCOVERY_FILES.pdf}`);
    const text = Buffer.from(json).toString('utf8');
    const report = JSON.parse(text) as LeadReport;
    const inPdf = await pdfAttachments(pdf);
    const attached = inPdf.get(REPORT_ATTACHMENT);
    const again = discoveryZip(report, text, pdf, facesOf(inPdf));
    const checks: [boolean, string][] = [
      [text === serialize(report), `${DISCOVERY_FILES.json} is not byte for byte as the hub wrote it`],
      [!!attached && Buffer.from(attached).toString('utf8') === text, `${DISCOVERY_FILES.pdf} carries another report than ${DISCOVERY_FILES.json}`],
      [equalBytes(await renderLeadReportPdf(report, facesOf(inPdf)), pdf), `${DISCOVERY_FILES.pdf} is not the PDF the hub renders from its signed content`],
      ...probeFiles(report).map((f): [boolean, string] => [!!files[f.name] && createHash('sha256').update(files[f.name]).digest('hex') === f.sha256, `${f.name} is not the probe print the report names`]),
      [Buffer.from(files[DISCOVERY_FILES.csv] ?? []).toString('utf8') === candidateCsv(report), `${DISCOVERY_FILES.csv} differs from the signed candidate list`],
      [Buffer.from(files[DISCOVERY_FILES.readme] ?? []).toString('utf8') === discoveryReadme(report), `${DISCOVERY_FILES.readme} differs from the hub's`],
      [equalBytes(again, bytes), 'the ZIP is not byte for byte the one the hub made (a file added, removed or re-packed)'],
    ];
    for (const [ok, problem] of checks) if (!ok) v.problems.push(problem);
    v.contentIntact = checks.every(([ok]) => ok);
    return report;
  }

  /** Each event the report names: still in the chain at its sequence number, its hash recomputed from its content and the one before. */
  private async checkEvents(v: ReportVerification, report: LeadReport): Promise<void> {
    const named = Array.isArray(report.auditEvents) ? report.auditEvents : [];
    const seqs = named.map((e) => e.seq).filter((s) => Number.isInteger(s) && s > 0);
    const rows = await this.db.scoped({ tenantId: null, allTenants: true }, (tx) => this.repo.eventsAt(tx, [...new Set(seqs.flatMap((s) => [s, s - 1]))]));
    const bySeq = new Map(rows.map((r) => [Number(r.seq), r as unknown as AuditEventRow]));
    for (const e of named) {
      const row = bySeq.get(e.seq);
      const prev = e.seq === 1 ? GENESIS_HASH : bySeq.get(e.seq - 1)?.hash;
      const holds = !!row && !!prev && row.hash === e.hash && chainHash(prev, e.seq, canonicalEvent({ ...row, at: new Date(row.at) })) === row.hash;
      if (!holds) v.auditEventsNotHeld.push(e.seq);
    }
    v.auditEventsChecked = named.length;
    if (v.auditEventsNotHeld.length) v.problems.push(`audit event(s) ${v.auditEventsNotHeld.join(', ')} are not in the chain as the report recorded them`);
  }
}
