import { useQuery } from './use-query';

interface Row { tenant: string | null; searches: number; denials: number }

// counts only: this page never asks for a face, a candidate or a case number
const STATS = `query($from: DateTimeISO!, $to: DateTimeISO!) {
  usageStatistics(from: $from, to: $to, groupBy: [TENANT]) { rows { tenant searches denials } exigentApprovalsOverdue }
  verifyAuditChain { ok checked firstBrokenSequence }
}`;

const yearStart = new Date(Date.UTC(new Date().getUTCFullYear(), 0, 1)).toISOString();
const tomorrow = new Date(Date.now() + 86_400_000).toISOString();

export function OversightPage() {
  const { data, error } = useQuery<{ usageStatistics: { rows: Row[]; exigentApprovalsOverdue: number }; verifyAuditChain: { ok: boolean; checked: number; firstBrokenSequence: number | null } }>(STATS, { from: yearStart, to: tomorrow });
  const rows = data?.usageStatistics.rows ?? [];
  const total = (k: 'searches' | 'denials') => rows.reduce((n, r) => n + r[k], 0);
  return (
    <>
      <h1>Oversight</h1>
      <p class="hint">Searches and denials this year, by agency. Counts only: no faces, candidates or case numbers.</p>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (
        <>
          <dl>
            <dt>Searches</dt><dd class="count" data-testid="searches">{total('searches')}</dd>
            <dt>Denials</dt><dd class="count" data-testid="denials">{total('denials')}</dd>
            <dt>Exigent approvals overdue</dt><dd class="count">{data.usageStatistics.exigentApprovalsOverdue}</dd>
          </dl>
          <h2>Audit chain</h2>
          <p data-testid="chain">{data.verifyAuditChain.ok
            ? `Intact: ${data.verifyAuditChain.checked} events checked.`
            : `BROKEN at event ${data.verifyAuditChain.firstBrokenSequence}: the log was altered or events are missing. Tell the operator.`}</p>
          <table>
            <caption class="hint">By agency</caption>
            <thead><tr><th scope="col">Agency</th><th scope="col">Searches</th><th scope="col">Denials</th></tr></thead>
            <tbody>{rows.map((r) => <tr><td>{r.tenant ?? '—'}</td><td>{r.searches}</td><td>{r.denials}</td></tr>)}</tbody>
          </table>
        </>
      )}
    </>
  );
}
