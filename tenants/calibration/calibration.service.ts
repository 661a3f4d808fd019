import { createHash } from 'node:crypto';
import { CalibrationRepository, type CalibrationRow, type NewCalibration } from '../../models/calibration.repository.js';
import type { Queryable, ScopedDb } from '../../models/db.js';
import { AuditAction, AuditOutcome, CalibrationSource } from '../../models/enums.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { CalibrationReader, Clock, ScoreCalibrationPort } from '../shared/ports.js';

/** A stored calibration as a search uses it: which one, and what its scores mean. */
export interface InForceCalibration {
  id: string;
  version: number;
  source: CalibrationSource;
  /** what it was measured on, in words */
  measuredOn: string;
  measuredAt: Date;
  port: ScoreCalibrationPort;
}

/** What a calibration says at one threshold: the false-match rate with its 95% interval. */
export interface RateAt {
  threshold: number;
  falseMatchRate: number;
  low: number;
  high: number;
  /** the threshold is above every different-person pair it measured: only `high` is known */
  beyondData: boolean;
}

/** A stored calibration beside the shipped one, for the operator who decides whether to adopt it. */
export interface CalibrationView extends CalibrationRow {
  current: boolean;
  /** what it measured on, in words */
  measuredOn: string;
  atThreshold: RateAt;
  /** its false-match rate at the threshold over the shipped calibration's (null: beyond either's data) */
  rateRatioToShipped: number | null;
  /** whether its 95% interval at the threshold and the shipped one's share any rate */
  overlapsShipped: boolean;
}

export interface CalibrationOverview {
  modelVersion: string;
  /** the pack's verification threshold: the lowest a search uses, where the rates are compared */
  operatingThreshold: number;
  current: CalibrationView | null;
  shipped: CalibrationView | null;
  /** newest first */
  calibrations: CalibrationView[];
}

/** The pack the hub runs, as the calibrations need it. */
export interface ActivePackCalibration {
  modelVersion: string;
  packId: string;
  packVersion: string;
  matchThreshold: number;
  /** the calibration it shipped with (absent: none measured with this version) */
  shipped?: Record<string, unknown> & { people?: number; photos?: number; impostor?: { pairs?: number }; genuine?: { pairs?: number } };
}

/** Who stores or adopts without an API caller: the operator's command line, or the measuring job. */
export interface OperatorAct {
  by: string;
  requestId: string;
}

// the command line and the job act for the operator, with the database's own credentials (like purge and reembed)
const OPERATOR_SCOPE = { tenantId: null, allTenants: true };

/** sha256 of a calibration's JSON: the same distributions stored twice are one row. */
export const calibrationDigest = (data: Record<string, unknown>) => createHash('sha256').update(JSON.stringify(data)).digest('hex');

/**
 * The hub's score calibrations, versioned: the shipped one and those measured on its galleries; one is
 * in force per model version (the shipped one until an operator adopts another), every search records
 * which, and its candidates' rates come from it. Nothing of a face is stored: score distributions only.
 */
