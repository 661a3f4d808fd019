import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';

/** Who holds the embedded database: written into the lock file, read by the next opener. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** what the holder runs, e.g. "frhub serve" */
  command: string;
  /** the hub's address once it listens; absent for a CLI command */
  url?: string;
  /** when the kernel started the holder (boot id and start tick, Linux): tells a reused pid from the holder */
  processStart?: string;
}

/** A second process (or a second open in this one) wants a PGlite directory that is in use. */
export class DataDirLockedError extends Error {
  constructor(
    readonly pgliteDir: string,
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    super(lockedMessage(pgliteDir, lockFile, holder));
  }
}

function lockedMessage(dir: string, lockFile: string, h: LockHolder): string {
  // another host's process cannot be checked from here (a restarted container gets a new hostname too)
  const elsewhere = h.host === hostname() ? '' : ` This machine cannot check a process on ${h.host}: if you know no frhub runs there any more (that machine or container is gone), delete ${lockFile} and try again.`;
  if (h.url) return `${describeHolder(dir, h)}: stop it first, or use its API (the CLI goes through it where it can; see \`frhub <command> --help\`).${elsewhere}`;
  return `${describeHolder(dir, h)}: wait for it to finish or stop it, then try again. PGlite must never be opened by two processes at once.${elsewhere}`;
}

/** "the hub is running on URL (pid N, since T) and holds DIR", or which command holds it. */
export function describeHolder(dir: string, h: LockHolder): string {
  const who = `pid ${h.pid}${h.host === hostname() ? '' : ` on ${h.host}`}, since ${h.startedAt}`;
  return h.url ? `the hub is running on ${h.url} (${who}) and holds ${dir}` : `${dir} is in use by \`${h.command}\` (${who})`;
}

export const lockFileOf = (dataDir: string) => join(dataDir, 'pglite.lock');

/** The lock files this process holds: a lock naming this pid but not listed was left by an earlier run (pid 1 in a container). */
const held = new Set<string>();

/** The holder's start (boot id and start tick from /proc/<pid>/stat field 22); undefined where /proc is not readable. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // field 2, the command name, may hold spaces and parentheses: count from after its last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}:${fields[19]}`;
  } catch {
    return undefined;
  }
}

/** The holder named in dataDir's lock file, when that process still runs; undefined otherwise. */
export function liveHolder(dataDir: string): LockHolder | undefined {
  const file = lockFileOf(dataDir);
  const h = readHolder(file);
  return h && isAlive(h, file) ? h : undefined;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // a lock half-written by a crash: nobody holds it by that file's word
    return { pid: 0, host: hostname(), startedAt: '?', command: '?' };
  }
}

/** A holder on another host cannot be checked, so it counts as alive; a reused pid does not. */
function isAlive(h: LockHolder, file: string): boolean {
  if (h.host !== hostname()) return true;
  if (!Number.isInteger(h.pid) || h.pid <= 0) return false;
  if (h.pid === process.pid) return held.has(resolve(file));
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = h.processStart && processStart(h.pid);
  return !now || now === h.processStart;
}

/**
 * An exclusive lock on `<dataDir>/pglite.lock` (O_EXCL create), held while the embedded database is
 * open; a lock whose process is gone is taken over; released on close and when the process exits.
 */
export class DataDirLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly file: string,
    private holder: LockHolder,
  ) {
    held.add(resolve(file));
    process.on('exit', this.onExit);
  }

  static acquire(dataDir: string, pgliteDir: string, command = commandLine()): DataDirLock {
    const file = lockFileOf(dataDir);
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command, processStart: processStart(process.pid) };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o644);
        try {
          writeFileSync(fd, JSON.stringify(holder));
        } finally {
          closeSync(fd);
        }
        return new DataDirLock(file, holder);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const current = readHolder(file);
      if (current && isAlive(current, file)) throw new DataDirLockedError(pgliteDir, file, current);
      takeOverStale(file);
    }
    throw new DataDirLockedError(pgliteDir, file, readHolder(file) ?? holder);
  }

  /** Names the hub's address in the lock, so the CLI can go through the API instead. */
  announce(url: string): void {
    if (this.released) return;
    this.holder = { ...this.holder, url };
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.holder));
    renameSync(tmp, this.file);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(resolve(this.file));
    process.off('exit', this.onExit);
    const current = readHolder(this.file);
    if (current?.pid === process.pid && current.startedAt === this.holder.startedAt) unlinkSync(this.file);
  }
}

/**
 * Moves a dead holder's lock aside atomically; if a racer had meanwhile replaced it with a live
 * lock, that one is put back (link fails rather than overwrite) and the next attempt reports it.
 */
function takeOverStale(file: string): void {
  const aside = `${file}.stale.${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = readHolder(aside);
  if (moved && isAlive(moved, file)) {
    try {
      linkSync(aside, file);
    } catch {
      /* someone else holds it now: the next attempt sees theirs */
    }
  }
  unlinkSync(aside);
}

function commandLine(): string {
  const script = basename(process.argv[1] ?? 'node');
  if (script !== 'frhub.cjs' && script !== 'frhub') return `${script} (node)`;
  return ['frhub', ...process.argv.slice(2).filter((a) => !a.startsWith('-')).slice(0, 2)].join(' ');
}
