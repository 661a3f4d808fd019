import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
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
  let why: string | null = null;
  if (process.env.DATABASE_URL) why = 'the embedded database only (DATABASE_URL is set)';
  else {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (e) {
      why = `this machine does not let the tests mount a size-limited tmpfs (${(e as Error).message.split('\n')[0]})`;
    }
  }
  if (why) rmSync(mountPoint, { recursive: true, force: true });
  return why;
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

  it('a full disk under a running hub: each search is answered (into WAL space PostgreSQL set aside) or refused with DATABASE_UNAVAILABLE saying the disk is full, the hub stops cleanly while full (the anchor file it cannot rewrite is logged), and after space is freed it starts with every answered search and a chain that verifies', async () => {
    const dataDir = join(mountPoint, 'data');
    hub = await spawnHub({ dataDir });
    const analyst = await hub.analyst('disk-pd');
    const image = (await portrait()).toString('base64');
    const search = () => hub!.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'DF-1' } }).catch((e: Error) => ({ errors: [{ extensions: { code: `NO_ANSWER ${e.message}` } }] }) as any);
    const messages: string[] = [];
    const codes = [await search()].map((r) => r.errors?.[0].extensions.code ?? r.data.searchFaces.status);

    const free = fill(mountPoint);
    expect(statfsSync(mountPoint).bavail).toBeLessThan(4);
    for (let i = 0; i < 5; i++) {
      const r = await search();
      codes.push(r.errors?.[0].extensions.code ?? r.data.searchFaces.status);
      if (r.errors) messages.push(r.errors[0].message);
    }
    expect(hub.child.exitCode === null && hub.child.signalCode === null).toBe(true);
    // stopped while the disk is still full: its shutdown checkpoint has nowhere to write
    hub.child.kill('SIGTERM');
    const stopped = await hub.exited;
    free();
    // how many are answered depends on the WAL space PostgreSQL had set aside; none is an internal error, none is lost
    expect(codes[0]).toBe('COMPLETED');
    expect(codes.every((c) => c === 'COMPLETED' || c === 'DATABASE_UNAVAILABLE')).toBe(true);
    for (const m of messages) expect(m).toMatch(/no room left on its disk/);
    const answered = codes.filter((c) => c === 'COMPLETED').length;
    // the anchor file could not be rewritten: logged, and the stop still closes the database (it exited 1 with the error before)
    expect(hub.output()).toMatch(/could not anchor the audit chain head.*ENOSPC/);
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // space back: it starts, every search it answered is there, the chain (anchored outside it) verifies, and it searches again
    hub = await spawnHub({ dataDir });
    const admin = await hub.token('hub', Role.HUB_ADMIN);
    expect((await hub.gql(admin, '{ verifyAuditChain { ok firstBrokenSequence } }')).data).toEqual({ verifyAuditChain: { ok: true, firstBrokenSequence: null } });
    const events = await hub.gql(admin, `{ auditEvents(action: "SEARCH", first: 50) { nodes { caseNumber outcome } } }`);
    expect(events.data.auditEvents.nodes.filter((e: { caseNumber: string; outcome: string }) => e.caseNumber === 'DF-1' && e.outcome === 'ALLOWED')).toHaveLength(answered);
    expect((await search()).data?.searchFaces.status).toBe('COMPLETED');
  }, 120_000);
});
