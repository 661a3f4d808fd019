import { useEffect, useMemo, useState } from 'preact/hooks';
import { gql } from '../api';
import { BarChart, StackedColumns, type Bar } from './charts';
import { inGroups, tomorrow } from './location';
import { useQuery } from './use-query';
import { words } from './vocab';
import type { OversightQuery, UsageRowsFragment } from '../graphql.generated';

type Row = UsageRowsFragment['rows'][number];
type Report = OversightQuery['transparencyReport'];

// counts only: this page never asks for a face, a candidate, a subject or a case number
const ROW = /* GraphQL */ `fragment UsageRows on UsageStatistics { rows { tenant legalBasis offenseCategory outcome denialReason month searches denials reviewedSearches } }`;
const STATS = /* GraphQL */ `query Oversight($from: DateTimeISO!, $to: DateTimeISO!, $year: Int!) {
  byTenant: usageStatistics(from: $from, to: $to, groupBy: [TENANT]) { ...UsageRows exigentApprovalsOverdue }
  byMonth: usageStatistics(from: $from, to: $to, groupBy: [MONTH, TENANT]) { ...UsageRows }
  byReason: usageStatistics(from: $from, to: $to, groupBy: [DENIAL_REASON]) { ...UsageRows }
  byBasis: usageStatistics(from: $from, to: $to, groupBy: [LEGAL_BASIS]) { ...UsageRows }
  byOffense: usageStatistics(from: $from, to: $to, groupBy: [OFFENSE]) { ...UsageRows }
  byOutcome: usageStatistics(from: $from, to: $to, groupBy: [OUTCOME]) { ...UsageRows }
  verifyAuditChain { ok checked firstBrokenSequence }
  transparencyReport(year: $year) { year generatedAt csv rows { agency legalBasis offenseCategory searches denials candidates possibleLeads } totals { searches denials candidates possibleLeads } }
} ${ROW}`;


const REVIEW_OUTCOMES = ['POSSIBLE_LEAD', 'NO_LEAD', 'INCONCLUSIVE'];
const thisYear = new Date().getUTCFullYear();
const bars = (rows: Row[], key: keyof Row, count: 'searches' | 'denials' | 'reviewedSearches', label: (v: string) => string = words): Bar[] =>
  rows.filter((r) => r[count] > 0 && r[key] !== null).map((r) => ({ label: label(String(r[key])), value: r[count] })).sort((a, b) => b.value - a.value);

export function OversightPage() {
  const [year, setYear] = useState(thisYear);
  const from = new Date(Date.UTC(year, 0, 1)).toISOString();
  const to = new Date(Math.min(Date.UTC(year + 1, 0, 1), Date.parse(tomorrow()))).toISOString();
  const { data, error } = useQuery<OversightQuery>(STATS, { from, to, year });
  const rows = data?.byTenant.rows ?? [];
  const total = (k: 'searches' | 'denials') => rows.reduce((n, r) => n + r[k], 0);
  const monthRows = data?.byMonth.rows ?? [];
  const months = [...new Set(monthRows.map((r) => r.month ?? ''))].filter(Boolean).sort();
  const agencies = [...new Set(monthRows.filter((r) => r.searches > 0).map((r) => r.tenant ?? '—'))].sort();
  const perMonth = (m: string, a: string) => monthRows.filter((r) => r.month === m && (r.tenant ?? '—') === a).reduce((n, r) => n + r.searches, 0);
  const report = data?.transparencyReport;
  return (
    <>
      <h1>Oversight</h1>
      <p class="hint">Counts only: no faces, candidates or case numbers. Every agency on this hub.</p>
      <label for="year">Year</label>
      <select id="year" value={year} onChange={(e) => setYear(Number(e.currentTarget.value))}>
        {[0, 1, 2, 3].map((d) => <option value={thisYear - d}>{thisYear - d}</option>)}
      </select>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (
        <>
          <dl class="counts">
            <div><dt>Searches</dt><dd class="count" data-testid="searches">{total('searches')}</dd></div>
            <div><dt>Denials</dt><dd class="count" data-testid="denials">{total('denials')}</dd></div>
            <div><dt>Exigent approvals overdue</dt><dd class={`count${data.byTenant.exigentApprovalsOverdue ? ' alarm' : ''}`} data-testid="overdue">{data.byTenant.exigentApprovalsOverdue}</dd></div>
          </dl>
          <h2>Audit chain</h2>
          <p data-testid="chain" class={data.verifyAuditChain.ok ? '' : 'error'}>{data.verifyAuditChain.ok
            ? `Intact: ${data.verifyAuditChain.checked} events checked.`
            : `BROKEN at event ${data.verifyAuditChain.firstBrokenSequence}: the log was altered or events are missing. Tell the operator.`}</p>
          <h2>Charts</h2>
          <div class="charts">
            <StackedColumns id="chart-months" title="Searches per month, by agency" columns={months} series={agencies} value={perMonth} unit="searches" />
            <BarChart id="chart-denials" title="Denials by reason" bars={bars(data.byReason.rows, 'denialReason', 'denials')} unit="denials" />
            <BarChart id="chart-bases" title="Searches by legal basis" bars={bars(data.byBasis.rows, 'legalBasis', 'searches')} unit="searches" />
            <BarChart id="chart-offenses" title="Searches by offense" bars={bars(data.byOffense.rows, 'offenseCategory', 'searches')} unit="searches" />
            {/* searches by the outcome their review concluded with: a confirmed lead's two reviews count once */}
            <BarChart id="chart-reviews" title="Review outcomes (searches)" bars={bars(data.byOutcome.rows.filter((r) => REVIEW_OUTCOMES.includes(r.outcome ?? '')), 'outcome', 'reviewedSearches')} unit="searches" />
            <Overdue agencies={rows.map((r) => r.tenant ?? '').filter(Boolean)} total={data.byTenant.exigentApprovalsOverdue} from={from} to={to} />
          </div>
          <table>
            <caption class="hint">By agency, {year}</caption>
            <thead><tr><th scope="col">Agency</th><th scope="col">Searches</th><th scope="col">Denials</th></tr></thead>
            <tbody>{rows.map((r) => <tr><td>{r.tenant ?? '—'}</td><td>{r.searches}</td><td>{r.denials}</td></tr>)}</tbody>
          </table>
          {report && <Transparency report={report} />}
        </>
      )}
    </>
  );
}