export class CalibrationService {
  private readonly ports = new Map<string, InForceCalibration>();

  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly read: CalibrationReader,
    private readonly active: ActivePackCalibration,
    private readonly repo = new CalibrationRepository(),
  ) {}

  get modelVersion(): string {
    return this.active.modelVersion;
  }

  /** Stores the shipped calibration of the active pack as a version (once; at every start it is the row already there). */
  async registerShipped(): Promise<CalibrationRow | undefined> {
    const data = this.active.shipped;
    if (!data) return undefined;
    return this.db.scoped(OPERATOR_SCOPE, (tx) => this.repo.insert(tx, {
      modelVersion: this.active.modelVersion, packId: this.active.packId, packVersion: this.active.packVersion, source: CalibrationSource.SHIPPED, galleryId: null,
      measuredBy: `the pack's maker (${String(data.command ?? 'frhub models calibrate')})`,
      measuredAt: typeof data.date === 'string' ? new Date(`${data.date}T00:00:00Z`) : undefined,
      templates: Number(data.photos ?? 0), people: Number(data.people ?? 0), impostorPairs: Number(data.impostor?.pairs ?? 0), genuinePairs: Number(data.genuine?.pairs ?? 0),
      digest: calibrationDigest(data), data,
    }));
  }

  /** The calibration in force for `modelVersion`, in the caller's transaction: the adopted one, else the shipped one; undefined without either. */
  async inForce(tx: Queryable, modelVersion: string): Promise<InForceCalibration | undefined> {
    const current = await this.repo.current(tx, modelVersion);
    if (current) return this.byId(tx, current.calibrationId);
    if (modelVersion !== this.active.modelVersion || !this.active.shipped) return undefined;
    const digest = calibrationDigest(this.active.shipped);
    const row = await this.repo.byDigest(tx, modelVersion, digest);
    return row ? this.byId(tx, row.id) : undefined;
  }

  /** A stored calibration by id (read once, kept: a stored calibration never changes). */
  async byId(tx: Queryable, id: string): Promise<InForceCalibration | undefined> {
    const known = this.ports.get(id);
    if (known) return known;
    const row = await this.repo.byId(tx, id);
    if (!row) return undefined;
    const c = { id: row.id, version: row.version, source: row.source, measuredOn: typeof row.data.measuredOn === 'string' ? row.data.measuredOn : '', measuredAt: row.measuredAt, port: this.read(row.data) };
    this.ports.set(id, c);
    return c;
  }

  /** Stores a calibration measured on a gallery, as a version an operator may adopt (never adopted here); audited in the gallery's tenant. */
  async store(c: Omit<NewCalibration, 'source' | 'digest' | 'measuredBy'>, tenantId: string | null, act: OperatorAct): Promise<CalibrationRow> {
    if (c.modelVersion !== this.active.modelVersion) throw new DomainError('BAD_USER_INPUT', `The calibration was measured with ${c.modelVersion}; the hub runs ${this.active.modelVersion}: measure again with this pack.`);
    return this.db.scoped(tenantId ? { tenantId } : OPERATOR_SCOPE, async (tx) => {
      const row = await this.repo.insert(tx, { ...c, source: CalibrationSource.GALLERY, digest: calibrationDigest(c.data), measuredBy: act.by });
      await this.trail.append(tx, null, {
        action: AuditAction.CALIBRATION_STORED, outcome: AuditOutcome.ALLOWED, tenantId, requestId: act.requestId, modelVersion: row.modelVersion, galleries: row.galleryId ? [row.galleryId] : null,
        details: { calibrationId: row.id, version: row.version, measuredBy: row.measuredBy, templates: row.templates, people: row.people, impostorPairs: row.impostorPairs, genuinePairs: row.genuinePairs },
      });
      return row;
    });
  }

  /** The calibrations of the active model, each beside the shipped one at the operating threshold (HUB_ADMIN, OVERSIGHT_AUDITOR). */
  async overview(actor: Actor): Promise<CalibrationOverview> {
    return this.trail.refusals(actor, { action: AuditAction.READ, details: { operation: 'calibrations' } }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'read', 'Calibration');
      return this.db.scoped(scopeOf(actor), (tx) => this.overviewIn(tx));
    });
  }

  /** The same overview for the operator's command line (no actor: the database's own credentials). */
  async overviewForOperator(): Promise<CalibrationOverview> {
    return this.db.scoped(OPERATOR_SCOPE, (tx) => this.overviewIn(tx));
  }

  /** Who put the calibration in force and when (null: none was adopted; the shipped one is in force by default). */
  async adoption(tx: Queryable): Promise<{ adoptedAt: Date; adoptedBy: string } | null> {
    return (await this.repo.current(tx, this.active.modelVersion)) ?? null;
  }

  /** The overview in the caller's transaction (a report that reads it beside other figures). */
  async overviewIn(tx: Queryable): Promise<CalibrationOverview> {
    const { modelVersion, matchThreshold: t } = this.active;
    const rows = await this.repo.list(tx, modelVersion);
    const inForce = await this.inForce(tx, modelVersion);
    const shippedRow = this.active.shipped ? rows.find((r) => r.source === CalibrationSource.SHIPPED && r.digest === calibrationDigest(this.active.shipped!)) : undefined;
    const rateOf = (r: CalibrationRow): RateAt => {
      const port = this.read(r.data);
      const { low, high } = port.falseMatchRateInterval(t);
      return { threshold: t, falseMatchRate: port.falseMatchRateAt(t), low, high, beyondData: t > port.highestImpostorScore };
    };
    const shippedRate = shippedRow && rateOf(shippedRow);
    const views = rows.map((r): CalibrationView => {
      const at = rateOf(r);
      return {
        ...r,
        current: r.id === inForce?.id,
        measuredOn: typeof r.data.measuredOn === 'string' ? r.data.measuredOn : '',
        atThreshold: at,
        rateRatioToShipped: shippedRate && !at.beyondData && !shippedRate.beyondData ? at.falseMatchRate / shippedRate.falseMatchRate : null,
        overlapsShipped: !shippedRate || (at.low <= shippedRate.high && shippedRate.low <= at.high),
      };
    });
    return { modelVersion, operatingThreshold: t, current: views.find((v) => v.current) ?? null, shipped: views.find((v) => v.id === shippedRow?.id) ?? null, calibrations: views };
  }

  /** Makes a stored calibration the one in force for its model version (HUB_ADMIN); the shipped one may be adopted again the same way. Audited with what it replaced. */
  async adopt(actor: Actor, id: string): Promise<CalibrationView> {
    return this.trail.refusals(actor, { action: AuditAction.CALIBRATION_ADOPTED, details: { calibrationId: id } }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'update', 'Calibration');
      return this.db.scoped(scopeOf(actor), (tx) => this.adoptIn(tx, id, `principal ${actor.principalId ?? actor.tenantSlug}`, (f) => this.trail.append(tx, actor, f)));
    });
  }

  /** The same adoption from the operator's command line (`frhub calibrate --adopt`), audited as the operator's. */
  async adoptForOperator(id: string, act: OperatorAct): Promise<CalibrationView> {
    return this.db.scoped(OPERATOR_SCOPE, (tx) => this.adoptIn(tx, id, act.by, (f) => this.trail.append(tx, null, { ...f, requestId: act.requestId })));
  }

  private async adoptIn(tx: Queryable, id: string, by: string, audit: (f: Parameters<AuditTrail['append']>[2]) => Promise<void>): Promise<CalibrationView> {
    const row = isUuid(id) ? await this.repo.byId(tx, id) : undefined;
    if (!row) throw notFound('calibration', id);
    if (row.modelVersion !== this.active.modelVersion) {
      throw new DomainError('BAD_USER_INPUT', `Calibration ${row.version} was measured with ${row.modelVersion}; the hub runs ${this.active.modelVersion}: its rates would describe another model's scores. Measure one with this pack (frhub calibrate --gallery <id> --store).`);
    }
    const { previous } = await this.repo.adopt(tx, row.modelVersion, row.id, by);
    await audit({
      action: AuditAction.CALIBRATION_ADOPTED, outcome: AuditOutcome.ALLOWED, modelVersion: row.modelVersion, galleries: row.galleryId ? [row.galleryId] : null,
      details: { calibrationId: row.id, version: row.version, source: row.source, previousCalibrationId: previous, adoptedBy: by },
    });
    const view = (await this.overviewIn(tx)).calibrations.find((v) => v.id === row.id)!;
    return view;
  }
}
