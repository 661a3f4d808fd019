import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { ensureBuiltinPack } from '../../inference/builtin-packs';
import type { ModelPackManifest } from '../../inference/model-pack';
import { packFiles } from '../../inference/pack-check';
import { sampleImage } from '../support/fixtures';
import { startHub } from '../support/hub';

// `frhub models add <dir>` and `frhub models calibrate <dir>` as an operator runs them, on a
// bring-your-own pack made from the default pack's files under an id of its own.

const ROOT = resolve(__dirname, '../..');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function frhub(args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn('node', [join(ROOT, 'cli/frhub.cjs'), ...args], { cwd: ROOT, env: { ...process.env, FRHUB_INFERENCE_PROVIDER: 'cpu', LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr: stderr.replace(/^frhub build: .*\n/m, '') }));
  });
}

/** The three women of face-api's sample photo, two photos each (the crop, and a smaller, brighter copy). */
async function photoRoot(dir: string): Promise<void> {
  const people: Record<string, [number, number, number, number]> = { a: [300, 180, 480, 560], b: [700, 330, 560, 560], c: [1260, 120, 560, 560] };
  for (const [name, [left, top, width, height]] of Object.entries(people)) {
    mkdirSync(join(dir, name), { recursive: true });
    const crop = sharp(sampleImage(1)).extract({ left, top, width, height });
    await crop.clone().jpeg({ quality: 92 }).toFile(join(dir, name, '1.jpg'));
    await crop.clone().resize(Math.round(width * 0.7)).modulate({ brightness: 1.15 }).jpeg({ quality: 75 }).toFile(join(dir, name, '2.jpg'));
  }
}