/** Exigent searches past their approval deadline, by agency (asked only when there are some). */
function Overdue({ agencies, total, from, to }: { agencies: string[]; total: number; from: string; to: string }) {
  const [overdue, setOverdue] = useState<Bar[]>([]);
  const key = agencies.join(',');
  useEffect(() => {
    if (!total) return setOverdue([]);
    // one alias per agency, 25 agencies a request (the API's limit is 30 aliases)
    Promise.all(inGroups(agencies, 25).map((group) => {
      const fields = group.map((a, i) => `a${i}: usageStatistics(from: $from, to: $to, tenantSlug: ${JSON.stringify(a)}) { exigentApprovalsOverdue }`).join(' ');
      return gql<Record<string, { exigentApprovalsOverdue: number }>>(`query($from: DateTimeISO!, $to: DateTimeISO!) { ${fields} }`, { from, to })
        .then((r) => group.map((a, i) => ({ label: a, value: r[`a${i}`].exigentApprovalsOverdue })));
    })).then((parts) => setOverdue(parts.flat().filter((b) => b.value > 0)), () => setOverdue([]));
  }, [key, total, from, to]);
  return <BarChart id="chart-overdue" title="Exigent approvals overdue, by agency" bars={overdue} unit="overdue approvals" />;
}

function Transparency({ report }: { report: Report }) {
  // a download made here from the API's own CSV: nothing is re-counted in the browser
  const href = useMemo(() => URL.createObjectURL(new Blob([report.csv], { type: 'text/csv' })), [report.csv]);
  return (
    <section aria-labelledby="transparency">
      <h2 id="transparency">Transparency report {report.year}</h2>
      <p class="hint">As published: counts from 1 to 4 are shown as “&lt;5”. Generated {report.generatedAt.slice(0, 16).replace('T', ' ')} UTC.</p>
      <p><a href={href} download={`frhub-transparency-${report.year}.csv`} data-testid="csv">Download the report as CSV</a></p>
      <table data-testid="transparency">
        <caption class="hint">Searches by agency, legal basis and offense</caption>
        <thead><tr><th scope="col">Agency</th><th scope="col">Legal basis</th><th scope="col">Offense</th><th scope="col">Searches</th><th scope="col">Denials</th><th scope="col">Candidates</th><th scope="col">Possible leads</th></tr></thead>
        <tbody>
          {report.rows.map((r) => <tr><td>{r.agency}</td><td>{words(r.legalBasis)}</td><td>{r.offenseCategory ? words(r.offenseCategory) : '—'}</td><td>{r.searches}</td><td>{r.denials}</td><td>{r.candidates}</td><td>{r.possibleLeads}</td></tr>)}
        </tbody>
        <tfoot><tr><th scope="row" colSpan={3}>Total</th><td>{report.totals.searches}</td><td>{report.totals.denials}</td><td>{report.totals.candidates}</td><td>{report.totals.possibleLeads}</td></tr></tfoot>
      </table>
    </section>
  );
}
