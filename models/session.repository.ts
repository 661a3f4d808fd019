import type { Queryable } from './db.js';

/** A token's server-side state: a console session it opened, or its end (signed out). Keyed by the token's id (sha256). */
export interface SessionRow {
  tokenId: string;
  tenantId: string;
  principalId: string | null;
  /** a console session (idle timeout and lifetime apply), not only a token that was ended */
  console: boolean;
  openedAt: Date;
  lastSeenAt: Date;
  /** when the row stops mattering: the token's own expiry (after it the token no longer verifies) */
  expiresAt: Date;
  endedAt: Date | null;
  endedReason: string | null;
}

const SESSION = `token_id AS "tokenId", tenant_id AS "tenantId", principal_id AS "principalId", console, opened_at AS "openedAt", last_seen_at AS "lastSeenAt",
  expires_at AS "expiresAt", ended_at AS "endedAt", ended_reason AS "endedReason"`;

export class SessionRepository {
  /** The token's row with the tenant's policy (for its session rules), read in the request's transaction. */
  async state(db: Queryable, tenantId: string, tokenId: string): Promise<{ session: SessionRow | null; preset: string | null; rules: Record<string, unknown> | null }> {
    // one row always (FROM (SELECT 1) LEFT JOIN …): the session's columns are null when there is no such token
    const [row] = await db.query<{ [K in keyof SessionRow]: SessionRow[K] | null } & { preset: string | null; rules: Record<string, unknown> | null }>(
      `SELECT s.token_id AS "tokenId", s.tenant_id AS "tenantId", s.principal_id AS "principalId", s.console, s.opened_at AS "openedAt", s.last_seen_at AS "lastSeenAt",
         s.expires_at AS "expiresAt", s.ended_at AS "endedAt", s.ended_reason AS "endedReason", tp.preset, tp.rules
       FROM (SELECT 1) one LEFT JOIN token_sessions s ON s.token_id = $2 AND s.tenant_id = $1 LEFT JOIN tenant_policies tp ON tp.tenant_id = $1`,
      [tenantId, tokenId],
    );
    const { preset, rules, ...session } = row;
    return { session: session.tokenId ? (session as SessionRow) : null, preset, rules };
  }

  /** Opens a console session for a token (a second opening of the same token keeps the first); returns the row in force. */
  async open(db: Queryable, s: Pick<SessionRow, 'tokenId' | 'tenantId' | 'principalId' | 'openedAt' | 'expiresAt'>): Promise<SessionRow> {
    await db.query(
      `INSERT INTO token_sessions (token_id, tenant_id, principal_id, console, opened_at, last_seen_at, expires_at) VALUES ($1, $2, $3, true, $4, $4, $5)
       ON CONFLICT (token_id) DO NOTHING`,
      [s.tokenId, s.tenantId, s.principalId, s.openedAt, s.expiresAt],
    );
    return (await db.query<SessionRow>(`SELECT ${SESSION} FROM token_sessions WHERE token_id = $1`, [s.tokenId]))[0];
  }

  /** Records the token's activity, at most once per `every` ms (fewer writes; the idle time is judged at that precision, never later). */
  async touch(db: Queryable, tokenId: string, at: Date, everyMs: number): Promise<void> {
    await db.query(`UPDATE token_sessions SET last_seen_at = $2 WHERE token_id = $1 AND ended_at IS NULL AND last_seen_at < $3`, [tokenId, at, new Date(at.getTime() - everyMs)]);
  }

  /** Ends the token (its session, or the bare token) for good: every later request with it is refused. Returns whether it was open. */
  async end(db: Queryable, s: { tokenId: string; tenantId: string; principalId: string | null; at: Date; tokenExpiresAt: Date; reason: string }): Promise<boolean> {
    const rows = await db.query(
      `INSERT INTO token_sessions (token_id, tenant_id, principal_id, console, opened_at, last_seen_at, expires_at, ended_at, ended_reason) VALUES ($1, $2, $3, false, $4, $4, $5, $4, $6)
       ON CONFLICT (token_id) DO UPDATE SET ended_at = $4, ended_reason = $6 WHERE token_sessions.ended_at IS NULL
       RETURNING token_id`,
      [s.tokenId, s.tenantId, s.principalId, s.at, s.tokenExpiresAt, s.reason],
    );
    return rows.length > 0;
  }

  /** Forgets a tenant's rows past their expiry (the token itself no longer verifies then). */
  async forgetExpired(db: Queryable, tenantId: string, before: Date): Promise<void> {
    await db.query(`DELETE FROM token_sessions WHERE tenant_id = $1 AND expires_at < $2`, [tenantId, before]);
  }
}