describe('frhub models add / calibrate', () => {
  let work: string;
  let pack: string;
  let env: Record<string, string>;
  const manifest = () => JSON.parse(readFileSync(join(pack, 'manifest.json'), 'utf8')) as ModelPackManifest;
  const setManifest = (m: ModelPackManifest) => writeFileSync(join(pack, 'manifest.json'), JSON.stringify(m));

  beforeAll(async () => {
    execFileSync('node', [join(ROOT, 'cli/build.cjs')], { cwd: ROOT, stdio: 'ignore' });
    work = mkdtempSync(join(tmpdir(), 'frhub-add-'));
    const source = ensureBuiltinPack(join(ROOT, 'data/models'), 'builtin-dlib');
    pack = join(work, 'county-dlib');
    mkdirSync(pack);
    const m = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as ModelPackManifest;
    for (const { file } of packFiles(m)) copyFileSync(join(source, file), join(pack, file));
    delete m.calibration;
    setManifest({ ...m, id: 'county-dlib', version: '1.0.0' });
    await photoRoot(join(work, 'photos'));
    env = { FRHUB_MODEL_DIR: join(work, 'models'), FRHUB_DATA_DIR: join(work, 'data') };
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('--help says what each checks and its exit statuses', async () => {
    for (const cmd of ['add', 'calibrate']) {
      const r = await frhub(['models', cmd, '--help'], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: frhub models ${cmd} `));
      expect(r.stdout).toMatch(/Exit status/);
    }
    expect((await frhub(['models', 'add'], env)).code).toBe(64);
    expect(await frhub(['models', 'ad', pack], env)).toMatchObject({ code: 64, stdout: '' });
  });

  it('refuses a pack without a calibration, saying how to make one, after running every other check', async () => {
    const r = await frhub(['models', 'add', pack], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^ok {3}manifest: county-dlib 1\.0\.0/m);
    expect(r.stdout).toMatch(/^ok {3}checksum dlib-resnet\.onnx: [0-9a-f]{64}$/m);
    expect(r.stdout).toMatch(/^ok {3}recognizer input dlib-resnet\.onnx: "input" \[\S+, 3, 150, 150\] \(nchw\)$/m);
    expect(r.stdout).toMatch(/^ok {3}recognizer output dlib-resnet\.onnx: .*dim 128$/m);
    expect(r.stdout).toMatch(/^ok {3}self-test on sample faces: same person 0\.9\d+, different people 0\.\d+, 0\.\d+/m);
    expect(r.stdout).toMatch(/^FAIL score calibration: model pack county-dlib 1\.0\.0 has no score calibration: measure one with: npx frhub models calibrate /m);
    expect(r.stderr).toMatch(/refused, 1 check failed \(score calibration\); nothing was copied/);
    expect(existsSync(join(work, 'models', 'county-dlib'))).toBe(false);
  });

  it('the hub will not start with it either', async () => {
    await expect(startHub({ FRHUB_MODEL_PACK: pack })).rejects.toThrow(/has no score calibration.*npx frhub models calibrate/);
  });

  it('calibrate --write puts a calibration of this pack into its manifest; then add passes and installs it', async () => {
    const c = await frhub(['models', 'calibrate', pack, '--root', join(work, 'photos'), '--write'], env);
    expect(c.stderr).not.toMatch(/Error/);
    expect(c.code).toBe(0);
    // 6 photos of 3 people: 12 different-person pairs, too few for any of the rates, and it says so
    expect(c.stdout).toMatch(/^pack=county-dlib@1\.0\.0 photos=6 people=3 impostor_pairs=12 genuine_pairs=3 failed=0$/m);
    expect(c.stdout).toMatch(/^fmr=1e-2 threshold=none \(fewer than 100 impostor pairs measured: the rate there is < 1 in 12\)$/m);
    expect(manifest().calibration).toMatchObject({ pack: { id: 'county-dlib', version: '1.0.0' }, impostor: { pairs: 12 }, genuine: { pairs: 3 } });

    const r = await frhub(['models', 'add', pack], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok {3}score calibration: 12 different-person pairs, 3 same-person pairs/m);
    expect(r.stdout).toMatch(/^ok {3}index storage: vector \(the default/m);
    const installed = join(work, 'models', 'county-dlib');
    expect(r.stdout).toContain(`FRHUB_MODEL_PACK=${installed}`);
    expect(JSON.parse(readFileSync(join(installed, 'manifest.json'), 'utf8'))).toEqual(manifest());
    // every file the manifest names is installed with it, the landmark net of a dlib-chip pack included
    expect(manifest().landmarks?.file).toBe('face-landmark68.onnx');
    for (const { file } of packFiles(manifest())) expect(existsSync(join(installed, file))).toBe(true);
  });

  it('refuses a file that is not the one the manifest names, and a manifest that does not fit the model', async () => {
    const good = manifest();
    setManifest({ ...good, recognizer: { ...good.recognizer, sha256: '0'.repeat(64) } });
    const bad = await frhub(['models', 'add', pack, '--check-only'], env);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/^FAIL checksum dlib-resnet\.onnx: sha256 [0-9a-f]{64}, the manifest says 0{64}/m);

    setManifest({ ...good, recognizer: { ...good.recognizer, dim: 512, size: 112 } });
    const shapes = await frhub(['models', 'add', pack, '--check-only'], env);
    expect(shapes.code).toBe(2);
    expect(shapes.stdout).toMatch(/^FAIL recognizer input dlib-resnet\.onnx: .*needs \[N, 3, 112, 112\]/m);
    expect(shapes.stdout).toMatch(/^FAIL recognizer output dlib-resnet\.onnx: .*the manifest says dim 512/m);
    expect(shapes.stdout).not.toMatch(/self-test/);
    setManifest({ ...good, index: { storage: 'float8' as never } });
    const storage = await frhub(['models', 'add', pack, '--check-only'], env);
    expect(storage.code).toBe(2);
    expect(storage.stdout).toMatch(/^FAIL index storage: "float8" is not one the hub knows: vector or halfvec$/m);
    setManifest({ ...good, id: '../escape' });
    const escape = await frhub(['models', 'add', pack, '--check-only'], env);
    expect(escape.code).toBe(2);
    expect(escape.stdout).toMatch(/^FAIL pack id: "\.\.\/escape" cannot name a folder/m);
    setManifest(good);
  });
});
