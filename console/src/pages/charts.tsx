// Hand-written SVG charts: a few dozen lines instead of a chart library (which would add 50-200 KB
// to the first load for the two shapes the oversight page needs). Each chart is an image with a
// text alternative, and its numbers are one click away as a table.

// Okabe–Ito colours: told apart with the common colour-vision deficiencies
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];
export const colourOf = (i: number) => COLOURS[i % COLOURS.length];

export interface Bar { label: string; value: number }

function DataTable({ caption, head, rows }: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <details>
      <summary>Show the numbers</summary>
      <table>
        <caption class="hint">{caption}</caption>
        <thead><tr>{head.map((h) => <th scope="col">{h}</th>)}</tr></thead>
        <tbody>{rows.map((r) => <tr>{r.map((c) => <td>{c}</td>)}</tr>)}</tbody>
      </table>
    </details>
  );
}

/** Horizontal bars, one per label, with the value at the end of each bar. */
export function BarChart({ id, title, bars, unit }: { id: string; title: string; bars: Bar[]; unit: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 26, labelW = 210, barW = 300, width = labelW + barW + 60;
  const height = Math.max(1, bars.length) * row + 8;
  const summary = bars.length ? bars.map((b) => `${b.label}: ${b.value}`).join('; ') : 'none';
  return (
    <figure class="chart" data-testid={id}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      {bars.length === 0 ? <p class="hint">None in this period.</p> : (
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
          <desc id={`${id}-desc`}>{`${unit}: ${summary}`}</desc>
          {bars.map((b, i) => {
            const y = 4 + i * row;
            const w = (b.value / max) * barW;
            return (
              <g>
                <text x={labelW - 8} y={y + 17} text-anchor="end" class="chart-label">{b.label}</text>
                <rect x={labelW} y={y + 3} width={Math.max(w, 1)} height={row - 8} fill={colourOf(0)} />
                <text x={labelW + w + 6} y={y + 17} class="chart-label">{b.value}</text>
              </g>
            );
          })}
        </svg>
      )}
      {bars.length > 0 && <DataTable caption={title} head={['', unit]} rows={bars.map((b) => [b.label, b.value])} />}
    </figure>
  );
}

/** Vertical bars per column (e.g. a month), stacked by series (e.g. an agency), with a legend. */
export function StackedColumns({ id, title, columns, series, value, unit }: {
  id: string; title: string; columns: string[]; series: string[]; value: (column: string, series: string) => number; unit: string;
}) {
  const totals = columns.map((c) => series.reduce((n, s) => n + value(c, s), 0));
  const max = Math.max(1, ...totals);
  const colW = 56, plotH = 160, left = 40, top = 22;
  const width = left + Math.max(1, columns.length) * colW + 10, height = top + plotH + 40;
  const summary = columns.map((c, i) => `${c}: ${totals[i]} (${series.filter((s) => value(c, s)).map((s) => `${s} ${value(c, s)}`).join(', ')})`).join('; ');
  return (
    <figure class="chart" data-testid={id}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      {columns.length === 0 ? <p class="hint">None in this period.</p> : (
        <>
          <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
            <desc id={`${id}-desc`}>{`${unit}: ${summary}`}</desc>
            <line x1={left} y1={top + plotH} x2={width - 5} y2={top + plotH} stroke="#555" />
            <text x={left - 6} y={top + 10} text-anchor="end" class="chart-label">{max}</text>
            <text x={left - 6} y={top + plotH} text-anchor="end" class="chart-label">0</text>
            {columns.map((c, i) => {
              let y = top + plotH;
              const x = left + i * colW + 8;
              return (
                <g>
                  {series.map((s, j) => {
                    const h = (value(c, s) / max) * plotH;
                    y -= h;
                    return h > 0 ? <rect x={x} y={y} width={colW - 16} height={h} fill={colourOf(j)} /> : null;
                  })}
                  <text x={x + (colW - 16) / 2} y={y - 4} text-anchor="middle" class="chart-label">{totals[i]}</text>
                  <text x={x + (colW - 16) / 2} y={top + plotH + 16} text-anchor="middle" class="chart-label">{c}</text>
                </g>
              );
            })}
          </svg>
          <ul class="legend" aria-label={`Legend: ${title}`}>
            {series.map((s, j) => <li><span class="swatch" data-colour={j % COLOURS.length} aria-hidden="true" />{s}</li>)}
          </ul>
          <DataTable caption={title} head={['', ...series, 'total']} rows={columns.map((c, i) => [c, ...series.map((s) => value(c, s)), totals[i]])} />
        </>
      )}
    </figure>
  );
}
