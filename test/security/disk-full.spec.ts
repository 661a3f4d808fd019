import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, statfsSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { spawnHub, type HubProcess } from '../support/process';

// The embedded database's disk fills up while the hub runs: a size-limited tmpfs as its data
// directory, filled to the last block by another file. PostgreSQL's own disk is its operator's (and
// its server's) concern, so this runs on the embedded database only.
const mountPoint = mkdtempSync(join(tmpdir(), 'frhub-small-disk-'));
function mountSmall(): string | null {
  if (process.env.DATABASE_URL) return 'the embedded database only (DATABASE_URL is set)';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `this machine does not let the tests mount a size-limited tmpfs (${(e as Error).message.split('\n')[0]})`;
  }
}
const why = mountSmall();
const onSmallDisk = why ? describe.skip : describe;
if (why) test.skip(`disk full: skipped, ${why}`, () => {});

/** Fills the file system at `dir` to its last block, and gives the way to free it again. */
function fill(dir: string): () => void {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch {
    // ENOSPC: then the last partial blocks
    for (let size = 512 * 1024; size >= 512; size /= 2) {
      try {
        for (;;) writeSync(fd, chunk.subarray(0, size));
      } catch {
        /* next, smaller */
      }
    }
  } finally {
    closeSync(fd);
  }
  return () => rmSync(file, { force: true });
}

onSmallDisk('the embedded database’s disk full while the hub runs', () => {
  let hub: HubProcess | undefined;
  afterAll(async () => {
    if (hub && hub.child.exitCode === null && hub.child.signalCode === null) {
      hub.child.kill('SIGKILL');
      await hub.exited;
    }
    execFileSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('refuses writes with a code while it is full, loses nothing committed, and works again once space is freed', async () => {
    const dataDir = join(mountPoint, 'data');
    hub = await spawnHub({ dataDir });
    const analyst = await hub.analyst('disk-pd');
    const image = (await portrait()).toString('base64');
    const search = () => hub!.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'DF-1' } }).catch((e: Error) => ({ errors: [{ extensions: { code: `NO_ANSWER ${e.message}` } }] }) as any);
    const first = await search();
    expect(first.data?.searchFaces.status).toBe('COMPLETED');

    const free = fill(mountPoint);
    expect(statfsSync(mountPoint).bavail).toBeLessThan(4);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await search();
      codes.push(r.errors?.[0].extensions.code ?? r.data.searchFaces.status);
    }
    const alive = hub.child.exitCode === null && hub.child.signalCode === null;
    free();
    // what the full disk did, for the record of this test's run
    process.stdout.write(`disk full: searches answered ${JSON.stringify(codes)}; hub ${alive ? 'alive' : `exited: ${hub.output().slice(-2000)}`}\n`);
    expect(alive).toBe(true);
    expect(codes.filter((c) => c === 'NO_ANSWER' || c.startsWith('NO_ANSWER'))).toEqual([]);

    // space back: searches work again, and after a restart the chain (anchored outside it) verifies
    const after = await search();
    expect(after.data?.searchFaces.status).toBe('COMPLETED');
    hub.child.kill('SIGTERM');
    await hub.exited;
    hub = await spawnHub({ dataDir });
    const admin = await hub.token('hub', Role.HUB_ADMIN);
    expect((await hub.gql(admin, '{ verifyAuditChain { ok firstBrokenSequence } }')).data).toEqual({ verifyAuditChain: { ok: true, firstBrokenSequence: null } });
    const searches = await hub.gql(admin, `{ auditEvents(action: "SEARCH", first: 50) { nodes { caseNumber outcome } } }`);
    expect(searches.data.auditEvents.nodes.filter((e: { outcome: string }) => e.outcome === 'ALLOWED').length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
