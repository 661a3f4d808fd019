import { randomUUID } from 'node:crypto';
import type { Queryable } from './db.js';
import type { CalibrationSource } from './enums.js';

/** A stored score calibration: where it came from and the distributions it holds (never a face). */
export interface CalibrationRow {
  id: string;
  /** numbered in the order stored, hub-wide: "calibration 3" */
  version: number;
  modelVersion: string;
  packId: string;
  packVersion: string;
  source: CalibrationSource;
  /** the gallery it was measured on (null: shipped with the pack) */
  galleryId: string | null;
  measuredBy: string;
  measuredAt: Date;
  templates: number;
  people: number;
  impostorPairs: number;
  genuinePairs: number;
  /** sha256 of `data` as stored */
  digest: string;
  /** the calibration itself: the impostor tail and its spread, genuine quantiles, thresholds */
  data: Record<string, unknown>;
}

export type NewCalibration = Omit<CalibrationRow, 'id' | 'version' | 'measuredAt'> & { measuredAt?: Date };

/** The calibration in force for a model version, and who adopted it. */
export interface CurrentCalibrationRow {
  modelVersion: string;
  calibrationId: string;
  adoptedAt: Date;
  adoptedBy: string;
}

const CALIBRATION = `id, version, model_version AS "modelVersion", pack_id AS "packId", pack_version AS "packVersion", source, gallery_id AS "galleryId",
  measured_by AS "measuredBy", measured_at AS "measuredAt", templates, people, impostor_pairs::float8 AS "impostorPairs", genuine_pairs::float8 AS "genuinePairs", digest, data`;
const CURRENT = `model_version AS "modelVersion", calibration_id AS "calibrationId", adopted_at AS "adoptedAt", adopted_by AS "adoptedBy"`;

export class CalibrationRepository {
  /** Stores a calibration; the same one (model version and digest) twice is the row already there. */
  async insert(db: Queryable, c: NewCalibration): Promise<CalibrationRow> {
    const [row] = await db.query<CalibrationRow>(
      `INSERT INTO score_calibrations (id, model_version, pack_id, pack_version, source, gallery_id, measured_by, measured_at, templates, people, impostor_pairs, genuine_pairs, digest, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, now()), $9, $10, $11, $12, $13, $14::jsonb)
       ON CONFLICT (model_version, digest) DO NOTHING RETURNING ${CALIBRATION}`,
      [randomUUID(), c.modelVersion, c.packId, c.packVersion, c.source, c.galleryId, c.measuredBy, c.measuredAt ?? null, c.templates, c.people, c.impostorPairs, c.genuinePairs, c.digest, JSON.stringify(c.data)],
    );
    return row ?? (await this.byDigest(db, c.modelVersion, c.digest))!;
  }

  /** The calibration of that model version with that content digest, if stored. */
  async byDigest(db: Queryable, modelVersion: string, digest: string): Promise<CalibrationRow | undefined> {
    return (await db.query<CalibrationRow>(`SELECT ${CALIBRATION} FROM score_calibrations WHERE model_version = $1 AND digest = $2`, [modelVersion, digest]))[0];
  }

  async byId(db: Queryable, id: string): Promise<CalibrationRow | undefined> {
    return (await db.query<CalibrationRow>(`SELECT ${CALIBRATION} FROM score_calibrations WHERE id = $1`, [id]))[0];
  }

  /** A model version's calibrations, newest first. */
  async list(db: Queryable, modelVersion: string): Promise<CalibrationRow[]> {
    return db.query<CalibrationRow>(`SELECT ${CALIBRATION} FROM score_calibrations WHERE model_version = $1 ORDER BY version DESC`, [modelVersion]);
  }

  async current(db: Queryable, modelVersion: string): Promise<CurrentCalibrationRow | undefined> {
    return (await db.query<CurrentCalibrationRow>(`SELECT ${CURRENT} FROM calibration_current WHERE model_version = $1`, [modelVersion]))[0];
  }

  /** Makes `calibrationId` current for its model version: one row per model version, so concurrent adoptions leave one (the last to commit). */
  async adopt(db: Queryable, modelVersion: string, calibrationId: string, adoptedBy: string): Promise<{ current: CurrentCalibrationRow; previous: string | null }> {
    // the row lock taken here orders concurrent adoptions: the second waits for the first to commit, then replaces it
    const [before] = await db.query<{ id: string }>(`SELECT calibration_id AS id FROM calibration_current WHERE model_version = $1 FOR UPDATE`, [modelVersion]);
    const [current] = await db.query<CurrentCalibrationRow>(
      `INSERT INTO calibration_current (model_version, calibration_id, adopted_at, adopted_by) VALUES ($1, $2, now(), $3)
       ON CONFLICT (model_version) DO UPDATE SET calibration_id = excluded.calibration_id, adopted_at = excluded.adopted_at, adopted_by = excluded.adopted_by
       RETURNING ${CURRENT}`,
      [modelVersion, calibrationId, adoptedBy],
    );
    return { current, previous: before?.id ?? null };
  }
}
