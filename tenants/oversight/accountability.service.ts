import type { Queryable, ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome, CalibrationSource } from '../../models/enums.js';
import { StatisticsRepository } from '../../models/statistics.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { PublishedRates } from '../calibration/by-group.js';
import type { CalibrationService, CalibrationView } from '../calibration/calibration.service.js';
import { abilityOf, authorize } from '../access/ability.js';
import type { Actor } from '../shared/actor.js';
import { DomainError } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';
import type { ActivePack } from './oversight.service.js';
import { accuracySection, algorithmSection, oversightPdf, type StatutorySection } from './statutory-reports.js';

/**
 * The seam for rates by demographic group: a measurement over the groups galleries' owners record for
 * their subjects. Absent, or null (no gallery records such fields), the report says they are not measured.
 */
export interface GroupRatesSource {
  byGroup(tx: Queryable): Promise<PublishedRates[] | null>;
}

export interface AccountabilityReport {
  year: number;
  title: string;
  periodStart: Date;
  periodEnd: Date;
  generatedAt: Date;
  /** the calibration in use when the report was made, and where it came from */
  calibrationId: string | null;
  calibrationSource: CalibrationSource | null;
  sections: StatutorySection[];
  notes: string[];
  cannotKnow: string[];
  pdf: Uint8Array;
}

/** The quality components an examiner can act on, as the searches recorded them, with their units. */
const COMPONENTS: [key: string, label: string][] = [
  ['interEyePx', 'pixels between the eyes'], ['yawDeg', 'yaw, degrees'], ['pitchDeg', 'pitch, degrees'], ['rollDeg', 'roll, degrees'],
  ['sharpness', 'sharpness (Laplacian variance)'], ['exposure', 'exposure (0 black to 1 white)'], ['clipped', 'share of pixels clipped'], ['inFrame', 'share of the face inside the photo'],
];
/** fewer probes than this show no distribution: a handful of probes would describe single cases */
const MIN_PROBES = 5;

const e1 = (x: number) => x.toExponential(1);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const fig = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

/**
 * The accountability report for oversight (RCW 43.386.020's first half): the pack with its file
 * hashes, the calibration in use and where it came from, the measured false-match rates with their
 * intervals (by group where measured), the quality of the probes searched, and what the hub cannot
 * know. Figures only: no face, no case, no candidate.
 */
export class AccountabilityService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly calibrations: CalibrationService,
    private readonly pack: ActivePack,
    /** the by-group measurement, where the galleries record demographic fields */
    private readonly groups?: GroupRatesSource,
    private readonly stats = new StatisticsRepository(),
  ) {}

  async report(actor: Actor, year: number): Promise<AccountabilityReport> {
    return this.trail.refusals(actor, { action: AuditAction.ACCOUNTABILITY_REPORT_READ, details: { year } }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'read', 'Calibration');
      if (!Number.isInteger(year) || year < 2000 || year > 2200) throw new DomainError('BAD_USER_INPUT', `year must be a calendar year such as 2026, got ${year}.`);
      const from = new Date(Date.UTC(year, 0, 1));
      const to = new Date(Date.UTC(year + 1, 0, 1));
      return this.db.scoped({ tenantId: actor.tenantId, allTenants: true }, async (tx) => {
        const overview = await this.calibrations.overviewIn(tx);
        const adoption = await this.calibrations.adoption(tx);
        const qualities = await this.stats.probeQualities(tx, from, to);
        const byGroup = this.groups ? await this.groups.byGroup(tx) : null;
        const now = this.clock.now();
        const body = {
          year, title: 'Facial recognition service: accountability report', periodStart: from, periodEnd: to, generatedAt: now,
          sections: [
            algorithmSection(this.pack.describe(this.pack.activeModelVersion ?? '')),
            calibrationSection(overview.current, adoption),
            ratesSection(overview.current, overview.shipped),
            accuracySection('Thresholds for fixed false-match rates (the calibration in use)', thresholdsOf(overview.current)),
            groupSection(byGroup),
            qualitySection(qualities),
          ],
          notes: [
            'Every false-match rate is the share of comparisons of two different people scoring at or above the threshold, with its 95% interval from a bootstrap over the people measured (README, "What a score means").',
            'Each search records the calibration it used; its lead report names it.',
          ],
          cannotKnow: [
            'Whether a candidate was the person sought: the hub records reviewers\' dispositions and reported outcomes, not the truth.',
            'Accuracy on the probes themselves (their lighting, angle, age): rates are measured on enrolled photos, the shipped calibration on research photos.',
            'A subject enrolled twice under two references counts as two people: a gallery\'s measured rate overstates the pack\'s, never understates it.',
            ...(byGroup ? [] : ['Rates by demographic group: the galleries record no demographic fields of their subjects.']),
          ],
        };
        await this.trail.append(tx, actor, { action: AuditAction.ACCOUNTABILITY_REPORT_READ, outcome: AuditOutcome.ALLOWED, details: { year, calibrationId: overview.current?.id ?? null } });
        const pdf = await oversightPdf({ ...body, docTitle: `Accountability report: ${year}`, footer: `frhub accountability report ${year}`, fields: [['For', 'oversight: figures only, no face, case or candidate']], preface: 'Rates with their 95% intervals; the quality of probes as the searches recorded it.' });
        return { ...body, calibrationId: overview.current?.id ?? null, calibrationSource: overview.current?.source ?? null, pdf };
      });
    });
  }
}

