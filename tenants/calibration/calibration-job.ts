import type { ScopedDb } from '../../models/db.js';
import { AuditAction, CalibrationJobState } from '../../models/enums.js';
import { GalleryRepository } from '../../models/gallery.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import type { Actor } from '../shared/actor.js';
import type { Clock } from '../shared/ports.js';
import type { CalibrationService } from './calibration.service.js';
import type { GallerySampleService } from './gallery-sample.service.js';

/** A gallery's calibration as the measurer made it (the inference module's arithmetic, wired by the server). */
export interface MeasuredCalibration {
  packId: string;
  packVersion: string;
  templates: number;
  people: number;
  impostorPairs: number;
  genuinePairs: number;
  data: Record<string, unknown>;
}

/** Scores every pair of a sample and builds its calibration, in steps; undefined once `stop` said so. */
export interface CalibrationMeasurer {
  measure(
    faces: { subjectId: string; embedding: Float32Array }[],
    about: { galleryId: string; galleryName: string; modelVersion: string; templatesInGallery: number; maxTemplates: number },
    o: { stop: () => boolean; onProgress: (scored: number, total: number) => void },
  ): Promise<MeasuredCalibration | undefined>;
}

export interface CalibrationJobOptions {
  /** templates read per gallery */
  maxTemplates: number;
  /** seconds one gallery's measurement may take */
  maxSeconds: number;
  /** the galleries to measure; empty: the operator tenant's galleries */
  galleries: string[];
}

/** The job's last run, or the one running, on this replica. */
export interface CalibrationJobStatus {
  state: CalibrationJobState;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** the gallery being (or last) measured */
  galleryId: string | null;
  pairsScored: number;
  pairsTotal: number;
  /** the calibrations this run stored (never adopted: an operator adopts one) */
  stored: string[];
  message: string;
}

/** Where the job says how it goes: the hub's log. */
export type JobLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/**
 * Measures the pack's score distributions on the live galleries, as `frhub calibrate --gallery
 * --store` does: a sample of whole subjects, every pair scored in steps that leave the hub serving,
 * each gallery within a time limit; stores each result as a calibration version and never adopts
 * one (an operator does, through adoptCalibration). Scheduled like the retention purge: only the
 * replica holding the scheduler lock runs it.
 */
