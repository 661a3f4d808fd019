import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditRepository } from '../../models/audit.repository.js';
import type { Db } from '../../models/db.js';

/** The chain's head as last seen committed, kept outside the database it vouches for. */
export interface AnchoredHead {
  seq: number;
  hash: string;
  at: string;
}

interface AnchorFile {
  /** one head per database (the embedded one, or a PostgreSQL server and database by address) */
  heads: Record<string, AnchoredHead>;
}

export interface AnchorCheck {
  ok: boolean;
  anchored: AnchoredHead | null;
  head: { seq: number; hash: string };
  /** the sequence numbers the database lacks, [first, last]; null when none */
  missing: [number, number] | null;
  message: string;
}

/** The database no longer holds what the anchor says it once committed: a lost or replaced tail. */
export class AuditAnchorError extends Error {
  constructor(readonly check: AnchorCheck) {
    super(check.message);
  }
}

export const anchorFileOf = (dataDir: string) => join(dataDir, 'audit-head.json');

/** Which database a head belongs to: credentials never reach the file. */
export function databaseKey(databaseUrl?: string): string {
  if (!databaseUrl) return 'pglite';
  try {
    const u = new URL(databaseUrl);
    return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

/** The head anchored for one database, or null when none was yet. */
export function readAnchor(file: string, key: string): AnchoredHead | null {
  return readAnchorFile(file)?.heads?.[key] ?? null;
}

/** The whole file, or null when there is none; an unreadable one is refused, never overwritten. */
function readAnchorFile(file: string): AnchorFile | null {
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as AnchorFile;
    if (parsed && typeof parsed === 'object') return parsed;
  } catch {
    /* reported below */
  }
  throw new AuditAnchorFileError(file);
}

/** The anchor file is not the JSON the hub writes: it cannot vouch for the chain, and must not be replaced silently. */
export class AuditAnchorFileError extends Error {
  constructor(readonly file: string) {
    super(`${file} (the audit chain's anchor) is not valid JSON: it may have been damaged or edited. Restore it from a backup of the data directory; or, to start anchoring afresh, move it aside (keep it as a record), run \`frhub audit verify\`, and start again.`);
  }
}

const DEBOUNCE_MS = 500;

/**
 * Writes the committed head (seq, hash) to `<dataDir>/audit-head.json` (temp file + rename) and logs
 * it, shortly after transactions end; at start, the database must still hold the anchored event.
 */
export class AuditAnchor {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private last: string | undefined;
  private closed = false;
  /** only a database that passed the check may move the anchor: a failed one must leave it as evidence */
  private armed = false;

  constructor(
    private readonly db: Db,
    readonly file: string,
    private readonly key: string,
    private readonly log: (message: string) => void = () => {},
    private readonly repo = new AuditRepository(),
  ) {}

  anchored(): AnchoredHead | null {
    return readAnchor(this.file, this.key);
  }

  /** Compares the database with the anchor; nothing anchored yet (a first start) passes. */
  async compare(): Promise<AnchorCheck> {
    const anchored = this.anchored();
    const head = await this.head();
    const result = (missing: [number, number] | null, message: string): AnchorCheck => ({ ok: !message, anchored, head, missing, message });
    if (!anchored) return result(null, '');
    const what = `${this.file} anchored audit event ${anchored.seq} (written ${anchored.at})`;
    const advice = `Restore the newest copy of the data directory (or database) and start again. If the database was replaced on purpose, move ${this.file} aside, keep it as a record, and start again.`;
    if (head.seq < anchored.seq) {
      const missing: [number, number] = [head.seq + 1, anchored.seq];
      return result(missing, `the audit chain lost events: ${what} but the database's chain ends at ${head.seq}; events ${missing[0]}-${missing[1]} are missing (an older copy of the database, or lost writes). ${advice}`);
    }
    const hash = await this.hashAt(anchored.seq);
    if (hash !== anchored.hash) return result(null, `the audit chain was replaced: ${what} with hash ${anchored.hash}, but the database's event ${anchored.seq} has ${hash ?? 'no row'}. ${advice}`);
    return result(null, '');
  }

  /** Refuses a database that lost (or replaced) anchored events; then anchors its current head. */
  async check(): Promise<void> {
    const c = await this.compare();
    if (!c.ok) throw new AuditAnchorError(c);
    this.armed = true;
    await this.flush();
  }

  /** After a transaction that appended ends: anchor soon, once for a burst of them. */
  touch(): void {
    if (this.timer || this.closed || !this.armed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((e) => this.log(`could not anchor the audit chain head: ${(e as Error).message}`));
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Whether an anchor is due (a transaction that appended ended since the last one): what a caller waits on instead of a sleep. */
  get due(): boolean {
    return this.timer !== undefined;
  }

  /** Anchors the committed head now (a rolled-back append took its sequence number back with it); a pending touch is spent. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.catch(() => {}).then(() => this.write());
    return this.writing;
  }

  /** The last anchor, before the database closes; transactions ending meanwhile schedule no more. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (!this.armed) return;
    const head = await this.head();
    const line = `${head.seq}:${head.hash}`;
    if (line === this.last || head.seq === 0) return;
    const file: AnchorFile = readAnchorFile(this.file) ?? { heads: {} };
    file.heads = { ...file.heads, [this.key]: { seq: head.seq, hash: head.hash, at: new Date().toISOString() } };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`);
    } catch (e) {
      // a full disk leaves a cut temporary file: remove it, the anchor itself is untouched
      rmSync(tmp, { force: true });
      throw e;
    }
    renameSync(tmp, this.file);
    this.last = line;
    this.log(`audit chain head anchored: seq ${head.seq} hash ${head.hash}`);
  }

  /** Read committed: another connection, or (PGlite's single one) after the open transaction ends. */
  private async head(): Promise<{ seq: number; hash: string }> {
    if (!(await this.repo.present(this.db))) return { seq: 0, hash: '' };
    return this.db.scoped({ tenantId: null, allTenants: true }, (tx) => this.repo.head(tx));
  }

  private async hashAt(seq: number): Promise<string | undefined> {
    const [row] = await this.db.scoped({ tenantId: null, allTenants: true }, (tx) => this.repo.scan(tx, seq - 1, 1));
    return row?.seq === seq ? row.hash : undefined;
  }
}