function calibrationSection(c: CalibrationView | null, adoption: { adoptedAt: Date; adoptedBy: string } | null): StatutorySection {
  const rows: string[][] = c
    ? [
        ['calibration', `${c.version} (${c.id})`],
        ['source', c.source === CalibrationSource.SHIPPED ? 'shipped with the model pack' : `measured on gallery ${c.galleryId}`],
        ['measured on', c.measuredOn],
        ['measured by', c.measuredBy],
        ['measured at', c.measuredAt.toISOString().slice(0, 10)],
        ['people', String(c.people)],
        ['photos', String(c.templates)],
        ['different-person pairs', String(c.impostorPairs)],
        ['same-person pairs', String(c.genuinePairs)],
        ['in force since', adoption ? `${adoption.adoptedAt.toISOString()}, adopted by ${adoption.adoptedBy}` : 'never adopted: the shipped calibration is in force by default'],
      ]
    : [['calibration', 'none: the pack has no calibration of its version and none was adopted; scores cannot be read as rates']];
  return { title: 'Calibration in use', columns: ['item', 'value'], rows };
}

function ratesSection(current: CalibrationView | null, shipped: CalibrationView | null): StatutorySection {
  const row = (name: string, v: CalibrationView) => {
    const a = v.atThreshold;
    return [name, a.threshold.toFixed(4), a.beyondData ? `under ${e1(a.high)}` : e1(a.falseMatchRate), a.beyondData ? '0' : e1(a.low), e1(a.high), String(v.impostorPairs)];
  };
  const rows = [current && row('in use', current), shipped && shipped.id !== current?.id && row('shipped', shipped)].filter((r): r is string[] => !!r);
  return { title: 'Measured false-match rate at the operating threshold', columns: ['calibration', 'threshold', 'false_match_rate', 'ci95_low', 'ci95_high', 'different_person_pairs'], rows: rows.length ? rows : [['none', '-', '-', '-', '-', '-']] };
}

function thresholdsOf(c: CalibrationView | null) {
  const ts = c?.data.thresholds as { fmr: number; threshold: number | null; genuineAccepted: number | null }[] | undefined;
  return ts?.map((t) => ({ falseMatchRate: t.fmr, threshold: t.threshold, genuineAccepted: t.genuineAccepted }));
}

const e1n = (x: number | null) => (x === null ? '-' : e1(x));

function groupSection(groups: PublishedRates[] | null): StatutorySection {
  const columns = ['group', 'people', 'different_person_pairs', 'false_match_rate', 'ci95_low', 'ci95_high', 'false_non_match_rate', 'warning'];
  if (!groups) return { title: 'By demographic group', columns, rows: [['not measured', '-', '-', '-', '-', '-', '-', 'the galleries record no demographic fields of their subjects']] };
  return { title: 'By demographic group', columns, rows: groups.map((g) => [g.group, g.people, String(g.impostorPairs), e1n(g.falseMatchRate), e1n(g.low), e1n(g.high), g.falseNonMatchRate === null ? '-' : g.falseNonMatchRate.toFixed(3), g.warning ?? '']) };
}

function qualitySection(qualities: Record<string, number | null>[]): StatutorySection {
  const rows = COMPONENTS.map(([key, label]) => {
    const xs = qualities.map((q) => q?.[key]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
    if (xs.length < MIN_PROBES) return [label, xs.length ? `<${MIN_PROBES}` : '0', '-', '-', '-'];
    return [label, String(xs.length), fig(quantile(xs, 0.1)), fig(quantile(xs, 0.5)), fig(quantile(xs, 0.9))];
  });
  return { title: 'Quality of the probes searched', columns: ['component', 'probes', 'p10', 'median', 'p90'], rows };
}
