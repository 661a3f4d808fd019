import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { fnirAt, fpirAt, identification, mateRank, nonMatedTopScores, operatingPoint, rankK, thresholdAtFpir, type MatedSearch } from '../../inference/evaluate';
import { SAMPLE_GROUP } from '../support/fixtures';

const ROOT = resolve(__dirname, '../..');

describe('identification metrics (hand-computed)', () => {
  it('ranks the mate among the gallery, a tie counting against it', () => {
    expect(mateRank({ mate: 0.8, nonMates: [0.1] })).toBe(1);
    expect(mateRank({ mate: 0.8, nonMates: [0.9, 0.8, 0.1] })).toBe(3);
    expect(mateRank({ mate: null, nonMates: [0.1] })).toBe(Infinity);
    expect(mateRank({ mate: 0.9, nonMates: [], failed: true })).toBe(Infinity);
  });

  it('rank-k is the fraction of searches with the mate in the top k; a failed probe is a miss', () => {
    const searches: MatedSearch[] = [
      { mate: 0.9, nonMates: [0.1, 0.2] },
      { mate: 0.5, nonMates: [0.6, 0.1] },
      { mate: 0.3, nonMates: Array.from({ length: 10 }, () => 0.4) },
      { mate: null, nonMates: [], failed: true },
    ];
    expect(rankK(searches, 1)).toBe(0.25);
    expect(rankK(searches, 10)).toBe(0.5);
    expect(rankK(searches, 11)).toBe(0.75);
  });

  it('the threshold is the score the top non-mated candidate exceeds in at most FPIR of searches', () => {
    const tops = Array.from({ length: 100 }, (_, i) => i / 100);
    expect(thresholdAtFpir(tops, 0.01)).toBe(0.98);
    expect(tops.filter((s) => s > 0.98).length).toBe(1);
    // 0.01 x 700 is 7.000000000000001 in floating point; 0.07 x 100 must not floor to 6 either
    expect(thresholdAtFpir(Array.from({ length: 700 }, (_, i) => i), 0.01)).toBe(692);
    expect(thresholdAtFpir(Array.from({ length: 100 }, (_, i) => i), 0.07)).toBe(92);
    expect(thresholdAtFpir([0.5, 0.2, 0.3], 0.01)).toBe(0.5);
    expect(thresholdAtFpir([], 0.01)).toBe(Infinity);
  });

  it('non-mated searches are the probes without their mate; a failed probe searches nothing', () => {
    expect(nonMatedTopScores([{ mate: 0.9, nonMates: [0.3, 0.2] }, { mate: null, nonMates: [0.4] }, { mate: null, nonMates: [], failed: true }])).toEqual([0.3, 0.4]);
  });

  it('FPIR at a threshold is the fraction of non-mated top scores above it', () => {
    expect(fpirAt([0.95, 0.91, 0.907, 0.5], 0.907)).toBe(0.5);
    expect(fpirAt([], 0.9)).toBe(0);
  });

  it('FNIR counts a mate below or at the threshold, or past the candidate list, as a miss', () => {
    const searches: MatedSearch[] = [
      { mate: 0.9, nonMates: [0.1] },
      { mate: 0.6, nonMates: [0.1] },
      { mate: 0.9, nonMates: [0.95, 0.92] },
    ];
    expect(fnirAt(searches, 0.7, 50)).toBeCloseTo(1 / 3, 10);
    expect(fnirAt(searches, 0.7, 2)).toBeCloseTo(2 / 3, 10);
    expect(fnirAt(searches, 0.9, 50)).toBe(1);
  });

  it('identification() puts the figures together', () => {
    const searches: MatedSearch[] = [
      { mate: 0.9, nonMates: [0.3, 0.2] },
      { mate: 0.5, nonMates: [0.6, 0.1] },
      { mate: 0.8, nonMates: [0.4] },
      { mate: null, nonMates: [], failed: true },
    ];
    // three non-mated searches: 1% of them is none, so the threshold is the highest top score, 0.6
    expect(identification(searches, 0.01, 50)).toEqual({ rank1: 0.5, rank10: 0.75, fnirAtFpir: 0.5, threshold: 0.6, probes: 4, failed: 1, nonMated: 3 });
    // at FPIR 0.5 one of the three may exceed: the threshold drops to 0.4 and the rank-2 mate at 0.5 is found
    expect(identification(searches, 0.5, 50).fnirAtFpir).toBe(0.25);
  });

  it('an operating point counts what a search returns: scores at or above the threshold, at most `candidates`', () => {
    const searches: MatedSearch[] = [
      { mate: 0.9, nonMates: [0.95, 0.5] },
      { mate: 0.7, nonMates: [0.8, 0.8, 0.1] },
      { mate: null, nonMates: [0.3] },
      { mate: null, nonMates: [], failed: true },
    ];
    // at 0.8: two of three non-mated searches return someone (1 + 2 + 0 strangers); only the first mate is returned (rank 2)
    expect(operatingPoint(searches, 0.8, 20)).toEqual({ fpir: 2 / 3, strangersPerSearch: 1, fnir: 0.75, nonMated: 3 });
    // a list of one: the second search returns one stranger, not two, and the rank-2 mate is cut off
    expect(operatingPoint(searches, 0.8, 1)).toEqual({ fpir: 2 / 3, strangersPerSearch: 2 / 3, fnir: 1, nonMated: 3 });
    // a score equal to the threshold is returned, the mate at 0.9 included
    expect(operatingPoint(searches, 0.9, 20)).toEqual({ fpir: 1 / 3, strangersPerSearch: 1 / 3, fnir: 0.75, nonMated: 3 });
    expect(operatingPoint(searches, 0.96, 20)).toEqual({ fpir: 0, strangersPerSearch: 0, fnir: 1, nonMated: 3 });
    expect(operatingPoint([], 0.5, 20)).toEqual({ fpir: 0, strangersPerSearch: 0, fnir: 0, nonMated: 0 });
  });
});

