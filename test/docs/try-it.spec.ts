import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { startHub, type TestHub } from '../support/hub';

// The README's walk-through (docs/examples/try-it.sh) run as written against a real hub: its
// commands, queries and the photos it cuts must keep working as the API changes.
describe('the README walk-through', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startHub();
  });
  afterAll(() => t?.close());

  it('runs end to end: the enrolled person comes first, the review and statistics follow', async () => {
    const { stdout } = await promisify(execFile)('bash', ['docs/examples/try-it.sh'], {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env, FRHUB_URL: t.url, FRHUB_DATA_DIR: t.dataDir, DATABASE_URL: t.databaseUrl },
    });
    expect(stdout).toContain('"subjectRef":"BK-1001"');
    expect(stdout).toContain('"reviewStatus":"AWAITING_SECOND_REVIEW"');
    expect(stdout).toContain('{"reviewStatus":"REVIEWED","reviewOutcome":"POSSIBLE_LEAD"}');
    // the supervisor's confirmed lead counts once, as one search concluded
    expect(stdout).toMatch(/"reviewedSearches":1\b/);
    expect(stdout).toMatch(/"verifyAuditChain":\{"ok":true/);
    expect(stdout.trim().split('\n').pop()).toBe('try-it: done');
  });
});
