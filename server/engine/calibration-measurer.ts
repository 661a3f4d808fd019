import { calibrate, pairScoresInSteps } from '../../inference/calibration.js';
import type { CalibrationMeasurer } from '../../tenants/calibration/calibration-job.js';

/**
 * The calibration job's arithmetic: the inference module's pair scoring, in steps that leave the
 * hub serving, then its calibration (the same as `frhub calibrate --gallery` computes).
 */
export function galleryMeasurer(pack: { id: string; version: string }, clock: () => Date = () => new Date()): CalibrationMeasurer {
  return {
    async measure(faces, about, o) {
      const scores = await pairScoresInSteps(faces.map((f) => ({ person: f.subjectId, v: f.embedding })), o);
      if (!scores || o.stop()) return undefined;
      const cal = calibrate(scores.impostor, scores.genuine, {
        pack,
        measuredOn: `${faces.length} templates of ${scores.people} subjects of gallery ${about.galleryId} (${about.galleryName}), sampled from its ${about.templatesInGallery}`,
        command: `the hub's calibration job (FRHUB_CALIBRATION_MAX_TEMPLATES ${about.maxTemplates}); by hand: npx frhub calibrate --gallery ${about.galleryId} --max-templates ${about.maxTemplates} --store`,
        date: clock().toISOString().slice(0, 10),
        photos: faces.length,
        people: scores.people,
        failed: 0,
      }, scores.impostorPeople);
      return { packId: pack.id, packVersion: pack.version, templates: faces.length, people: scores.people, impostorPairs: cal.impostor.pairs, genuinePairs: cal.genuine.pairs, data: cal as unknown as Record<string, unknown> };
    },
  };
}
