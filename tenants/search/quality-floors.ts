import { QualityFloorAction } from '../../models/enums.js';
import type { QualityFloors } from '../legal-basis/legal-basis.js';
import { DomainError } from '../shared/errors.js';
import type { QualityComponents } from '../shared/ports.js';

/** Each floor a probe falls short of, in words an examiner can act on ("20 px between the eyes, under the floor of 40"). */
export function qualityShortfalls(floors: QualityFloors | null | undefined, c: QualityComponents): string[] {
  if (!floors) return [];
  const out: string[] = [];
  const below = (v: number | null, floor: number | null | undefined, what: string, unit = '') => {
    if (floor != null && v !== null && v < floor) out.push(`${what} ${round(v)}${unit}, under the floor of ${floor}${unit}`);
  };
  const above = (v: number | null, ceiling: number | null | undefined, what: string, unit = '') => {
    if (ceiling != null && v !== null && v > ceiling) out.push(`${what} ${round(v)}${unit}, over the limit of ${ceiling}${unit}`);
  };
  below(c.interEyePx, floors.minInterEyePx, 'eyes', ' px apart');
  above(c.yawDeg === null ? null : Math.abs(c.yawDeg), floors.maxYawDeg, 'head turned', '°');
  above(c.pitchDeg === null ? null : Math.abs(c.pitchDeg), floors.maxPitchDeg, 'head tilted', '°');
  below(c.sharpness, floors.minSharpness, 'sharpness');
  below(c.exposure, floors.minExposure, 'brightness');
  above(c.exposure, floors.maxExposure, 'brightness');
  below(c.inFrame, floors.minInFrame, 'share of the face in the photo');
  return out;
}

const round = (v: number) => (Math.abs(v) >= 10 ? Math.round(v) : Math.round(v * 100) / 100);

/** Refuses a probe under REFUSE floors (LOW_QUALITY, nothing charged); returns the shortfalls a WARN search records. */
export function applyQualityFloors(floors: QualityFloors | null | undefined, c: QualityComponents): string[] {
  const short = qualityShortfalls(floors, c);
  if (short.length && floors!.action === QualityFloorAction.REFUSE) {
    throw new DomainError('LOW_QUALITY', `The photo falls short of your agency's quality floors: ${short.join('; ')}. Use a larger, sharper, more frontal photo, or ask your agency's administrator about the floors.`, { shortfalls: short });
  }
  return short;
}
