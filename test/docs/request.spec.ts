import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { startHub, type TestHub } from '../support/hub';

// docs/examples/request.sh run as written against a real hub: a request from submission to an
// arrest, every answer printed.
describe('the request walk-through', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startHub();
  });
  afterAll(() => t?.close());

  it('runs end to end: the person on the camera is found, verified blind, released and arrested', async () => {
    const { stdout } = await promisify(execFile)('bash', ['docs/examples/request.sh'], {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env, FRHUB_URL: t.url, FRHUB_DATA_DIR: t.dataDir, DATABASE_URL: t.databaseUrl },
    }).catch((e: { stdout: string; stderr: string }) => {
      // what the script printed says which step failed
      throw new Error(`request.sh failed:\n${e.stdout.slice(-3000)}\n${e.stderr.slice(-2000)}`);
    });
    expect(stdout).toContain('"subjectRef":"BK-1002"');
    expect(stdout).toContain('"banner":"investigative lead only — not probable cause to arrest"');
    // the verifier's view: no scores, no dispositions of the examiner
    expect(stdout).toMatch(/"examinations":\[\],"searches":\[\{"candidates":\[\{"rank":1,"subjectRef":"BK-1002","score":null/);
    expect(stdout).toContain('"status":"OUTCOME_RECORDED","outcome":"ARREST"');
    const last = stdout.trim().split('\n').pop()!;
    expect(last).toMatch(/^request: done id=[0-9a-f-]{36}$/);
    const id = last.split('=')[1];
    const chain = await t.gql(await t.token('hub', 'HUB_ADMIN' as never), `{ verifyAuditChain { ok } }`);
    expect(chain.data.verifyAuditChain.ok).toBe(true);
    expect(stdout).toContain(`"id":"${id}"`);
  }, 240_000);
});
