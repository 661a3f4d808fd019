import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { calibrate, falseMatchRateInterval, type ImpostorPeople } from '../../inference/calibration';
import { describeWithShared, SHARED } from '../support/fixtures';

// Does a false-match rate's 95% interval hold on people the calibration never saw? The research
// photos' people are split at random into two halves a hundred times: a calibration is measured on
// one half, its thresholds for 1e-2 … 1e-5 are read off it with their intervals, and the rate those
// thresholds give on the other half is counted. The interval must hold it at least 95 times in 100.

const ROOT = resolve(__dirname, '../..');
const SPLITS = 100;

describeWithShared('false-match rate intervals on held-apart people (research photos)', () => {
  let persons: number[];
  let scores: Float32Array;
  let n: number;

  beforeAll(async () => {
    // the vectors `frhub models calibrate` embeds for the shipped calibration, written by the command itself
    const dir = mkdtempSync(join(tmpdir(), 'frhub-coverage-'));
    const file = join(dir, 'vectors.jsonl');
    const code = await new Promise<number | null>((done) => {
      const child = spawn('node', [join(ROOT, 'cli/frhub.cjs'), 'models', 'calibrate', 'builtin-dlib', '--root', join(SHARED, 'faces'), '--exclude', 'deepface/deepface_id01,deepface/deepface_id12', '--vectors', file], {
        cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', FRHUB_MODEL_DIR: join(ROOT, 'data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu' }, stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.on('close', done);
    });
    expect(code).toBe(0);
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { person: number; v: number[] });
    rmSync(dir, { recursive: true, force: true });
    n = rows.length;
    persons = rows.map((r) => r.person);
    const v = rows.map((r) => Float32Array.from(r.v));
    scores = new Float32Array(n * n);
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) scores[a * n + b] = v[a].reduce((s, x, i) => s + x * v[b][i], 0);
  }, 900_000);

  /** The impostor pairs among the photos of the people `keep` selects, with who each pair compares. */
  const impostors = (keep: (person: number) => boolean): { scores: Float32Array; people: ImpostorPeople; count: number } => {
    const index = new Map<number, number>();
    const chosen = [...Array(n).keys()].filter((i) => keep(persons[i]));
    for (const i of chosen) if (!index.has(persons[i])) index.set(persons[i], index.size);
    const photos = new Uint32Array(index.size);
    for (const i of chosen) photos[index.get(persons[i])!]++;
    const s: number[] = [], a: number[] = [], b: number[] = [];
    for (let x = 0; x < chosen.length; x++) {
      for (let y = x + 1; y < chosen.length; y++) {
        const [i, j] = [chosen[x], chosen[y]];
        if (persons[i] === persons[j]) continue;
        s.push(scores[i * n + j]);
        a.push(index.get(persons[i])!);
        b.push(index.get(persons[j])!);
      }
    }
    return { scores: Float32Array.from(s), people: { a: Uint32Array.from(a), b: Uint32Array.from(b), photos }, count: index.size };
  };

  it(`holds the rate measured on the other half at least 95 times in ${SPLITS}, at each calibrated rate`, () => {
    let seed = 20261207;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const all = [...new Set(persons)];
    const held = new Map<number, number>();
    const tried = new Map<number, number>();
    for (let split = 0; split < SPLITS; split++) {
      const inA = new Set(all.filter(() => random() < 0.5));
      const A = impostors((p) => inA.has(p));
      const B = impostors((p) => !inA.has(p)).scores.sort().reverse();
      const cal = calibrate(A.scores, new Float32Array(0), { pack: { id: 'split', version: '1' }, measuredOn: 'half', command: '', date: '', photos: 0, people: A.count, failed: 0 }, A.people);
      for (const t of cal.thresholds) {
        if (t.threshold === null) continue;
        let above = 0;
        while (above < B.length && B[above] >= t.threshold) above++;
        const rate = above / B.length;
        const { low, high } = falseMatchRateInterval(cal, t.threshold);
        tried.set(t.fmr, (tried.get(t.fmr) ?? 0) + 1);
        if (rate >= low && rate <= high) held.set(t.fmr, (held.get(t.fmr) ?? 0) + 1);
      }
    }
    const line = [...tried.keys()].map((f) => `${f.toExponential(0)}: ${held.get(f) ?? 0}/${tried.get(f)}`).join(', ');
    console.log(`intervals holding the held-apart half's rate: ${line}`);
    expect(tried.get(1e-3)).toBe(SPLITS);
    for (const [f, count] of tried) expect(((held.get(f) ?? 0) / count) * 100).toBeGreaterThanOrEqual(95);
  });
});
