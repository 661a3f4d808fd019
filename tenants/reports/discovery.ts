import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { candidateCsv, type LeadReport } from './lead-report.js';

export const DISCOVERY_FILES = { pdf: 'lead-report.pdf', json: 'lead-report.json', csv: 'candidates.csv', readme: 'README.txt' } as const;

/** A request's probe prints the report names, as the package's files: `probe-1-original.jpg`, `probe-1-version-2.jpg`. */
export function probeFiles(r: LeadReport): { name: string; sha256: string }[] {
  return (r.request?.probes ?? []).flatMap((p) => [
    ...(p.imageSha256 ? [{ name: `probe-${p.ordinal}-original.jpg`, sha256: p.imageSha256 }] : []),
    ...p.versions.flatMap((v) => (v.imageSha256 ? [{ name: `probe-${p.ordinal}-version-${v.version}.jpg`, sha256: v.imageSha256 }] : [])),
  ]);
}

/** The discovery package's README, in plain words, from the report it comes with. */
export function discoveryReadme(r: LeadReport): string {
  const s = r.searches;
  return [
    `Discovery package: face-recognition ${r.subject.kind.toLowerCase()} ${r.subject.id}`,
    `Produced ${r.generatedAt} by the frhub face-recognition hub for ${r.agency.name}. Report ${r.reportId}.`,
    '',
    'What this is',
    r.request
      ? `${r.agency.name} asked ${r.request.servingAgency.name} to examine a probe photo (request ${r.request.id}); its examiners ran ${s.length === 1 ? 'one face search' : `${s.length} face searches`} in case ${r.case.caseNumber ?? '(no case number)'} under the legal basis ${r.case.legalBasis}${r.request.examinations.some((e) => e.role === 'VERIFIER') ? ', and a second examiner verified the result without seeing the first one\'s' : ''}.`
      : `The agency ran ${s.length === 1 ? 'one face search' : `${s.length} face searches`} in case ${r.case.caseNumber ?? '(no case number)'} under the legal basis ${r.case.legalBasis}.`,
    'A face search compares one photo (the probe) with enrolled photos and lists the most similar ones (candidates). A candidate is an',
    'investigative lead only. ' + r.notice,
    '',
    'What is in it',
    `- ${DISCOVERY_FILES.pdf}: the lead report to read and print: the case, the model and its measured error rates, the galleries searched,`,
    '  every candidate with its score and estimated false-match rate, each reviewer\'s decision, and the audit events behind them.',
    ...(r.request ? ['  For a request it also holds the probe\'s provenance, each recorded edit of the probe, every examiner\'s dispositions, the release and the outcome.'] : []),
    `- ${DISCOVERY_FILES.json}: the same report as data, signed by the hub.`,
    `- ${DISCOVERY_FILES.csv}: the candidate list as it was returned, one line per candidate and reviewer.`,
    ...probeFiles(r).map((f) => `- ${f.name}: ${/original/.test(f.name) ? 'the probe photo as the requesting agency sent it' : 'an edited version of the probe, derived from the original by the steps the report records'}, as printed in the report (scaled down).`),
    `- ${DISCOVERY_FILES.readme}: this file.`,
    '',
    'The conclusion',
    r.conclusion,
    '',
    'What the hub cannot tell you',
    ...r.limits.map((l) => `- ${l}`),
    '',
    'How to check that nothing was changed',
    'Run `npx frhub report verify <this zip file>` where the hub is installed. It checks the hub\'s signature, that every file is exactly',
    'as the hub produced it, and that the audit events the report names are still in the hub\'s audit chain with the same hashes.',
    'It prints a last line beginning "intact" when all of that holds, and "altered" (with what failed) when anything does not.',
    '',
  ].join('\n');
}

/**
 * The ZIP, the same bytes for the same content (fixed times, fixed order), so a verifier can build it
 * again and compare; `images` (by checksum, as the PDF carries them) give the probe versions' files.
 */
export function discoveryZip(r: LeadReport, json: string, pdf: Uint8Array, images: Map<string, Uint8Array> = new Map()): Uint8Array {
  const mtime = new Date(r.generatedAt);
  const files: Zippable = {
    [DISCOVERY_FILES.readme]: [strToU8(discoveryReadme(r)), { mtime, level: 6 }],
    [DISCOVERY_FILES.pdf]: [pdf, { mtime, level: 0 }],
    [DISCOVERY_FILES.json]: [strToU8(json), { mtime, level: 6 }],
    [DISCOVERY_FILES.csv]: [strToU8(candidateCsv(r)), { mtime, level: 6 }],
  };
  for (const f of probeFiles(r)) {
    const jpeg = images.get(f.sha256);
    if (jpeg) files[f.name] = [jpeg, { mtime, level: 0 }];
  }
  return zipSync(files);
}

export const readZip = (bytes: Uint8Array): Record<string, Uint8Array> => unzipSync(bytes);
