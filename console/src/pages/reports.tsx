import { useMemo, useState } from 'preact/hooks';
import { gql } from '../api';
import type { StatutoryReportQuery, VerifyReportQuery } from '../graphql.generated';
import { BarChart, type Bar } from './charts';
import { Problem } from './problem';
import { useQuery } from './use-query';
import { words } from './words';

type Verification = VerifyReportQuery['verifyReport'];
const VERIFY = /* GraphQL */ `query VerifyReport($f: String!) { verifyReport(fileBase64: $f) { intact kind reportId subject signedBy signingKeyStatus signingKeyRetiredAt signatureValid contentIntact auditEventsChecked auditEventsNotHeld problems } }`;

// the file's bytes as base64, without the data URL's prefix
const base64Of = (file: File) => new Promise<string>((resolve, reject) => {
  const reader = new FileReader();
  reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
  reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
  reader.readAsDataURL(file);
});

const KEY_WORDS: Record<string, string> = {
  CURRENT: 'the key that signs now',
  PREVIOUS: 'a previous key, rotated out, still verifying tokens until it retires',
  RETIRED: 'a retired key: it signs nothing any more and is kept to verify what it signed',
};

/** Checks an uploaded lead report (PDF, JSON or discovery ZIP) with the hub (verifyReport): intact or altered, which key signed it, which audit events still hold. */
export function VerifyReportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<Verification | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function check(f: File) {
    setFile(f);
    setResult(null);
    setError(null);
    setBusy(true);
    try {
      setResult((await gql<VerifyReportQuery>(VERIFY, { f: await base64Of(f) })).verifyReport);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const v = result;
  return (
    <>
      <h1>Verify a report</h1>
      <p class="hint">A lead report the hub produced (PDF or JSON), or a discovery package (ZIP). The hub checks its signature, every byte, and that the audit events it names are still in its audit chain. Nothing is kept but the audit event of the check.</p>
      <label for="report-file">Report file (PDF, JSON or ZIP)</label>
      <input id="report-file" type="file" accept=".pdf,.json,.zip,application/pdf,application/json,application/zip" onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) void check(f); }} />
      {busy && <p role="status">Checking {file?.name}…</p>}
      <Problem error={error} />
      {v && (
        <section aria-labelledby="verdict">
          <h2 id="verdict" data-testid="verdict" class={v.intact ? '' : 'error'}>{v.intact ? 'Intact' : 'Altered'}: {file?.name}</h2>
          <p>{v.intact
            ? 'This file is exactly as the hub produced it, signed by one of its keys, and every audit event it names is still in the chain.'
            : 'This file is not as the hub produced it, or what it names is no longer in the audit chain. Do not rely on it; ask for a fresh copy.'}</p>
          <dl class="facts" data-testid="verification">
            <dt>Kind</dt><dd>{v.kind}</dd>
            <dt>Report</dt><dd>{v.reportId ?? '—'}{v.subject ? ` (${words(v.subject.split(' ')[0])} ${v.subject.split(' ')[1] ?? ''})` : ''}</dd>
            <dt>Signature</dt><dd data-testid="signature">{v.signatureValid ? `valid: hub key ${v.signedBy}, ${KEY_WORDS[v.signingKeyStatus ?? ''] ?? 'status unknown'}${v.signingKeyRetiredAt ? ` (retired ${v.signingKeyRetiredAt.slice(0, 10)})` : ''}` : 'not valid'}</dd>
            <dt>Content</dt><dd data-testid="content">{v.contentIntact ? 'every byte as the hub produced it' : 'changed'}</dd>
            <dt>Audit events</dt><dd data-testid="audit-events">{v.auditEventsChecked - v.auditEventsNotHeld.length} of {v.auditEventsChecked} still in the chain as recorded{v.auditEventsNotHeld.length ? `; not held: ${v.auditEventsNotHeld.join(', ')}` : ''}</dd>
          </dl>
          {v.problems.length > 0 && (
            <>
              <h3>What failed</h3>
              <ul data-testid="problems">{v.problems.map((p) => <li>{p}</li>)}</ul>
            </>
          )}
        </section>
      )}
    </>
  );
}

type Statutory = StatutoryReportQuery['statutoryReport'];
type Section = Statutory['sections'][number];
const STATUTORY = /* GraphQL */ `query StatutoryReport($s: Statute!, $y: Int!) { statutoryReport(statute: $s, year: $y) { statute title citation year periodStart periodEnd generatedAt sections { title columns rows } notes cannotKnow csv pdfBase64 } }`;
const STATUTES: [string, string][] = [
  ['MD_2_510', 'Maryland, Criminal Procedure 2-510'],
  ['MT_44_15_111', 'Montana, MCA 44-15-111'],
  ['WA_43_386', 'Washington, RCW 43.386.020 (accountability report)'],
  ['UT_77_23E', 'Utah, Code 77-23e-106'],
];
const thisYear = new Date().getUTCFullYear();
// the count a section is charted by: searches (or a Utah report's requests), against the column before it
const CHARTED = ['searches', 'requests'];
const exact = (v: string) => (/^\d+$/.test(v) ? Number(v) : null);

