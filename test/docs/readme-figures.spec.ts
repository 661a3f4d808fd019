import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The figures README.md and docs/scaling.md quote for a benchmark command must be the ones
// test/bench/RESULTS.md last recorded for that command (the record format is described at the top
// of RESULTS.md): a rerun recorded there and not carried into the README fails here.

const ROOT = resolve(__dirname, '../..');
const read = (p: string) => readFileSync(resolve(ROOT, p), 'utf8');

/** A measured value with its unit, as written: "24.9 ms", "79.6 faces/s". */
const FIGURE = /(\d+(?:[.,]\d+)*)\s?(ms|s|faces\/s|searches\/s|events\/s|GB|MB|%)(?![\w/])/g;
const figuresIn = (text: string) => [...text.matchAll(FIGURE)].map((m) => `${m[1]} ${m[2]}`);
const norm = (command: string) => command.trim().replace(/\s+/g, ' ');

interface Record {
  command: string;
  date: string;
  figures: string[];
  line: number;
}

/** `Figures: \`<command>\` (<YYYY-MM-DD>[, notes]): <text>` lines; the latest per command: newest date, then nearest the top. */
export function latestRecords(results: string): Map<string, Record> {
  const latest = new Map<string, Record>();
  results.split('\n').forEach((text, line) => {
    const m = /^Figures: `([^`]+)` \((\d{4}-\d{2}-\d{2})[^)]*\): (.+)$/.exec(text);
    if (!m) return;
    const r = { command: norm(m[1]), date: m[2], figures: figuresIn(m[3]), line: line + 1 };
    const seen = latest.get(r.command);
    if (!seen || r.date > seen.date) latest.set(r.command, r);
  });
  return latest;
}

/** Table rows that name a recorded command in backticks, and each figure they quote that its latest record does not hold. */
export function staleFigures(doc: string, records: Map<string, Record>): { command: string; row: string; stale: string[] }[] {
  const rows = doc.split('\n').filter((l) => l.startsWith('|'));
  const out: { command: string; row: string; stale: string[] }[] = [];
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim());
    const command = cells.map((c) => /^`([^`]+)`$/.exec(c)?.[1]).find((c) => c && records.has(norm(c)));
    if (!command) continue;
    const record = records.get(norm(command))!;
    const quoted = figuresIn(cells.filter((c) => c !== `\`${command}\``).join(' | '));
    out.push({ command: norm(command), row, stale: quoted.filter((f) => !record.figures.includes(f)) });
  }
  return out;
}

describe('benchmark figures quoted in the docs are the latest RESULTS.md records', () => {
  const records = latestRecords(read('test/bench/RESULTS.md'));

  it('RESULTS.md describes its record format at the top and records the inference bench', () => {
    expect(read('test/bench/RESULTS.md').split('\n').slice(0, 20).join('\n')).toContain('Figures: `');
    expect([...records.keys()]).toContain('npm run bench:inference -- --runs 30');
  });

  it.each(['README.md', 'docs/scaling.md'])('%s quotes only the latest figures of each recorded command', (file) => {
    const rows = staleFigures(read(file), records);
    expect(rows.map((r) => r.command)).toContain('npm run bench:inference -- --runs 30');
    for (const r of rows) expect({ row: r.row, stale: r.stale, latest: records.get(r.command)!.figures }).toEqual({ row: r.row, stale: [], latest: expect.anything() });
  });

  it('catches a figure from an older record, and reads the newest date as the latest', () => {
    const results = [
      'Figures: `npm run bench:x` (2026-12-07, quiet): one 20.5 ms; batched 90.1 faces/s',
      'Figures: `npm run bench:x` (2026-11-26): one 24.9 ms; batched 79.6 faces/s',
    ].join('\n');
    const latest = latestRecords(results);
    expect(latest.get('npm run bench:x')!.figures).toEqual(['20.5 ms', '90.1 faces/s']);
    expect(staleFigures('| `npm run bench:x` | one 24.9 ms, 90.1 faces/s (2 cores) |', latest)[0].stale).toEqual(['24.9 ms']);
    expect(staleFigures('| one 20.5 ms median | `npm run bench:x` |', latest)[0].stale).toEqual([]);
  });
});