export class CalibrationJob {
  private current: CalibrationJobStatus = { state: CalibrationJobState.IDLE, startedAt: null, finishedAt: null, galleryId: null, pairsScored: 0, pairsTotal: 0, stored: [], message: 'not run since this replica started' };

  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly calibrations: CalibrationService,
    private readonly sampler: GallerySampleService,
    private readonly measurer: CalibrationMeasurer,
    private readonly options: CalibrationJobOptions,
    private readonly log: JobLog,
    private readonly galleries = new GalleryRepository(),
  ) {}

  private stopping = false;

  /** Stops a run at its next step (the hub is shutting down): nothing is stored for the gallery it was measuring. */
  stop(): void {
    this.stopping = true;
  }

  /** Where the job stands (HUB_ADMIN, OVERSIGHT_AUDITOR). */
  async status(actor: Actor): Promise<CalibrationJobStatus> {
    return this.trail.refusals(actor, { action: AuditAction.READ, details: { operation: 'calibrationJob' } }, async () => {
      authorize(actor, abilityOf(actor, this.clock.now()), 'read', 'Calibration');
      return { ...this.current, stored: [...this.current.stored] };
    });
  }

  /** One run over the galleries; a run while one is running returns that one's status and starts nothing. */
  async run(requestId: string): Promise<CalibrationJobStatus> {
    if (this.current.state === CalibrationJobState.RUNNING) return this.current;
    const status: CalibrationJobStatus = { state: CalibrationJobState.RUNNING, startedAt: this.clock.now(), finishedAt: null, galleryId: null, pairsScored: 0, pairsTotal: 0, stored: [], message: 'choosing the galleries' };
    this.current = status;
    try {
      const ids = this.options.galleries.length ? this.options.galleries : await this.db.scoped({ tenantId: null, allTenants: true }, (tx) => this.galleries.operatorGalleryIds(tx));
      this.log('info', `calibration job: measuring ${ids.length} gallery(ies), at most ${this.options.maxTemplates} templates and ${this.options.maxSeconds} s each`, { galleries: ids });
      for (const id of ids) {
        if (!(await this.measureOne(id, status, requestId))) return status;
      }
      Object.assign(status, { state: CalibrationJobState.SUCCEEDED, message: `stored ${status.stored.length} calibration(s); none adopted: an operator adopts one (adoptCalibration, frhub calibrate adopt)` });
      this.log('info', `calibration job: ${status.message}`, { stored: status.stored });
    } catch (err) {
      Object.assign(status, { state: CalibrationJobState.FAILED, message: `failed: ${(err as Error).message}` });
      this.log('error', `calibration job failed on gallery ${status.galleryId ?? '-'}`, { err });
    } finally {
      status.finishedAt = this.clock.now();
    }
    return status;
  }

  /** Measures and stores one gallery; false when the run stops there (its time limit). */
  private async measureOne(galleryId: string, status: CalibrationJobStatus, requestId: string): Promise<boolean> {
    Object.assign(status, { galleryId, pairsScored: 0, pairsTotal: 0, message: `reading gallery ${galleryId}` });
    const modelVersion = this.calibrations.modelVersion;
    const sample = await this.sampler.sample(galleryId, modelVersion, this.options.maxTemplates, requestId);
    if (new Set(sample.faces.map((f) => f.subjectId)).size < 2) {
      this.log('warn', `calibration job: gallery ${galleryId} has templates of fewer than two subjects of ${modelVersion}: nothing to measure`, { galleryId });
      return true;
    }
    // by the injected clock, so that a test can move it past the limit
    const deadline = this.clock.now().getTime() + this.options.maxSeconds * 1000;
    let logged = 0;
    const measured = await this.measurer.measure(sample.faces, { galleryId, galleryName: sample.gallery.name, modelVersion, templatesInGallery: sample.templates, maxTemplates: this.options.maxTemplates }, {
      stop: () => this.stopping || this.clock.now().getTime() > deadline,
      onProgress: (scored, total) => {
        Object.assign(status, { pairsScored: scored, pairsTotal: total, message: `scoring pairs of gallery ${galleryId}` });
        // progress in the log about every tenth of the way
        if (scored - logged >= total / 10) {
          logged = scored;
          this.log('info', `calibration job: gallery ${galleryId}: ${Math.floor((100 * scored) / total)}% of ${total} pairs scored`, { galleryId, scored, total });
        }
      },
    });
    if (!measured && this.stopping) {
      Object.assign(status, { state: CalibrationJobState.FAILED, message: `stopped with the hub while measuring gallery ${galleryId}: nothing stored for it` });
      return false;
    }
    if (!measured) {
      Object.assign(status, { state: CalibrationJobState.TIMED_OUT, message: `gave up gallery ${galleryId} after ${this.options.maxSeconds} s (${status.pairsScored} of ${status.pairsTotal} pairs scored): nothing stored for it; lower FRHUB_CALIBRATION_MAX_TEMPLATES or raise FRHUB_CALIBRATION_MAX_SECONDS` });
      this.log('warn', `calibration job: ${status.message}`, { galleryId });
      return false;
    }
    status.pairsScored = status.pairsTotal = measured.impostorPairs + measured.genuinePairs;
    const row = await this.calibrations.store({ modelVersion, galleryId, ...measured }, sample.gallery.tenantId, { by: 'the hub\'s calibration job', requestId });
    status.stored.push(row.id);
    this.log('info', `calibration job: gallery ${galleryId}: stored calibration ${row.version} (${row.id}) from ${measured.templates} templates of ${measured.people} subjects, ${measured.impostorPairs} different-subject pairs; not adopted`, { galleryId, calibrationId: row.id });
    return true;
  }
}