/** Oversight's statutory reports: a statute and a year; its tables, a chart of each, CSV and PDF as the API made them. */
export function StatutoryReportsPage() {
  const [statute, setStatute] = useState('MD_2_510');
  const [year, setYear] = useState(thisYear);
  const { data, error } = useQuery<StatutoryReportQuery>(STATUTORY, { s: statute, y: year });
  const r = data?.statutoryReport;
  return (
    <>
      <h1>Statutory reports</h1>
      <p class="hint">Counts only, computed by the hub from its audit chain and request records; counts from 1 to 4 are shown as “&lt;5”, and a figure that includes one as the range it must lie in.</p>
      <div class="filters statutory-choice">
        <label for="statute">Statute</label>
        <select id="statute" value={statute} onChange={(e) => setStatute(e.currentTarget.value)}>
          {STATUTES.map(([v, label]) => <option value={v}>{label}</option>)}
        </select>
        <label for="statutory-year">Year</label>
        <select id="statutory-year" value={year} onChange={(e) => setYear(Number(e.currentTarget.value))}>
          {[0, 1, 2, 3].map((d) => <option value={thisYear - d}>{thisYear - d}</option>)}
        </select>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {r && r.statute === statute && r.year === year && <StatutoryReportView report={r} />}
    </>
  );
}

function StatutoryReportView({ report: r }: { report: Statutory }) {
  // downloads made here from the API's own CSV and PDF: nothing is re-counted in the browser
  const csv = useMemo(() => URL.createObjectURL(new Blob([r.csv], { type: 'text/csv' })), [r.csv]);
  const pdf = useMemo(() => URL.createObjectURL(new Blob([Uint8Array.from(atob(r.pdfBase64), (c) => c.charCodeAt(0))], { type: 'application/pdf' })), [r.pdfBase64]);
  const name = `frhub-${r.statute.toLowerCase()}-${r.year}`;
  return (
    <section aria-labelledby="statutory-title" data-testid="statutory-report">
      <h2 id="statutory-title">{r.title}</h2>
      <p>{r.citation}, {r.periodStart.slice(0, 10)} to {new Date(Date.parse(r.periodEnd) - 1).toISOString().slice(0, 10)} (UTC). Generated {r.generatedAt.slice(0, 16).replace('T', ' ')} UTC.</p>
      <p>
        <a href={csv} download={`${name}.csv`} data-testid="statutory-csv">Download as CSV</a>{' · '}
        <a href={pdf} download={`${name}.pdf`} data-testid="statutory-pdf">Download as PDF</a>
      </p>
      {r.sections.map((s, i) => <SectionView section={s} id={`section-${i}`} />)}
      {r.notes.length > 0 && <><h3>Notes</h3><ul>{r.notes.map((n) => <li>{n}</li>)}</ul></>}
      <h3>What the hub cannot know</h3>
      <ul data-testid="cannot-know">{r.cannotKnow.map((n) => <li>{n}</li>)}</ul>
    </section>
  );
}

function SectionView({ section: s, id }: { section: Section; id: string }) {
  const j = s.columns.findIndex((c, k) => k > 0 && CHARTED.includes(c));
  const rows = s.rows.filter((row) => row[0] !== 'ALL' && row[j - 1] !== 'ALL');
  const bars: Bar[] = j > 0 ? rows.flatMap((row) => (exact(row[j]) === null ? [] : [{ label: words(row[j - 1]), value: exact(row[j])! }])) : [];
  const hidden = j > 0 ? rows.filter((row) => exact(row[j]) === null) : [];
  return (
    <div class="statutory-section">
      <table data-testid={id}>
        <caption>{s.title}</caption>
        <thead><tr>{s.columns.map((c) => <th scope="col">{words(c)}</th>)}</tr></thead>
        <tbody>{s.rows.map((row) => <tr>{row.map((c, k) => (k === 0 ? <th scope="row">{c}</th> : <td>{c}</td>))}</tr>)}</tbody>
      </table>
      {j > 0 && (
        <>
          <BarChart id={`${id}-chart`} title={`${s.title}: ${words(s.columns[j])}`} bars={bars} unit={words(s.columns[j])} />
          {hidden.length > 0 && <p class="hint" data-testid={`${id}-not-drawn`}>Not drawn, as published without an exact count: {hidden.map((row) => `${words(row[j - 1])} (${row[j]})`).join(', ')}.</p>}
        </>
      )}
    </div>
  );
}