/** `node cli/frhub.cjs …` as users run it. */
function frhub(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('node', [join(ROOT, 'cli/frhub.cjs'), ...args], { cwd: ROOT, env: { ...process.env, FRHUB_MODEL_DIR: join(ROOT, 'data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu', LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

// the three faces of the group photo (boxes as `frhub faces` finds them): each is one person
const FACES = [
  { x: 414, y: 400, size: 203 },
  { x: 845, y: 464, size: 187 },
  { x: 1486, y: 256, size: 167 },
];

describe('frhub eval --identification', () => {
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'frhub-ident-'));
    for (const [i, f] of FACES.entries()) {
      const dir = join(root, 'set', `person_${i}`);
      mkdirSync(dir, { recursive: true });
      const wide = { left: Math.round(f.x - 0.8 * f.size), top: Math.round(f.y - 0.8 * f.size), width: Math.round(2.6 * f.size), height: Math.round(2.6 * f.size) };
      const tight = { left: Math.round(f.x - 0.4 * f.size), top: Math.round(f.y - 0.5 * f.size), width: Math.round(1.8 * f.size), height: Math.round(2 * f.size) };
      writeFileSync(join(dir, 'a.jpg'), await sharp(SAMPLE_GROUP).extract(wide).jpeg().toBuffer());
      // the second photo of the same face: another framing, mirrored and smaller
      writeFileSync(join(dir, 'b.jpg'), await sharp(SAMPLE_GROUP).extract(tight).flop().resize({ width: 200 }).jpeg().toBuffer());
    }
    // another set holding person_0 again: the same file read once, a new photo merged by folder name
    const first = FACES[0];
    mkdirSync(join(root, 'set2', 'person_0'), { recursive: true });
    writeFileSync(join(root, 'set2', 'person_0', 'a.jpg'), readFileSync(join(root, 'set', 'person_0', 'a.jpg')));
    const framing = { left: first.x - first.size, top: first.y - first.size, width: 3 * first.size, height: 3 * first.size };
    writeFileSync(join(root, 'set2', 'person_0', 'c.jpg'), await sharp(SAMPLE_GROUP).extract(framing).flop().jpeg().toBuffer());
    // a one-photo person with no face: left out of the gallery, said on stderr
    mkdirSync(join(root, 'other', 'nobody'), { recursive: true });
    writeFileSync(join(root, 'other', 'nobody', 'wall.jpg'), await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 120, g: 120, b: 120 } } }).jpeg().toBuffer());
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds every mate at rank 1 on an easy set and ends with the figures line', async () => {
    const r = await frhub(['eval', '--identification', '--root', root, '--sizes', '2']);
    expect(r.stderr).toMatch(/no embedding for other\/nobody\/wall\.jpg/);
    expect(r.stderr).toMatch(/set2\/person_0\/a\.jpg is the same file as set\/person_0\/a\.jpg: read once/);
    expect(r.stderr).toMatch(/photos embedded 8\/8/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/ people=4 mated_people=3 distractors=0 probes=4 failed=0 /);
    // the default pack is calibrated: a threshold per default target, then the verification threshold, each never below it
    expect(lines[1]).toMatch(/^search threshold by target FPIR over gallery=3 .* at most 20 candidates/);
    const rows = lines.filter((l) => l.startsWith('target_fpir='));
    expect(rows.map((l) => l.split(' ')[0])).toEqual(['target_fpir=0.01', 'target_fpir=0.03', 'target_fpir=0.1', 'target_fpir=0.3', 'target_fpir=1', 'target_fpir=verification']);
    for (const l of rows) expect(l).toMatch(/^target_fpir=\S+ threshold=0\.\d{6} source=[A-Z_]+ fmr=<?\d\.\d{2}e-\d+ fpir=\d\.\d{4} strangers=\d+\.\d{4} expected=<?\d+\.\d{4} fnir=\d\.\d{4} non_mated=4$/);
    const threshold = (l: string) => Number(/threshold=(\S+)/.exec(l)![1]);
    const verification = rows.at(-1)!;
    expect(verification).toMatch(/ source=CALLER /);
    for (const l of rows) expect(threshold(l)).toBeGreaterThanOrEqual(threshold(verification));
    // the thresholds never rise as the target loosens
    for (let i = 1; i < 5; i++) expect(threshold(rows[i])).toBeLessThanOrEqual(threshold(rows[i - 1]));
    // gallery 2: the first two mates of the shuffle, only their probes searched
    expect(lines.filter((l) => l.startsWith('rank1='))[0]).toMatch(/^rank1=\d\.\d{4} rank10=\d\.\d{4} fnir_at_fpir_0\.01=\d\.\d{4} gallery=2 probes=[23]$/);
    expect(lines.at(-1)).toMatch(/^rank1=1\.0000 rank10=1\.0000 fnir_at_fpir_0\.01=\d\.\d{4} gallery=3 probes=4$/);
  }, 120_000);

  it('--by-path keeps same-named folders apart; --exclude leaves a folder out', async () => {
    const r = await frhub(['eval', '--identification', '--root', root, '--by-path', '--exclude', 'other']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/wall\.jpg/);
    // set2/person_0 is now a one-photo person (its a.jpg was read once under set/): a distractor
    expect(r.stdout).toMatch(/ people=4 mated_people=3 distractors=1 probes=3 failed=0 /);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/ gallery=4 probes=3$/);
    const one = await frhub(['eval', '--identification', '--root', root, '--exclude', 'other', '--target-fpir', '0.5']);
    expect(one.stdout.split('\n').filter((l) => l.startsWith('target_fpir=')).map((l) => l.split(' ')[0])).toEqual(['target_fpir=0.5', 'target_fpir=verification']);
    const missing = await frhub(['eval', '--identification', '--root', root, '--exclude', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--exclude nope: no such folder/);
  }, 120_000);

  it('refuses a root with no photos, and bad sizes, saying what it wanted', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'frhub-ident-empty-'));
    try {
      const r = await frhub(['eval', '--identification', '--root', empty]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no images under .*<person>\/<photo>/);
      const s = await frhub(['eval', '--identification', '--root', empty, '--sizes', '10,x']);
      expect(s.code).toBe(64);
      expect(s.stderr).toMatch(/--sizes takes positive whole numbers/);
      const t = await frhub(['eval', '--identification', '--root', empty, '--target-fpir', '0.1,2']);
      expect(t.code).toBe(64);
      expect(t.stderr).toMatch(/--target-fpir takes fractions in \(0, 1\]/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);
});
