import { createHash } from 'node:crypto';
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString, rgb, StandardFonts, type PDFFont, type PDFImage, type PDFPage } from 'pdf-lib';
import type { LeadReport } from './lead-report.js';

export const REPORT_ATTACHMENT = 'lead-report.json';
/** A face or probe print shown in the PDF is attached too (by its checksum), so a verifier can render the PDF again from what it carries. */
const faceAttachment = (sha256: string) => `face-${sha256}.jpg`;
const probeAttachment = (sha256: string) => `probe-${sha256}.jpg`;
/** the largest side of a probe print on the page, in points */
const PROBE_PRINT = 150;

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 50;
const FACE = 56;

// the standard fonts draw WinAnsi only: common typography becomes its ASCII twin, anything else '?'
const TWINS: Record<string, string> = { '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"', '\u2013': '-', '\u2014': '-', '\u2265': '>=', '\u2264': '<=', '\u2026': '...', '\u00a0': ' ' };

/** Text on A4 pages with the standard fonts: wrapped lines, headings, a footer on every page. */
export class PdfWriter {
  page!: PDFPage;
  y = 0;
  pageNo = 0;
  private readonly charset: Set<number>;

  constructor(private readonly doc: PDFDocument, private readonly font: PDFFont, private readonly bold: PDFFont, private readonly footer: string) {
    this.charset = new Set(font.getCharacterSet());
    this.newPage();
  }

  clean(s: string): string {
    return [...s].map((ch) => TWINS[ch] ?? (ch === '\n' || this.charset.has(ch.codePointAt(0)!) ? ch : '?')).join('');
  }

  newPage(): void {
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.pageNo++;
    this.y = A4.height - MARGIN;
    this.page.drawText(this.clean(`${this.footer} - page ${this.pageNo}`), { x: MARGIN, y: 25, size: 7, font: this.font, color: rgb(0.35, 0.35, 0.35) });
  }

  room(h: number): void {
    if (this.y - h < MARGIN) this.newPage();
  }

  /** Wrapped text, on as many lines and pages as it takes. */
  text(s: string, o: { size?: number; bold?: boolean; indent?: number; gap?: number } = {}): void {
    const size = o.size ?? 9.5;
    const font = o.bold ? this.bold : this.font;
    const x = MARGIN + (o.indent ?? 0);
    const width = A4.width - MARGIN - x;
    for (const para of this.clean(s).split('\n')) {
      let line = '';
      const lines: string[] = [];
      for (const word of para.split(' ')) {
        const next = line ? `${line} ${word}` : word;
        if (font.widthOfTextAtSize(next, size) > width && line) {
          lines.push(line);
          line = word;
        } else line = next;
      }
      lines.push(line);
      for (const l of lines) {
        this.room(size * 1.35);
        this.y -= size * 1.35;
        this.page.drawText(l, { x, y: this.y, size, font });
      }
    }
    this.y -= o.gap ?? 2;
  }

  heading(s: string): void {
    this.room(40);
    this.y -= 8;
    this.text(s, { size: 12, bold: true, gap: 4 });
  }

  /** A table: a wider first column, the others equal; a cell wraps within its column, a row as tall as its tallest cell. */
  table(columns: string[], rows: string[][]): void {
    const width = A4.width - 2 * MARGIN;
    const first = Math.min(width * 0.34, width / columns.length + 60);
    const rest = columns.length > 1 ? (width - first) / (columns.length - 1) : 0;
    const xs = columns.map((_, i) => MARGIN + (i === 0 ? 0 : first + (i - 1) * rest));
    const size = 8;
    const wrap = (s: string, w: number, font: PDFFont) => {
      const lines: string[] = [];
      let line = '';
      for (const word of this.clean(s).split(' ')) {
        const next = line ? `${line} ${word}` : word;
        if (font.widthOfTextAtSize(next, size) > w - 6 && line) {
          lines.push(line);
          line = word;
        } else line = next;
      }
      return [...lines, line];
    };
    const row = (cells: string[], bold: boolean) => {
      const font = bold ? this.bold : this.font;
      const wrapped = cells.map((c, i) => wrap(c, i === 0 ? first : rest, font));
      const height = Math.max(...wrapped.map((l) => l.length)) * size * 1.3 + size * 0.4;
      this.room(height);
      wrapped.forEach((lines, i) => lines.forEach((l, k) => this.page.drawText(l, { x: xs[i], y: this.y - (k + 1) * size * 1.3, size, font })));
      this.y -= height;
    };
    row(columns, true);
    for (const r of rows) row(r, false);
    this.y -= 6;
  }

