import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Role } from '../../models/enums.js';
import { loadSigningKeys, mintToken } from './hub-tokens.js';

// `frhub token` opens no database (it must work while the hub runs), so it appends what it issued
// to a ledger beside the signing key; the hub moves new ledger lines into the audit chain.

export interface IssuedToken {
  issuedAt: string;
  tenant: string;
  role: string | null;
  subject: string | null;
  expiresAt: string;
  /** sha256 of the token: identifies it in the audit log without making it usable */
  tokenSha256: string;
}

const ledgerFile = (dataDir: string) => join(dataDir, 'keys', 'issued-tokens.jsonl');
const offsetFile = (dataDir: string) => join(dataDir, 'keys', 'issued-tokens.audited');

export function recordIssuedToken(dataDir: string, t: Omit<IssuedToken, 'tokenSha256'> & { token: string }): void {
  const { token, ...rest } = t;
  const file = ledgerFile(dataDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${JSON.stringify({ ...rest, tokenSha256: createHash('sha256').update(token).digest('hex') })}\n`, { mode: 0o600 });
}

/** The one way the CLI mints a token: signed with the hub's keys (the shared key set, else the data directory's) and recorded in the ledger. */
export async function issueCliToken(config: { dataDir: string; signingKeysFile?: string }, o: { tenant: string; role?: Role; subject?: string; ttlSeconds: number }): Promise<string> {
  const minted = await mintCliToken(config, o);
  minted.record();
  return minted.token;
}

/** A CLI token signed but not yet in the ledger: `record()` issues it; one never recorded was never issued (the caller drops it). */
export async function mintCliToken(config: { dataDir: string; signingKeysFile?: string }, o: { tenant: string; role?: Role; subject?: string; ttlSeconds: number }): Promise<{ token: string; record(): void }> {
  const keys = await loadSigningKeys(config);
  const token = await mintToken(keys, { tenant: o.tenant, role: o.role, principalId: o.subject, ttlSeconds: o.ttlSeconds });
  // the ledger's times are the token's own: judged later against its exp, so from the clock that signed it
  const now = keys.clock.now();
  return {
    token,
    record: () => recordIssuedToken(config.dataDir, { issuedAt: now.toISOString(), tenant: o.tenant, role: o.role ?? null, subject: o.subject ?? null, expiresAt: new Date(now.getTime() + o.ttlSeconds * 1000).toISOString(), token }),
  };
}

/** Ledger lines not yet audited; `commit()` marks them audited once they are in the chain. */
export function unauditedTokens(dataDir: string): { tokens: IssuedToken[]; commit(): void } {
  const file = ledgerFile(dataDir);
  if (!existsSync(file)) return { tokens: [], commit() {} };
  const text = readFileSync(file, 'utf8');
  const done = existsSync(offsetFile(dataDir)) ? Number(readFileSync(offsetFile(dataDir), 'utf8')) || 0 : 0;
  const end = text.lastIndexOf('\n') + 1;
  const tokens = text.slice(Math.min(done, end), end).split('\n').filter(Boolean).map((l) => JSON.parse(l) as IssuedToken);
  return { tokens, commit: () => writeFileSync(offsetFile(dataDir), String(end)) };
}
