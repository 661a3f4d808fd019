import type { ScopedDb } from '../../models/db.js';
import { subject as tagged } from '@casl/ability';
import { AuditAction, AuditOutcome, Statute, type StatisticsGroup } from '../../models/enums.js';
import type { ModelDescriber } from '../reports/report-case.js';
import { statutoryReport, utahRows, type StatutoryReport } from './statutory-reports.js';

/** The pack the hub runs, as a report describes it. */
export type ActivePack = Pick<ModelDescriber, 'describe'> & { activeModelVersion?: string };
import { SearchRepository } from '../../models/search.repository.js';
import { RequestRepository } from '../../models/request.repository.js';
import { StatisticsRepository, type MatchSourceRow, type UsageRow } from '../../models/statistics.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { type Actor } from '../shared/actor.js';
import { tenantBySlug } from '../shared/tenants.js';
import { DomainError } from '../shared/errors.js';
import { isSmall, suppress, suppressTotal, toCsv } from '../shared/suppression.js';

export { suppress, suppressTotal, toCsv };
import type { Clock } from '../shared/ports.js';

export interface UsageStatistics {
  rows: UsageRow[];
  exigentApprovalsOverdue: number;
}

export interface RequestStatistics {
  requests: string;
  byAgency: { key: string; requests: string }[];
  byOffense: { key: string; requests: string }[];
  byOutcome: { key: string; requests: string }[];
  declined: string;
  /** null under 5 requests, or with 1-4 declined */
  declinedShare: number | null;
  /** null under 5 decided requests */
  meanTurnaroundHours: number | null;
}

export interface TransparencyReport {
  year: number;
  generatedAt: Date;
  rows: { agency: string; legalBasis: string; offenseCategory: string | null; searches: string; denials: string; candidates: string; possibleLeads: string }[];
  totals: { searches: string; denials: string; candidates: string; possibleLeads: string };
  csv: string;
}