  /** An image at most `max` points a side (its aspect kept), below the text so far, indented. */
  image(img: PDFImage, max: number, indent = 0): void {
    const scale = Math.min(max / img.width, max / img.height);
    const [width, height] = [img.width * scale, img.height * scale];
    this.room(height + 6);
    this.y -= height + 4;
    this.page.drawImage(img, { x: MARGIN + indent, y: this.y, width, height });
    this.y -= 4;
  }

  field(label: string, value: string | number | null | undefined): void {
    this.text(`${label}: ${value === null || value === undefined || value === '' ? '(none recorded)' : value}`, { indent: 8 });
  }
}

const pct = (r: number | null) => (r === null ? 'not calibrated' : r === 0 ? '0' : r.toExponential(2));

/**
 * The lead report as a PDF a person reads and prints (pdf-lib, the standard Helvetica fonts), the
 * signed JSON attached. Rendering is deterministic: the same report and faces give the same bytes,
 * so a verifier re-renders from the attachments and compares every byte.
 */
/** A new document with fixed metadata (the same content gives the same bytes) and a writer on it. */
export async function newPdf(o: { title: string; author: string; subject: string; at: Date; footer: string }): Promise<{ doc: PDFDocument; w: PdfWriter }> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(o.title);
  doc.setAuthor(o.author);
  doc.setSubject(o.subject);
  doc.setCreator('frhub');
  doc.setProducer('frhub (pdf-lib)');
  doc.setCreationDate(o.at);
  doc.setModificationDate(o.at);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  return { doc, w: new PdfWriter(doc, font, bold, o.footer) };
}

