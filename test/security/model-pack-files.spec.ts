import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBuiltinPack } from '../../inference/builtin-packs';
import { loadPack, type ModelPackManifest } from '../../inference/model-pack';
import { packFiles } from '../../inference/pack-check';

// `frhub models add` copies a pack's files into FRHUB_MODEL_DIR/<id>/<file>: a file name of the
// manifest that is not a plain name inside the pack (`../`, an absolute path, a link leading out)
// would read a file from elsewhere and write it outside the model directory. Each is refused.

const ROOT = resolve(__dirname, '../..');

function frhub(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'cli/frhub.cjs'), ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', FRHUB_INFERENCE_PROVIDER: 'cpu', LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('model pack file names', () => {
  let work: string;
  let pack: string;
  let good: ModelPackManifest;
  let env: Record<string, string>;
  const setManifest = (m: ModelPackManifest) => writeFileSync(join(pack, 'manifest.json'), JSON.stringify(m));
  /** every file under a folder, relative to it */
  const filesUnder = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)])) : [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'frhub-pack-files-'));
    const source = ensureBuiltinPack(join(ROOT, 'data/models'), 'builtin-dlib');
    const m = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as ModelPackManifest;
    // the built-in pack's files under an id of their own, with its measured calibration relabelled to it
    pack = join(work, 'src', 'county-dlib');
    mkdirSync(pack, { recursive: true });
    for (const { file } of packFiles(m)) copyFileSync(join(source, file), join(pack, file));
    good = { ...m, id: 'county-dlib', version: '1.0.0', calibration: { ...m.calibration!, pack: { id: 'county-dlib', version: '1.0.0' } } };
    // the lure: a copy of the recognizer outside the pack, where `../` names lead
    mkdirSync(join(work, 'lure'));
    copyFileSync(join(pack, m.recognizer.file), join(work, 'lure', m.recognizer.file));
    env = { FRHUB_MODEL_DIR: join(work, 'dst', 'models'), FRHUB_DATA_DIR: join(work, 'data') };
    // where `../../lure/<file>` lands from the installed pack's folder: there, so a write would succeed
    mkdirSync(join(work, 'dst', 'lure'), { recursive: true });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  afterEach(() => setManifest(good));

  it('a pack of plain names passes every check (the control)', async () => {
    setManifest(good);
    const r = await frhub(['models', 'add', pack, '--check-only'], env);
    expect(r.stdout).toMatch(/^ok {3}file names: /m);
    expect(r.code).toBe(0);
  });

  it('refuses `../` in a file name: exit 2, the name and the rule said, nothing written anywhere', async () => {
    const file = `../../lure/${good.recognizer.file}`;
    setManifest({ ...good, recognizer: { ...good.recognizer, file } });
    const r = await frhub(['models', 'add', pack], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`^FAIL file names: "\\.\\./\\.\\./lure/${good.recognizer.file.replace('.', '\\.')}" is not a plain file name`, 'm'));
    expect(r.stderr).toMatch(/refused, 1 check failed \(file names\); nothing was copied/);
    expect(filesUnder(join(work, 'dst'))).toEqual([]);
  });

  it('refuses an absolute path', async () => {
    setManifest({ ...good, detector: { ...good.detector, file: join(pack, good.detector.file) } });
    const r = await frhub(['models', 'add', pack, '--check-only'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^FAIL file names: ".*" is not a plain file name/m);
  });

  it('refuses a symbolic link that resolves outside the pack, and takes one that stays inside', async () => {
    const link = 'linked-recognizer.onnx';
    symlinkSync(join(work, 'lure', good.recognizer.file), join(pack, link));
    setManifest({ ...good, recognizer: { ...good.recognizer, file: link } });
    const r = await frhub(['models', 'add', pack], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`^FAIL file names: "${link}" is a link to ${join(work, 'lure')}.*, outside the pack directory`, 'm'));
    expect(filesUnder(join(work, 'dst'))).toEqual([]);
    // the hub refuses to load such a pack too
    expect(() => loadPack(pack)).toThrow(/is a link to .*outside the pack directory/);
    rmSync(join(pack, link));
    mkdirSync(join(pack, 'weights'), { recursive: true });
    copyFileSync(join(pack, good.recognizer.file), join(pack, 'weights', good.recognizer.file));
    symlinkSync(join('weights', good.recognizer.file), join(pack, link));
    expect(() => loadPack(pack)).not.toThrow();
  });
});
