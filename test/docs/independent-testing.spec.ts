import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { startHub, type TestHub } from '../support/hub';

// docs/examples/independent-test.sh (docs/independent-testing.md) run as written against a real hub:
// a sandbox tenant, the tester's labelled photos, a search of them, and the rates by group.
describe('the independent-testing walk-through', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startHub();
  });
  afterAll(() => t?.close());

  it('runs end to end: a sandbox searched through the same pipeline, and its rates by group', async () => {
    const { stdout } = await promisify(execFile)('bash', ['docs/examples/independent-test.sh'], {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env, FRHUB_URL: t.url, FRHUB_DATA_DIR: t.dataDir, DATABASE_URL: t.databaseUrl },
    }).catch((e: { stdout: string; stderr: string }) => {
      throw new Error(`independent-test.sh failed:\n${e.stdout.slice(-3000)}\n${e.stderr.slice(-2000)}`);
    });
    const gallery = /^independent-test: done gallery=([0-9a-f-]{36})$/.exec(stdout.trim().split('\n').pop()!)![1];
    expect(stdout).toContain(`"galleriesSearched":["${gallery}"]`);
    expect(stdout).toMatch(/"candidates":\[\{"rank":1,"score":[\d.]+,"subjectRef":"P2-0"/);
    const rates = JSON.parse(stdout.split('\n').find((l) => l.includes('"galleryRatesByGroup"'))!).data.galleryRatesByGroup;
    expect(rates).toMatchObject({ kept: true, templatesRead: 32 });
    expect(rates.groups.map((g: { group: string; people: string }) => [g.group, g.people])).toEqual([['FEMALE', '8'], ['MALE', '8']]);
    for (const g of rates.groups) {
      expect(g.falseMatchRateInterval.high).toBeGreaterThan(0);
      // 8 people: too few to say anything, and said so
      expect(g.warning).toMatch(/too few to say anything/);
    }
    const tenants = (await t.gql(await t.token('hub', 'HUB_ADMIN' as never), `{ tenants { slug sandbox } }`)).data.tenants;
    expect(tenants).toContainEqual({ slug: 'tester-lab', sandbox: true });
  }, 300_000);
});
