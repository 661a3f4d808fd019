import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// Every `frhub` command builds before it runs, often beside a hub serving the console's files: the
// console bundle must not be rewritten when nothing changed, and when it is rebuilt, a reader must
// get a whole file, never a half-written one (a browser loading app.js then would break).

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, 'dist/console');
const FILES = ['app.js', 'app.css', 'index.html'];
const build = () => promisify(execFile)('node', [join(ROOT, 'console/build.cjs')], { cwd: ROOT });
const identity = () => FILES.map((f) => [f, statSync(join(OUT, f)).ino, statSync(join(OUT, f)).mtimeMs]);
/** marks a console source as changed (its time only: its content, and git's view of it, stay the same) */
const touch = (f: string) => utimesSync(join(ROOT, 'console/src', f), new Date(), new Date(Date.now() + 1000));

describe('the console build beside a running hub', () => {
  beforeAll(build);

  it('a frhub command leaves the built console as it is when no source changed', () => {
    const before = identity();
    execFileSync('node', [join(ROOT, 'cli/frhub.cjs'), '--help'], { cwd: ROOT, stdio: 'ignore' });
    expect(identity()).toEqual(before);
  });

  it('a changed source rebuilds it, each file replaced whole by a rename', async () => {
    const before = identity();
    touch('app.css');
    await build();
    const after = identity();
    for (let i = 0; i < FILES.length; i++) expect(after[i][1]).not.toBe(before[i][1]); // a new file (inode), not the old one rewritten
  });

  it('a reader during rebuilds always gets the whole bundle', async () => {
    const whole = readFileSync(join(OUT, 'app.js'));
    const lengths = new Set<number>();
    let building = true;
    const rebuilds = (async () => {
      for (let i = 0; i < 5; i++) {
        touch('main.tsx');
        await build();
      }
      building = false;
    })();
    let reads = 0;
    while (building) {
      lengths.add(readFileSync(join(OUT, 'app.js')).length);
      reads++;
      await new Promise((r) => setImmediate(r));
    }
    await rebuilds;
    expect(reads).toBeGreaterThan(5);
    expect([...lengths]).toEqual([whole.length]);
    expect(readFileSync(join(OUT, 'app.js')).equals(whole)).toBe(true);
  });
});