/** Statistics for oversight: aggregates only, never faces, candidates, subjects or case details. */
export class OversightService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    /** the running pack, for the Washington report's algorithm and accuracy */
    private readonly models?: ActivePack,
    private readonly stats = new StatisticsRepository(),
    private readonly searches = new SearchRepository(),
    private readonly requests = new RequestRepository(),
  ) {}

  /**
   * Requests by requesting agency, offense and outcome, the share declined and the mean hours from
   * submission to decision: counts only, 1-4 shown as "<5", a mean or share only over 5 or more.
   */
  async requestStatistics(actor: Actor, q: { from: Date; to: Date }): Promise<RequestStatistics> {
    return this.trail.refusals(actor, { action: AuditAction.STATISTICS_READ, details: { requests: true } }, async () => {
      if (!(q.from < q.to)) throw new DomainError('BAD_USER_INPUT', '`from` must be before `to`.');
      const ability = abilityOf(actor, this.clock.now());
      const everyTenant = ability.can('read', { __caslSubjectType__: 'Statistics', tenantId: null });
      authorize(actor, ability, 'read', 'Statistics', { id: actor.tenantSlug, tenantId: everyTenant ? undefined : actor.tenantId });
      return this.db.scoped({ tenantId: actor.tenantId, allTenants: everyTenant }, async (tx) => {
        const rows = await this.requests.statistics(tx, { ...q, tenantId: everyTenant ? null : actor.tenantId });
        const counts = (key: (r: (typeof rows)[number]) => string) => {
          const m = new Map<string, number>();
          for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + r.requests);
          return [...m].sort(([a], [b]) => a.localeCompare(b));
        };
        const splits = [counts((r) => r.agency), counts((r) => r.offenseCategory ?? 'NOT_STATED'), counts((r) => r.outcome ?? 'NOT_RECORDED')];
        const [byAgency, byOffense, byOutcome] = splits.map((m) => m.map(([k, n]) => ({ key: k, requests: suppress(n) })));
        // the total beside three splits: where any split hides a cell, the total is no more exact than that split lets a reader work out
        const totals = splits.map((m) => suppressTotal(m.map(([, n]) => n)));
        const total = rows.reduce((a, r) => a + r.requests, 0);
        const declined = rows.reduce((a, r) => a + r.declined, 0);
        const decided = rows.reduce((a, r) => a + r.decided, 0);
        const hours = rows.reduce((a, r) => a + r.decidedHours, 0);
        await this.trail.append(tx, actor, { action: AuditAction.STATISTICS_READ, outcome: AuditOutcome.ALLOWED, details: { requests: true, from: q.from.toISOString(), to: q.to.toISOString() } });
        return {
          requests: totals.find((t) => t !== suppress(total)) ?? suppress(total),
          byAgency,
          byOffense,
          byOutcome,
          declined: suppress(declined),
          declinedShare: total < 5 || isSmall(declined) ? null : Math.round((declined / total) * 1000) / 1000,
          meanTurnaroundHours: decided < 5 ? null : Math.round((hours / decided) * 10) / 10,
        };
      });
    });
  }

  async usage(actor: Actor, q: { from: Date; to: Date; groupBy: StatisticsGroup[]; tenantSlug?: string | null }): Promise<UsageStatistics> {
    return this.trail.refusals(actor, { action: AuditAction.STATISTICS_READ }, async () => {
      if (!(q.from < q.to)) throw new DomainError('BAD_USER_INPUT', '`from` must be before `to`.');
      const ability = abilityOf(actor, this.clock.now());
      // every tenant's aggregates for roles whose rule has no tenant condition; otherwise the caller's own
      const everyTenant = ability.can('read', { __caslSubjectType__: 'Statistics', tenantId: null });
      return this.db.scoped({ tenantId: actor.tenantId, allTenants: everyTenant }, async (tx) => {
        let tenantId: string | null = everyTenant ? null : actor.tenantId;
        if (q.tenantSlug) {
          tenantId = (await tenantBySlug(tx, q.tenantSlug)).id;
        }
        authorize(actor, ability, 'read', 'Statistics', { id: q.tenantSlug ?? actor.tenantSlug, tenantId: tenantId ?? undefined });
        const rows = await this.stats.usage(tx, { from: q.from, to: q.to, groupBy: q.groupBy, tenantId });
        const exigentApprovalsOverdue = await this.searches.overdueCounts(tx, tenantId);
        await this.trail.append(tx, actor, { action: AuditAction.STATISTICS_READ, outcome: AuditOutcome.ALLOWED, details: { from: q.from.toISOString(), to: q.to.toISOString(), groupBy: q.groupBy, tenant: q.tenantSlug ?? null } });
        return { rows, exigentApprovalsOverdue };
      });
    });
  }

  /** The public yearly report: every agency's searches by legal basis and offense, small counts suppressed. */
  async transparencyReport(actor: Actor | null, year: number): Promise<TransparencyReport> {
    if (actor) authorize(actor, abilityOf(actor, this.clock.now()), 'read', 'TransparencyReport');
    const [from, to] = yearBounds(year);
    const rows = await this.db.scoped({ tenantId: actor?.tenantId ?? null, allTenants: true }, (tx) => this.stats.transparency(tx, from, to));
    const sum = (k: 'searches' | 'denials' | 'candidates' | 'possibleLeads') => suppressTotal(rows.map((r) => r[k]));
    const shown = rows.map((r) => ({
      agency: r.tenantName, legalBasis: r.legalBasis, offenseCategory: r.offenseCategory,
      searches: suppress(r.searches), denials: suppress(r.denials), candidates: suppress(r.candidates), possibleLeads: suppress(r.possibleLeads),
    }));
    const totals = { searches: sum('searches'), denials: sum('denials'), candidates: sum('candidates'), possibleLeads: sum('possibleLeads') };
    const csv = toCsv(
      ['year', 'agency', 'legal_basis', 'offense_category', 'searches', 'denials', 'candidates_returned', 'possible_leads_after_review'],
      [...shown.map((r) => [year, r.agency, r.legalBasis, r.offenseCategory, r.searches, r.denials, r.candidates, r.possibleLeads]), [year, 'ALL AGENCIES', '', '', totals.searches, totals.denials, totals.candidates, totals.possibleLeads]],
    );
    return { year, generatedAt: this.clock.now(), rows: shown, totals, csv };
  }

  /** Utah Code 77-23e-106 as CSV (`frhub report --format utah-77-23e-106`): the statutory report's own rows. */
  async utahReport(year: number): Promise<string> {
    const [from, to] = yearBounds(year);
    const { cells, sources } = await this.db.scoped({ tenantId: null, allTenants: true }, async (tx) => ({ cells: await this.stats.statutoryCells(tx, from, to), sources: await this.stats.matchSources(tx, from, to) }));
    const section = utahRows(year, cells, sources);
    return toCsv(section.columns, section.rows);
  }

  /**
   * A statute's yearly report (counts only, jointly suppressed), computed by SQL from the audit chain;
   * for roles that read every tenant's statistics. Audited (STATUTORY_REPORT_READ), refusals too.
   */
  async statutoryReport(actor: Actor, statute: Statute, year: number): Promise<StatutoryReport> {
    return this.trail.refusals(actor, { action: AuditAction.STATUTORY_REPORT_READ, details: { statute, year } }, async () => {
      const ability = abilityOf(actor, this.clock.now());
      // every agency's counts: only for a role whose statistics rule has no tenant condition
      if (!ability.can('read', tagged('Statistics', { tenantId: null } as Record<string, unknown>))) throw new DomainError('FORBIDDEN', `Your role ${actor.role} may not read statutory reports: they count every agency (oversight and the hub's administrators may).`);
      const [from, to] = yearBounds(year);
      return this.db.scoped({ tenantId: actor.tenantId, allTenants: true }, async (tx) => {
        const cells = await this.stats.statutoryCells(tx, from, to);
        const sources = statute === Statute.UT_77_23E ? await this.stats.matchSources(tx, from, to) : [];
        const report = await statutoryReport(statute, year, { cells, sources, pack: this.models?.describe(this.models.activeModelVersion ?? ''), from, to, now: this.clock.now() });
        await this.trail.append(tx, actor, { action: AuditAction.STATUTORY_REPORT_READ, outcome: AuditOutcome.ALLOWED, details: { statute, year } });
        return report;
      });
    });
  }
}


function yearBounds(year: number): [Date, Date] {
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new DomainError('BAD_USER_INPUT', `year must be a four-digit year, got ${year}.`);
  return [new Date(Date.UTC(year, 0, 1)), new Date(Date.UTC(year + 1, 0, 1))];
}