export async function renderLeadReportPdf(report: LeadReport, faces: Map<string, Uint8Array>): Promise<Uint8Array> {
  const at = new Date(report.generatedAt);
  const { doc, w } = await newPdf({
    title: `Investigative lead report ${report.reportId}`, author: report.agency.name, subject: `${report.subject.kind.toLowerCase()} ${report.subject.id}`, at,
    footer: `frhub lead report ${report.reportId} - signed; verify with: npx frhub report verify <file>`,
  });

  w.text('INVESTIGATIVE LEAD REPORT', { size: 16, bold: true, gap: 6 });
  w.text(report.notice, { bold: true, gap: 8 });
  w.field('Report', report.reportId);
  w.field('Produced', report.generatedAt);
  w.field('Version', report.audience === 'OVERSIGHT' ? 'for oversight (no faces, no narrative, no subject references)' : `for the agency (faces ${report.faces === 'SHOWN' ? 'shown' : 'withheld'})`);
  w.field('Of', `${report.subject.kind.toLowerCase()} ${report.subject.id}`);

  w.heading('The case');
  w.field('Requesting agency', `${report.agency.name} (${report.agency.slug})`);
  w.field('Analyst', report.analyst.name ? `${report.analyst.name} (${report.analyst.role ?? 'role unknown'}, ${report.analyst.id})` : report.analyst.id);
  w.field('Case number', report.case.caseNumber);
  w.field('Legal basis', report.case.legalBasis);
  w.field('Offense', [report.case.offenseCategory, report.case.offenseDescription].filter(Boolean).join(': '));
  w.field('Warrant', report.case.warrantNumber);
  w.field('Narrative', report.audience === 'OVERSIGHT' ? '(withheld from the oversight version)' : report.case.narrative);

  const rq = report.request;
  if (rq) {
    w.heading('The request');
    w.field('Request', `${rq.id}, ${rq.status}, priority ${rq.priority}`);
    w.field('Sent to', `${rq.servingAgency.name} (${rq.servingAgency.slug})`);
    w.field('Submitted', rq.submittedAt);
    w.field('Due', rq.dueAt);
    w.field('Requesting officer', rq.requestingOfficer);
    w.field('Approved by', rq.approvingSupervisor);
    w.field('Probe provenance', [rq.provenance.sourceKind, rq.provenance.howObtained, rq.provenance.capturedAt ? `captured ${rq.provenance.capturedAt}` : 'capture date unknown'].filter(Boolean).join('; '));
    if (rq.decline) w.field('Declined', `${rq.decline.reason}${rq.decline.note ? ` - ${rq.decline.note}` : ''}`);
    w.heading('The probe and every edit');
    w.text('The original photo is never changed: each version is the original with the recorded steps applied in order.', { size: 8 });
    // a print is drawn only when the signed content names it and the PDF carries it
    const print = async (sha: string | null | undefined, indent: number) => {
      const jpeg = sha ? faces.get(sha) : undefined;
      if (jpeg) w.image(await doc.embedJpg(jpeg), PROBE_PRINT, indent);
    };
    for (const p of rq.probes) {
      w.field(`Probe ${p.ordinal} (original)`, `sha256 ${p.sha256}, ${p.bytes} bytes`);
      await print(p.imageSha256, 16);
      for (const v of p.versions) {
        w.text(`Version ${v.version} (${v.id}), by ${v.by ?? '?'} at ${v.at}:`, { indent: 16 });
        v.steps.forEach((st, i) => w.text(`step ${i + 1}: ${stepWords(st)}`, { indent: 28, size: 8.5 }));
        await print(v.imageSha256, 28);
      }
      if (!p.versions.length) w.text('No edits: every search used the original.', { indent: 16, size: 8.5 });
    }
  }

  w.heading('The model');
  const pack = report.modelPack;
  if ('files' in pack) {
    w.field('Model pack', `${pack.id} version ${pack.version} (${pack.modelVersion})`);
    for (const f of pack.files) w.text(`${f.role}: ${f.file} sha256 ${f.sha256}`, { indent: 16, size: 8 });
    if (pack.calibration) {
      const c = pack.calibration;
      w.field('Calibration', `${c.people} people, ${c.photos} photos, ${c.impostorPairs} different-person pairs, measured ${c.date} on ${c.measuredOn}`);
    } else w.field('Calibration', 'none: scores cannot be read as false-match rates');
  } else w.field('Model', `${pack.modelVersion}: ${pack.note}`);

  for (const s of report.searches) {
    w.heading(`Search ${s.searchId}`);
    w.field('Run at', s.at);
    if (s.probeVersion !== undefined) w.field('Probe used', s.probeVersion ? `probe ${s.probeVersion.probeOrdinal}, version ${s.probeVersion.version} (${s.probeVersion.id})` : 'the original photo');
    w.field('Probe', `sha256 ${s.probe.sha256}, ${s.probe.bytes ?? '?'} bytes, face quality ${s.probe.quality.toFixed(3)}`);
    if (s.probe.components) w.field('Probe quality, in parts', qualityParts(s.probe.components));
    w.field('Threshold', s.thresholdHowSet ?? s.threshold.toFixed(4));
    if (s.calibration !== undefined) w.field('Calibration used', s.calibration ? `calibration ${s.calibration.version} (${s.calibration.source === 'SHIPPED' ? 'shipped with the pack' : 'measured on a gallery'}: ${s.calibration.measuredOn}, ${s.calibration.measuredAt.slice(0, 10)}), id ${s.calibration.id}` : 'the pack\'s own (the search predates recorded calibrations)');
    w.field('List size', `at most ${s.maxCandidates} candidates; ${s.candidates.length} returned`);
    w.field('Galleries searched', `${s.galleries.length}, ${s.templatesSearched ?? '?'} templates; receipt sha256 ${s.receiptDigest ?? '(none: searched before receipts were kept)'}`);
    for (const g of s.galleries) w.text(`${g.owner ?? '?'}/${g.name ?? g.galleryId}: ${g.templates ?? '?'} templates, digest ${g.digest ?? '-'}`, { indent: 16, size: 8 });
    w.text('Candidates (score; estimated false-match rate with its 95% interval; each reviewer\'s disposition)', { bold: true, gap: 4 });
    if (!s.candidates.length) w.text('None.', { indent: 8 });
    for (const c of s.candidates) {
      const face = c.faceSha256 ? faces.get(c.faceSha256) : undefined;
      const indent = face ? FACE + 14 : 8;
      w.room(face ? FACE + 6 : 30);
      const faceTop = w.y;
      const interval = c.falseMatchRateInterval ? ` (95%: ${pct(c.falseMatchRateInterval.low)} to ${pct(c.falseMatchRateInterval.high)})` : '';
      w.text(`#${c.rank}  score ${c.score.toFixed(4)}  ${c.subjectRef ?? '(subject withheld)'}  gallery ${c.galleryId}`, { indent, bold: true });
      w.text(`estimated false-match rate ${c.falseMatchRateAtLimit ? 'below the data: under ' : ''}${pct(c.estimatedFalseMatchRate)}${interval}`, { indent });
      w.text(c.dispositions.length ? c.dispositions.map((d) => `${d.reviewer}${d.role ? ` (${d.role.toLowerCase()})` : ''}: ${d.decision}${d.reason ? ` - "${d.reason}"` : ''}`).join('; ') : 'not reviewed', { indent });
      if (face) {
        const img = await doc.embedJpg(face);
        w.page.drawImage(img, { x: MARGIN + 4, y: faceTop - FACE, width: FACE, height: FACE });
        w.y = Math.min(w.y, faceTop - FACE - 4);
      }
      w.y -= 4;
    }
    if (!rq || s.reviews.length) w.text('Reviews', { bold: true, gap: 4 });
    if (!rq && !s.reviews.length) w.text('None recorded.', { indent: 8 });
    for (const r of s.reviews) w.text(`${r.at}  ${r.reviewer} (${r.role ?? '?'}): ${r.outcome}${r.note ? ` - "${r.note}"` : ''}`, { indent: 8 });
    w.field('Conclusion of this search', s.conclusion);
  }

  if (rq) {
    w.heading('Examinations');
    w.text('Each examiner recorded a disposition for every candidate; the verifier worked blind to the examiner\'s dispositions.', { size: 8 });
    if (!rq.examinations.length) w.text('None recorded.', { indent: 8 });
    for (const e of rq.examinations) {
      w.text(`${e.role} ${e.name} (${e.principalId}), ${e.at}: ${e.conclusion}${e.note ? ` - "${e.note}"` : ''}`, { indent: 8, bold: true });
      for (const d of e.dispositions) w.text(`search ${d.searchId} #${d.rank}: ${d.disposition}${d.reason ? ` - "${d.reason}"` : ''}`, { indent: 16, size: 8.5 });
    }
    w.heading('Release and outcome');
    w.field('Lead released', rq.release ? `candidate #${rq.release.rank} of search ${rq.release.searchId} (${rq.release.subjectRef ?? 'subject withheld'}) at ${rq.release.at ?? '?'}` : 'no lead released');
    w.field('Outcome reported', rq.outcome ? `${rq.outcome.outcome} at ${rq.outcome.at ?? '?'}${rq.outcome.note ? ` - "${rq.outcome.note}"` : ''}` : 'none reported');
    if (rq.outcome?.attestedAt) w.field('Independent evidence attested (photo export)', rq.outcome.attestedAt);
  }

  w.heading('Conclusion');
  w.text(report.conclusion, { bold: true, gap: 6 });
  w.text(report.notice, { gap: 6 });

  w.heading('What this report cannot show');
  for (const l of report.limits) w.text(`- ${l}`, { indent: 8 });

  w.heading('Audit events behind this report');
  w.text('Each line is an event of the hub\'s hash-chained audit log: its sequence number, action, time and hash.', { size: 8 });
  for (const e of report.auditEvents) w.text(`#${e.seq}  ${e.action}  ${e.at}  ${e.hash}`, { indent: 8, size: 7.5 });

  w.heading('Signature');
  if (report.signature) {
    w.field('Signed by hub key', report.signature.kid);
    w.field('Algorithm', report.signature.alg);
    w.text(`The signed content is attached to this PDF as ${REPORT_ATTACHMENT}. Check it with: npx frhub report verify <this file>`, { size: 8 });
  } else w.text('Unsigned.', { indent: 8 });

  await doc.attach(new TextEncoder().encode(JSON.stringify(report, null, 2)), REPORT_ATTACHMENT, { mimeType: 'application/json', description: 'the signed lead report', creationDate: at, modificationDate: at });
  const probePrints = new Set((rq?.probes ?? []).flatMap((p) => [p.imageSha256, ...p.versions.map((v) => v.imageSha256)]).filter((x): x is string => !!x));
  const shown = new Set([...probePrints, ...report.searches.flatMap((s) => s.candidates.map((c) => c.faceSha256))]);
  // only what the signed content names is attached: an image slipped in beside it makes the PDF another one
  for (const [sha, jpeg] of [...faces].filter(([sha]) => shown.has(sha)).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const probe = probePrints.has(sha);
    await doc.attach(jpeg, probe ? probeAttachment(sha) : faceAttachment(sha), {
      mimeType: 'image/jpeg', description: probe ? 'a probe photo or an edited version of it, as printed in this report' : 'a candidate face shown in this report', creationDate: at, modificationDate: at,
    });
  }
  return doc.save({ useObjectStreams: false });
}

