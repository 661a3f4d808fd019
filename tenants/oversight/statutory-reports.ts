import { Statute } from '../../models/enums.js';
import type { MatchSourceRow, StatutoryCell } from '../../models/statistics.repository.js';
import type { PackDescription } from '../reports/lead-report.js';
import { newPdf } from '../reports/lead-report.pdf.js';
import { suppress, suppressTotal, toCsv } from '../shared/suppression.js';

export interface StatutorySection {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface StatutoryReport {
  statute: Statute;
  title: string;
  citation: string;
  year: number;
  periodStart: Date;
  periodEnd: Date;
  generatedAt: Date;
  sections: StatutorySection[];
  notes: string[];
  /** what the hub cannot know, in words */
  cannotKnow: string[];
  csv: string;
  pdf: Uint8Array;
}

export const NOT_RECORDED = 'not recorded by the hub';

type Measure = 'searches' | 'denials' | 'candidates' | 'searchesWithCandidates' | 'possibleLeads' | 'reviewsConcluded' | 'arrests' | 'charges';

/**
 * Every count a statutory report publishes is the sum of finest cells (agency x legal basis x offense)
 * put through suppressTotal: exact only when none of its cells is 1-4, else the bounds a reader could
 * work out anyway. So no published figure, in one report or beside any other (the transparency report
 * publishes the finest cells themselves), gives a suppressed cell away: every exact figure is a sum of
 * cells that are themselves publishable.
 */
export const published = (cells: StatutoryCell[], m: Measure) => suppressTotal(cells.map((c) => c[m]));
/** Matches that led to action: arrests plus charges, each cell's two counts summed as separate cells (else an exact sum beside exact arrests would give a small count of charges away). */
const actions = (cells: StatutoryCell[]) => suppressTotal(cells.flatMap((c) => [c.arrests, c.charges]));

function groups(cells: StatutoryCell[], key: (c: StatutoryCell) => string): [string, StatutoryCell[]][] {
  const out = new Map<string, StatutoryCell[]>();
  for (const c of cells) out.set(key(c), [...(out.get(key(c)) ?? []), c]);
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const offense = (c: { offenseCategory: string | null }) => c.offenseCategory ?? 'NOT_STATED';
const ALL = 'ALL';

const COMMON_LIMITS = [
  'The hub records searches, refusals, reviews, and the outcomes agencies report back on the leads released to them through requests (an arrest, a charge). '
    + 'It does not learn what was done with a lead no one reported back, nor with a candidate from a search an agency ran itself outside a request, and it never learns of convictions (reported as "not recorded by the hub"). '
    + 'Arrests and charges are counted in the year the agency reported them, in the requesting agency\'s row.',
  'Counts of 1 to 4 are shown as "<5", and any figure that includes such a count is shown as the range it must lie in, so that no figure, here or in another report of the hub, gives a small count away.',
];

/** Maryland Criminal Procedure 2-510: searches by crime type, and matches that led to action. */
function maryland(cells: StatutoryCell[]): Pick<StatutoryReport, 'title' | 'citation' | 'sections' | 'notes' | 'cannotKnow'> {
  const row = (label: string, cs: StatutoryCell[]) => [label, published(cs, 'searches'), published(cs, 'denials'), published(cs, 'possibleLeads'), actions(cs)];
  return {
    title: 'Face recognition technology: annual report',
    citation: 'Maryland Code, Criminal Procedure 2-510',
    sections: [{ title: 'Searches by crime type', columns: ['crime_type', 'searches', 'requests_refused', 'possible_leads_after_review', 'matches_that_led_to_action'], rows: [...groups(cells, offense).map(([k, cs]) => row(k, cs)), row(ALL, cells)] }],
    notes: [
      'A possible lead is a search whose independent second review concluded that a candidate is worth investigating; it is not an identification.',
      'A match that led to action is a lead released on a request whose requesting agency reported an arrest or a charge.',
    ],
    cannotKnow: [...COMMON_LIMITS],
  };
}

/** Montana Code 44-15-111: use by agency and purpose, with arrests and convictions. */
function montana(cells: StatutoryCell[]): Pick<StatutoryReport, 'title' | 'citation' | 'sections' | 'notes' | 'cannotKnow'> {
  const row = (label: string, cs: StatutoryCell[]) => [label, published(cs, 'searches'), published(cs, 'denials'), published(cs, 'possibleLeads'), published(cs, 'arrests'), published(cs, 'charges'), NOT_RECORDED];
  return {
    title: 'Facial recognition technology: annual report',
    citation: 'Montana Code Annotated 44-15-111',
    sections: [
      { title: 'Use by agency', columns: ['agency', 'searches', 'requests_refused', 'possible_leads_after_review', 'arrests', 'charges', 'convictions'], rows: [...groups(cells, (c) => c.tenantName).map(([k, cs]) => row(k, cs)), row(ALL, cells)] },
      { title: 'Use by purpose', columns: ['legal_basis', 'searches', 'requests_refused'], rows: [...groups(cells, (c) => c.legalBasis).map(([k, cs]) => [k, published(cs, 'searches'), published(cs, 'denials')]), [ALL, published(cells, 'searches'), published(cells, 'denials')]] },
    ],
    notes: [],
    cannotKnow: [...COMMON_LIMITS, 'Arrests and charges are those agencies reported back on released leads; convictions are never reported to the hub, so that column says "not recorded by the hub".'],
  };
}

const rate = (r: number) => (r >= 1e-3 ? r.toString() : r.toExponential(0));

/** The algorithm as an oversight report names it: the pack, its version and each model file's sha256 (the Washington report and the accountability report alike). */
export function algorithmSection(pack: PackDescription | undefined): StatutorySection {
  return {
    title: 'The algorithm', columns: ['item', 'value'], rows: pack
      ? [['model pack', pack.id], ['version', pack.version], ...pack.files.map((f) => [`${f.role} file sha256`, f.sha256])]
      : [['model pack', 'the running pack is not described to this report']],
  };
}

/** A calibration's thresholds for fixed false-match rates, with the share of same-person pairs each accepts. */
export function accuracySection(title: string, rates: { falseMatchRate: number; threshold: number | null; genuineAccepted: number | null }[] | undefined): StatutorySection {
  return {
    title, columns: ['false_match_rate', 'threshold', 'same_person_pairs_accepted'],
    rows: rates ? rates.map((r) => [rate(r.falseMatchRate), r.threshold === null ? 'too few pairs measured' : r.threshold.toFixed(4), r.genuineAccepted === null ? '-' : r.genuineAccepted.toFixed(4)]) : [['no calibration', '-', '-']],
  };
}

/** Washington RCW 43.386.020: the accountability report: extent of use, the algorithm, its measured accuracy, compliance. */
function washington(cells: StatutoryCell[], pack: PackDescription | undefined): Pick<StatutoryReport, 'title' | 'citation' | 'sections' | 'notes' | 'cannotKnow'> {
  const agencies = new Set(cells.filter((c) => c.searches > 0).map((c) => c.tenant)).size;
  const cal = pack?.calibration;
  return {
    title: 'Facial recognition service: accountability report',
    citation: 'Revised Code of Washington 43.386.020',
    sections: [
      {
        title: 'Extent of use', columns: ['measure', 'value'], rows: [
          ['agencies that searched', String(agencies)],
          ['searches', published(cells, 'searches')],
          ['searches returning candidates', published(cells, 'searchesWithCandidates')],
          ['candidates returned', published(cells, 'candidates')],
          ['possible leads after review', published(cells, 'possibleLeads')],
          ['released leads reported to have led to an arrest or a charge', actions(cells)],
        ],
      },
      { title: 'Use by purpose', columns: ['legal_basis', 'searches'], rows: [...groups(cells, (c) => c.legalBasis).map(([k, cs]) => [k, published(cs, 'searches')]), [ALL, published(cells, 'searches')]] },
      algorithmSection(pack),
      accuracySection('Measured accuracy (the pack\'s calibration)', cal?.rates),
      {
        title: 'Compliance', columns: ['measure', 'value'], rows: [
          ['searches refused by policy or role', published(cells, 'denials')],
          ['searches whose review concluded', published(cells, 'reviewsConcluded')],
          ['searches', published(cells, 'searches')],
        ],
      },
    ],
    notes: cal ? [`Calibration measured ${cal.date} on ${cal.measuredOn}: ${cal.people} people, ${cal.impostorPairs} different-person pairs.`] : [],
    cannotKnow: [...COMMON_LIMITS, 'The accuracy figures are those the model pack measured on its calibration photos; accuracy on an agency\'s own probes (their lighting, angle, age) is not known to the hub.'],
  };
}

/**
 * Utah Code 77-23e-106: requests by crime type, probable matches per request and the image source of
 * each match. Requests and matches go through the same finest cells as every other report; the
 * sources are another split of the candidates, so their total is a range when either split has a small cell.
 */
export function utahRows(year: number, cells: StatutoryCell[], sources: MatchSourceRow[]): StatutorySection {
  const byOffense = new Map(groups(cells, offense));
  const rows = sources.map((r) => {
    const cs = byOffense.get(offense(r)) ?? [];
    const parts = Object.values(r.sources);
    const rest = r.candidates - parts.reduce((a, n) => a + n, 0);
    const bySource = suppressTotal([...parts, rest]);
    const candidates = /^\d+$|^0$/.test(bySource) ? published(cs, 'candidates') : bySource;
    const requests = published(cs, 'searches');
    const leads = published(cs, 'possibleLeads');
    return [
      String(year), offense(r), requests, published(cs, 'searchesWithCandidates'), candidates, leads,
      // the ratio times the requests would give back the matches: only from exact figures
      !/^\d+$/.test(requests) || r.requests < 5 ? '<5 requests' : !/^\d+$/.test(leads) ? '<5 matches' : (r.possibleLeads / r.requests).toFixed(2),
      Object.entries(r.sources).map(([src, n]) => `${src}: ${suppress(n)}`).join('; '),
    ];
  });
  return { title: 'Requests by crime type', columns: ['reporting_year', 'crime_type', 'requests', 'requests_with_candidates', 'candidates_returned', 'probable_matches_after_review', 'probable_matches_per_request', 'image_sources'], rows };
}

function utah(year: number, cells: StatutoryCell[], sources: MatchSourceRow[]): Pick<StatutoryReport, 'title' | 'citation' | 'sections' | 'notes' | 'cannotKnow'> {
  return {
    title: 'Facial recognition: annual report',
    citation: 'Utah Code 77-23e-106',
    sections: [utahRows(year, cells, sources)],
    notes: ['Image sources are the galleries (owner/name) the candidates came from.'],
    cannotKnow: [...COMMON_LIMITS, 'Details of pending cases are not in the hub\'s audit data and are never included.'],
  };
}

/** One statute's report from the period's finest cells: its sections, CSV and PDF. */
export async function statutoryReport(
  statute: Statute, year: number, o: { cells: StatutoryCell[]; sources: MatchSourceRow[]; pack: PackDescription | undefined; from: Date; to: Date; now: Date },
): Promise<StatutoryReport> {
  const body = statute === Statute.MD_2_510 ? maryland(o.cells)
    : statute === Statute.MT_44_15_111 ? montana(o.cells)
      : statute === Statute.WA_43_386 ? washington(o.cells, o.pack)
        : utah(year, o.cells, o.sources);
  // Utah's CSV keeps its long-standing columns (frhub report --format utah-77-23e-106); the others one block per section
  const csv = statute === Statute.UT_77_23E
    ? toCsv(body.sections[0].columns, body.sections[0].rows)
    : body.sections.map((s) => toCsv(['statute', 'year', 'section', ...s.columns], s.rows.map((r) => [statute, year, s.title, ...r]))).join('\n');
  const report: Omit<StatutoryReport, 'pdf'> = { statute, year, periodStart: o.from, periodEnd: o.to, generatedAt: o.now, ...body, csv };
  return { ...report, pdf: await statutoryPdf(report) };
}

async function statutoryPdf(r: Omit<StatutoryReport, 'pdf'>): Promise<Uint8Array> {
  return oversightPdf({ ...r, docTitle: `${r.citation}: ${r.year}`, footer: `frhub statutory report ${r.statute} ${r.year}`, fields: [['Statute', r.citation]], preface: 'Counts only. Counts of 1 to 4 are shown as "<5"; a figure that includes one is shown as the range it lies in.' });
}

/** An oversight report as a PDF: title, period, its sections as tables, notes and what the hub cannot know (statutory and accountability reports alike). */
export async function oversightPdf(r: Pick<StatutoryReport, 'title' | 'year' | 'periodStart' | 'periodEnd' | 'generatedAt' | 'sections' | 'notes' | 'cannotKnow'> & { docTitle: string; footer: string; fields: [string, string][]; preface: string }): Promise<Uint8Array> {
  const { doc, w } = await newPdf({ title: r.docTitle, author: 'frhub', subject: r.title, at: r.generatedAt, footer: r.footer });
  w.text(r.title.toUpperCase(), { size: 15, bold: true, gap: 4 });
  for (const [k, v] of r.fields) w.field(k, v);
  w.field('Period', `${r.periodStart.toISOString().slice(0, 10)} to ${new Date(r.periodEnd.getTime() - 1).toISOString().slice(0, 10)} (UTC)`);
  w.field('Produced', r.generatedAt.toISOString());
  w.text(r.preface, { size: 8, gap: 6 });
  for (const s of r.sections) {
    w.heading(s.title);
    w.table(s.columns.map((c) => c.replace(/_/g, ' ')), s.rows);
  }
  if (r.notes.length) {
    w.heading('Notes');
    for (const n of r.notes) w.text(`- ${n}`, { indent: 8 });
  }
  w.heading('What the hub cannot know');
  for (const n of r.cannotKnow) w.text(`- ${n}`, { indent: 8 });
  return doc.save({ useObjectStreams: false });
}
