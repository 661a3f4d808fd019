import type { Db } from '../../models/db.js';
import { AuditAction, AuditOutcome, type StatisticsGroup } from '../../models/enums.js';
import { SearchRepository } from '../../models/search.repository.js';
import { StatisticsRepository, type MatchSourceRow, type UsageRow } from '../../models/statistics.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { authorize, defineAbilityFor } from '../policy/ability.js';
import { type Actor } from '../shared/actor.js';
import { tenantBySlug } from '../shared/tenants.js';
import { DomainError } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';

export interface UsageStatistics {
  rows: UsageRow[];
  exigentApprovalsOverdue: number;
}

/** Counts 1-4 are shown as "<5" so a small agency's rare search cannot be singled out. */
export const suppress = (n: number) => (n === 0 ? '0' : n < 5 ? '<5' : String(n));

const isSmall = (n: number) => n > 0 && n < 5;

/**
 * The total of published cells. Exact when no cell is suppressed, or when two or more are and their
 * sum leaves every one of them more than one possible value (it is neither the least, all 1s, nor the
 * most, all 4s, they could hold). Otherwise the bounds a reader could work out from the cells anyway:
 * an exact total beside a single "<5" would give that cell away.
 */
export const suppressTotal = (parts: number[]) => {
  const small = parts.filter(isSmall).length;
  const shown = parts.reduce((a, n) => a + (isSmall(n) ? 0 : n), 0);
  const hidden = parts.reduce((a, n) => a + (isSmall(n) ? n : 0), 0);
  if (!small || (small >= 2 && hidden > small && hidden < 4 * small)) return suppress(shown + hidden);
  const [lo, hi] = [shown + small, shown + 4 * small];
  return hi < 5 ? '<5' : `${lo} to ${hi}`;
};

export interface TransparencyReport {
  year: number;
  generatedAt: Date;
  rows: { agency: string; legalBasis: string; offenseCategory: string | null; searches: string; denials: string; candidates: string; possibleLeads: string }[];
  totals: { searches: string; denials: string; candidates: string; possibleLeads: string };
  csv: string;
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
export const toCsv = (header: string[], rows: unknown[][]) => [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

/** Statistics for oversight: aggregates only, never faces, candidates, subjects or case details. */
export class OversightService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly stats = new StatisticsRepository(),
    private readonly searches = new SearchRepository(),
  ) {}

  async usage(actor: Actor, q: { from: Date; to: Date; groupBy: StatisticsGroup[]; tenantSlug?: string | null }): Promise<UsageStatistics> {
    return this.trail.refusals(actor, { action: AuditAction.STATISTICS_READ }, async () => {
      if (!(q.from < q.to)) throw new DomainError('BAD_USER_INPUT', '`from` must be before `to`.');
      const ability = defineAbilityFor(actor, this.clock.now());
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
    if (actor) authorize(actor, defineAbilityFor(actor, this.clock.now()), 'read', 'TransparencyReport');
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

  /**
   * Utah Code 77-23e-106: requests by crime type, probable matches per request and the image
   * source of each match. Pending-case details are never included (the audit data has none here).
   */
  async utahReport(year: number): Promise<string> {
    const [from, to] = yearBounds(year);
    const rows: MatchSourceRow[] = await this.db.scoped({ tenantId: null, allTenants: true }, (tx) => this.stats.matchSources(tx, from, to));
    return toCsv(
      ['reporting_year', 'crime_type', 'requests', 'requests_with_candidates', 'candidates_returned', 'probable_matches_after_review', 'probable_matches_per_request', 'image_sources'],
      rows.map((r) => [
        // candidates are the sum of the image sources; the ratio times the requests would give back the matches
        year, r.offenseCategory ?? 'NOT_STATED', suppress(r.requests), suppress(r.requestsWithCandidates), suppressTotal(withRest(Object.values(r.sources), r.candidates)), suppress(r.possibleLeads),
        r.requests < 5 ? '<5 requests' : isSmall(r.possibleLeads) ? '<5 matches' : (r.possibleLeads / r.requests).toFixed(2),
        Object.entries(r.sources).map(([src, n]) => `${src}: ${suppress(n)}`).join('; '),
      ]),
    );
  }
}

/** The parts of a total, and what of it no part accounts for (a source an old audit event did not record). */
const withRest = (parts: number[], total: number) => [...parts, total - parts.reduce((a, n) => a + n, 0)];

function yearBounds(year: number): [Date, Date] {
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new DomainError('BAD_USER_INPUT', `year must be a four-digit year, got ${year}.`);
  return [new Date(Date.UTC(year, 0, 1)), new Date(Date.UTC(year + 1, 0, 1))];
}

