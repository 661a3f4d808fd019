import type { ComponentChildren } from 'preact';
import { falseMatchWords } from './words';
import type { CandidateFieldsFragment } from '../graphql.generated';

export type Candidate = CandidateFieldsFragment;

/** A search's candidates as every page shows them: `...CandidateFields` in the selection, this fragment after the operation. */
export const CANDIDATE_FIELDS = /* GraphQL */ `fragment CandidateFields on Candidate { rank score subjectRef estimatedFalseMatchRate falseMatchRateAtLimit falseMatchRateInterval { low high } faceImage subject { id name dateOfBirth bookingNumber disposition detailsVisible } }`;

/** Who the candidate's photo belongs to: the reference, the details the searcher may see, and whether a better-ranked photo of the same person is above. */
function SubjectCell({ c, all }: { c: Candidate; all: Candidate[] }) {
  const s = c.subject;
  const better = s ? all.find((o) => o.subject?.id === s.id && o.rank < c.rank) : undefined;
  const details = s?.detailsVisible ? [s.name, s.dateOfBirth && `born ${s.dateOfBirth}`, s.bookingNumber && `booking ${s.bookingNumber}`, s.disposition].filter(Boolean).join(', ') : '';
  return (
    <>
      {c.subjectRef}
      {details && <span class="hint"> {details}</span>}
      {s && !s.detailsVisible && <span class="hint"> (another agency’s gallery: its details are not shown)</span>}
      {better && <span class="hint"> another photo of the person ranked {better.rank}</span>}
    </>
  );
}

/** The notice no one can miss: a candidate is a lead, never an identification. */
export function LeadsNotice({ notice }: { notice: string }) {
  return (
    <div class="notice" role="note">
      <p class="notice-title">Investigative lead only: not an identification.</p>
      <p>{notice}</p>
      <p>A person must compare every face below and find independent evidence before any action.</p>
    </div>
  );
}

/**
 * Ranked candidates with score, the pack's estimated false-match rate in words, and the enrolled
 * face; `probe` (the probe's face) beside each when the page has the photo; `decide` adds a column.
 */
export function CandidateTable({ candidates, threshold, probe, decide, caption }: {
  candidates: Candidate[];
  threshold: number;
  probe?: ComponentChildren;
  decide?: (c: Candidate) => ComponentChildren;
  caption: string;
}) {
  if (!candidates.length) return <p>No candidate scored above the threshold ({threshold.toFixed(3)}).</p>;
  return (
    <table class="candidates">
      <caption class="hint">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Rank</th>
          <th scope="col">Subject</th>
          <th scope="col">Score</th>
          <th scope="col">Estimated false-match rate</th>
          {probe && <th scope="col">Probe</th>}
          <th scope="col">Enrolled face</th>
          {decide && <th scope="col">Your decision</th>}
        </tr>
      </thead>
      <tbody>
        {candidates.map((c) => (
          <tr>
            <td>{c.rank}</td>
            <td><SubjectCell c={c} all={candidates} /></td>
            <td>{c.score.toFixed(3)}</td>
            <td>{falseMatchWords(c)}</td>
            {probe && <td>{probe}</td>}
            <td>{c.faceImage ? <img class="chip" src={c.faceImage} alt={`Enrolled face of ${c.subjectRef}`} /> : <span class="hint">No face to show: enrolled before faces were kept, or in another agency’s gallery shared for searching only.</span>}</td>
            {decide && <td>{decide(c)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
