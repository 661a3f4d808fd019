import { MIN_GROUP_PEOPLE, ratesByGroup } from '../inference/group-rates.js';
import { DemographicField } from '../models/enums.js';
import { groupOrder } from '../tenants/calibration/by-group.js';
import { UsageError } from './args.js';

// `frhub calibrate --gallery <id> --by <field>`: the same measurement per group of a demographic field
// the gallery's owner keeps, printed before the calibration line (which stays last).

export const BY_OPTION: [string, string] = [
  '--by <field>',
  `also measure per group of a demographic field the gallery keeps (${Object.values(DemographicField).join(', ')}): the false-match rate at the threshold on pairs of different people within the group, the false non-match rate on pairs of one person's photos, each with its 95% interval over people, and the sample sizes; a group with fewer than ${MIN_GROUP_PEOPLE} people (or people with two photos) is marked too small to say anything`,
];

export function byField(value: string | true | undefined): DemographicField | undefined {
  if (value === undefined) return undefined;
  const field = typeof value === 'string' ? value.trim().toUpperCase().replace(/-/g, '_') : '';
  if (!Object.values(DemographicField).includes(field as DemographicField)) throw new UsageError(`--by must be one of ${Object.values(DemographicField).join(', ')}, got '${value === true ? '' : value}'`);
  return field as DemographicField;
}

const rate = (x: number | null, i: { low: number; high: number } | null) => (x === null || !i ? 'n/a' : `${x.toExponential(2)} (95% ${i.low.toExponential(1)} to ${i.high.toExponential(1)})`);

/** One block per group, then the rule; every line a person reads. */
export function printGroups(faces: { person: string; group: string; v: Float32Array }[], unrecorded: number, field: DemographicField, threshold: number): void {
  const groups = ratesByGroup(faces, threshold, groupOrder(field));
  console.log(`by ${field} at threshold ${threshold.toFixed(4)} (${groups.length} groups; ${unrecorded} sampled templates of subjects with no ${field} recorded, in no group):`);
  for (const g of groups) {
    console.log(`group ${g.group}: people=${g.people} photos=${g.photos} impostor_pairs=${g.impostorPairs} false_matches=${g.falseMatches} fmr=${rate(g.falseMatchRate, g.falseMatchRateInterval)} genuine_pairs=${g.genuinePairs} genuine_people=${g.genuinePeople} false_non_matches=${g.falseNonMatches} fnmr=${rate(g.falseNonMatchRate, g.falseNonMatchRateInterval)}`);
    if (g.warning) console.log(`  warning: ${g.warning}`);
  }
  console.log(`  (a group is too small to say anything with fewer than ${MIN_GROUP_PEOPLE} people, or ${MIN_GROUP_PEOPLE} people with two or more photos: its rates are printed but are no evidence of a difference between groups)`);
}