/** One recorded edit step in words, its parameters as recorded. */
function stepWords(st: Record<string, unknown>): string {
  const { kind, ...params } = st;
  const list = Object.entries(params).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${String(kind)}${list ? ` (${list})` : ''}`;
}

/** The files attached to a PDF, by name (pdf-lib reads it; anything it cannot read throws). */
export async function pdfAttachments(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const out = new Map<string, Uint8Array>();
  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  const embedded = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
  const list = embedded?.lookupMaybe(PDFName.of('Names'), PDFArray);
  if (!list) return out;
  for (let i = 0; i + 1 < list.size(); i += 2) {
    const name = list.lookup(i) as PDFString | PDFHexString;
    const spec = list.lookup(i + 1, PDFDict);
    const stream = spec.lookup(PDFName.of('EF'), PDFDict).lookup(PDFName.of('F')) as PDFRawStream;
    out.set(name.decodeText(), decodePDFRawStream(stream).decode());
  }
  return out;
}

/** The faces and probe prints a PDF carries, by checksum, each checked against its name. */
export function facesOf(attachments: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const faces = new Map<string, Uint8Array>();
  for (const [name, bytes] of attachments) {
    const m = /^(?:face|probe)-([0-9a-f]{64})\.jpg$/.exec(name);
    if (m && createHash('sha256').update(bytes).digest('hex') === m[1]) faces.set(m[1], bytes);
  }
  return faces;
}

/** The probe's quality components in words (ISO/IEC 29794-5's parts), as the search recorded them. */
function qualityParts(c: Record<string, number | null>): string {
  const n = (k: string, digits: number, unit = '') => (typeof c[k] === 'number' ? `${(c[k] as number).toFixed(digits)}${unit}` : 'not measured');
  const pct = (k: string, digits: number) => (typeof c[k] === 'number' ? `${((c[k] as number) * 100).toFixed(digits)}%` : 'not measured');
  return `${n('interEyePx', 0)} px between the eyes; yaw ${n('yawDeg', 0, '°')}, pitch ${n('pitchDeg', 0, '°')}, roll ${n('rollDeg', 0, '°')}; sharpness ${n('sharpness', 0)}; exposure ${n('exposure', 2)}; ${pct('clipped', 1)} crushed or burnt; ${pct('inFrame', 0)} of the face inside the photo`;
}
