import type { ScopedDb, Queryable } from '../../models/db.js';
import { AuditAction, AuditOutcome, SignInRefusal } from '../../models/enums.js';
import { SessionRepository } from '../../models/session.repository.js';
import { TenantRepository, type IssuerRow, type PrincipalRow, type TenantRow } from '../../models/tenant.repository.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { abilityOf, authorize } from '../access/ability.js';
import { resolvePolicy } from '../legal-basis/policy.service.js';
import { scopeOf, type Actor } from '../shared/actor.js';
import { DomainError, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { Clock } from '../shared/ports.js';

/** A token as presented: its id (sha256 of the token, hex: names it without making it usable), when it was issued and when it expires. */
export interface PresentedToken {
  tokenId: string;
  /** the token's `iat` in seconds (fractions kept); undefined: it has none */
  issuedAt?: number;
  expiresAt: Date;
}

/** Who a token speaks for, once admitted. */
export interface Admitted {
  tenant: TenantRow;
  principal: PrincipalRow | null;
}

/** A sign-in or token refused: `reason` goes to the audit chain, `message` to the caller. */
export class SignInRefused extends Error {
  /** its SIGN_IN event is written already (the admission wrote it): the HTTP layer must not write a second */
  audited = false;
  constructor(readonly reason: SignInRefusal, message: string) {
    super(message);
    this.name = 'SignInRefused';
  }
}

/** Whether a refused sign-in (a SignInRefused, or a failure that carries its flag on) already has its SIGN_IN event. */
export const signInAudited = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as { audited?: unknown }).audited === true;

// a session's activity is written at most this often: its idle time is judged that much early, never late
const TOUCH_EVERY_MS = 15_000;

const MESSAGES: Record<SignInRefusal, string> = {
  [SignInRefusal.TOKEN_INVALID]: 'Unauthenticated: the token is not valid for this hub. Get a new token from your agency’s administrator.',
  [SignInRefusal.TOKEN_EXPIRED]: 'Unauthenticated: the token has expired. Get a new token from your agency’s administrator.',
  [SignInRefusal.TOKEN_REVOKED]: 'Unauthenticated: this token was revoked by an administrator. Sign in again, or ask your agency’s administrator for a new token.',
  [SignInRefusal.SESSION_ENDED]: 'Unauthenticated: this session was signed out. Sign in again.',
  [SignInRefusal.SESSION_IDLE]: 'Unauthenticated: this session was locked after a period without activity. Sign in again.',
  [SignInRefusal.SESSION_EXPIRED]: 'Unauthenticated: this session reached its longest allowed length. Sign in again.',
  [SignInRefusal.PRINCIPAL_DISABLED]: 'Unauthenticated: your account is disabled on this hub. Ask your agency’s administrator.',
  [SignInRefusal.UNKNOWN_PRINCIPAL]: 'Unauthenticated: the token names a tenant or principal this hub does not know.',
  [SignInRefusal.MFA_REQUIRED]: 'Unauthenticated: your agency requires multi-factor authentication, and your identity provider did not report it for this sign-in. Sign in again with your second factor.',
  [SignInRefusal.NOTICE_NOT_ACKNOWLEDGED]: 'Acknowledge the system-use notice to sign in.',
};

export const refusal = (reason: SignInRefusal, message = MESSAGES[reason]) => new SignInRefused(reason, message);

/**
 * Sessions and tokens that can end. Every request's token is admitted here against the shared
 * database (no per-process cache), so a sign-out, a revocation or a disabled principal bites the
 * next request on every replica once its transaction has committed.
 */
export class SessionService {
  constructor(
    private readonly db: ScopedDb,
    private readonly clock: Clock,
    private readonly trail: AuditTrail,
    private readonly tenants = new TenantRepository(),
    private readonly sessions = new SessionRepository(),
  ) {}

  /** A hub token naming a tenant (and a principal, or a service role): admitted, or refused with a reason (audited when the token names someone). */
  async admitHubToken(tenantSlug: string, principalId: string | null, token: PresentedToken): Promise<Admitted> {
    const tenant = await this.tenants.bySlug(this.db.owner('sign-in finds the tenant a token names before any tenant scope exists'), tenantSlug);
    if (!tenant || (principalId !== null && !isUuid(principalId))) throw refusal(SignInRefusal.UNKNOWN_PRINCIPAL);
    return this.admit(tenant, (tx) => (principalId ? this.tenants.principal(tx, tenant.id, principalId) : Promise.resolve(null)), principalId !== null, token);
  }

  /** A token of a tenant's own identity provider, for the principal with that external subject; `mfa`: the token asserts multi-factor authentication. */
  async admitFederated(issuer: IssuerRow, subject: string, token: PresentedToken, mfa: boolean): Promise<Admitted & { principal: PrincipalRow }> {
    const tenant = await this.tenants.byId(this.db.owner('sign-in finds the tenant a token names before any tenant scope exists'), issuer.tenantId);
    if (!tenant) throw refusal(SignInRefusal.UNKNOWN_PRINCIPAL);
    const admitted = await this.admit(tenant, (tx) => this.tenants.principalByExternalSubject(tx, tenant.id, subject), true, token, mfa);
    return admitted as Admitted & { principal: PrincipalRow };
  }

  private async admit(tenant: TenantRow, find: (tx: Queryable) => Promise<PrincipalRow | null | undefined>, named: boolean, token: PresentedToken, mfa?: boolean): Promise<Admitted> {
    const now = this.clock.now();
    const verdict = await this.db.scoped({ tenantId: tenant.id }, async (tx) => {
      const principal = (await find(tx)) ?? null;
      if (named && !principal) return { refused: SignInRefusal.UNKNOWN_PRINCIPAL, principal };
      const { session, preset, rules } = await this.sessions.state(tx, tenant.id, token.tokenId);
      const policy = resolvePolicy(preset, rules);
      const why = problemOf(principal, token, session, policy, now, mfa);
      if (why) {
        // an open session found idle or past its life ends for good, whatever the policy says later
        if (session && !session.endedAt && (why === SignInRefusal.SESSION_IDLE || why === SignInRefusal.SESSION_EXPIRED)) {
          await this.sessions.end(tx, { tokenId: token.tokenId, tenantId: tenant.id, principalId: principal?.id ?? null, at: now, tokenExpiresAt: token.expiresAt, reason: why });
          await this.trail.append(tx, null, { action: AuditAction.SIGN_OUT, outcome: AuditOutcome.ALLOWED, reason: why, tenantId: tenant.id, principalId: principal?.id ?? null, actorRole: principal?.role ?? null, details: { tokenId: token.tokenId } });
        }
        return { refused: why, principal };
      }
      if (session) await this.sessions.touch(tx, token.tokenId, now, TOUCH_EVERY_MS);
      return { refused: undefined, principal };
    });
    if (verdict.refused) {
      const e = refusal(verdict.refused);
      // a token that names no one of this hub is not attributable: audited only where it is a sign-in (the console's), so API calls cannot flood the chain
      if (verdict.refused !== SignInRefusal.UNKNOWN_PRINCIPAL) {
        await this.recordSignIn({ tenantId: tenant.id, principal: verdict.principal }, AuditOutcome.DENIED, verdict.refused, { via: 'token', tokenId: token.tokenId });
        e.audited = true;
      }
      throw e;
    }
    return { tenant, principal: verdict.principal };
  }

  /**
   * Opens a console session for an admitted token: it ends at the token's expiry or after the
   * tenant's sessionLifetimeHours, whichever is first, and after sessionIdleMinutes without a request.
   * `via` 'token' (a pasted or linked hub token) is refused where the tenant requires MFA.
   */
  async open(who: Admitted, token: PresentedToken, via: 'token' | 'oidc'): Promise<{ expiresAt: Date }> {
    const now = this.clock.now();
    const { tenant, principal } = who;
    const opened = await this.db.scoped({ tenantId: tenant.id }, async (tx) => {
      const { preset, rules } = await this.sessions.state(tx, tenant.id, token.tokenId);
      const policy = resolvePolicy(preset, rules);
      if (via === 'token' && policy.requireMfa) return undefined;
      await this.sessions.forgetExpired(tx, tenant.id, now);
      // the row lasts as long as its token verifies (a session past its lifetime must stay ended until then)
      const row = await this.sessions.open(tx, { tokenId: token.tokenId, tenantId: tenant.id, principalId: principal?.id ?? null, openedAt: now, expiresAt: token.expiresAt });
      const end = new Date(Math.min(token.expiresAt.getTime(), row.openedAt.getTime() + policy.sessionLifetimeHours * 3600_000));
      await this.trail.append(tx, null, {
        action: AuditAction.SIGN_IN, outcome: AuditOutcome.ALLOWED, tenantId: tenant.id, principalId: principal?.id ?? null, actorRole: principal?.role ?? null,
        details: { via, tokenId: token.tokenId, sessionEndsAt: end.toISOString() },
      });
      return { expiresAt: end };
    });
    if (!opened) {
      await this.recordSignIn(who, AuditOutcome.DENIED, SignInRefusal.MFA_REQUIRED, { via, tokenId: token.tokenId });
      const e = refusal(SignInRefusal.MFA_REQUIRED, 'Unauthenticated: your agency requires multi-factor authentication: sign in to the console with your agency’s identity provider, not with a hub token.');
      e.audited = true;
      throw e;
    }
    return { expiresAt: opened.expiresAt };
  }

  /** Ends a token (signed out, or replaced by another identity's session): refused on every replica from the next request on. */
  async end(who: Admitted, token: PresentedToken, reason: 'SIGNED_OUT' | 'REPLACED'): Promise<void> {
    const { tenant, principal } = who;
    await this.db.scoped({ tenantId: tenant.id }, async (tx) => {
      await this.sessions.end(tx, { tokenId: token.tokenId, tenantId: tenant.id, principalId: principal?.id ?? null, at: this.clock.now(), tokenExpiresAt: token.expiresAt, reason });
      await this.trail.append(tx, null, { action: AuditAction.SIGN_OUT, outcome: AuditOutcome.ALLOWED, reason, tenantId: tenant.id, principalId: principal?.id ?? null, actorRole: principal?.role ?? null, details: { tokenId: token.tokenId } });
    });
  }

  /** Audits one sign-in decision in its own transaction (never the token; its id at most). Tenant unknown: the operator's chain. */
  async recordSignIn(who: { tenantId?: string | null; tenant?: TenantRow; principal?: PrincipalRow | null }, outcome: AuditOutcome, reason: string | null, details: Record<string, unknown>): Promise<void> {
    const tenantId = who.tenant?.id ?? who.tenantId ?? null;
    await this.db.scoped(tenantId ? { tenantId } : { tenantId: null, allTenants: true }, (tx) =>
      this.trail.append(tx, null, { action: AuditAction.SIGN_IN, outcome, reason, tenantId, principalId: who.principal?.id ?? null, actorRole: who.principal?.role ?? null, details }),
    );
  }

  /** Disables a principal: it cannot sign in or use any token, from the next request on every replica. */
  disablePrincipal(actor: Actor, principalId: string): Promise<PrincipalRow> {
    return this.administer(actor, principalId, AuditAction.PRINCIPAL_DISABLED, async (tx, p, now) => {
      if (p.id === actor.principalId) throw new DomainError('BAD_USER_INPUT', 'You cannot disable yourself: ask another administrator.');
      return this.tenants.setDisabled(tx, p.id, now);
    });
  }

  /** Enables a disabled principal again; the tokens it held before it was disabled stay revoked. */
  enablePrincipal(actor: Actor, principalId: string): Promise<PrincipalRow> {
    return this.administer(actor, principalId, AuditAction.PRINCIPAL_ENABLED, (tx, p) => this.tenants.setDisabled(tx, p.id, null));
  }

  /** Refuses every token of a principal issued until now (its console sessions included); new ones work. */
  revokeTokens(actor: Actor, principalId: string): Promise<PrincipalRow> {
    return this.administer(actor, principalId, AuditAction.TOKENS_REVOKED, (tx, p, now) => this.tenants.revokeTokensBefore(tx, p.id, now));
  }

  // who may issue a principal's tokens may end them: its agency's administrator, or the operator's HUB_ADMIN
  private administer(actor: Actor, principalId: string, action: AuditAction, change: (tx: Queryable, p: PrincipalRow, now: Date) => Promise<PrincipalRow>): Promise<PrincipalRow> {
    return this.trail.refusals(actor, { action, details: { principalId } }, () =>
      this.db.scoped(scopeOf(actor), async (tx) => {
        const p = isUuid(principalId) ? await this.tenants.principalAnyTenant(tx, principalId) : undefined;
        if (!p) throw notFound('principal', principalId);
        authorize(actor, abilityOf(actor, this.clock.now()), 'create', 'Principal', { ...p });
        const now = this.clock.now();
        const row = await change(tx, p, now);
        const tenant = await this.tenants.byId(tx, p.tenantId);
        await this.trail.append(tx, actor, { action, outcome: AuditOutcome.ALLOWED, details: { principalId: p.id, tenant: tenant?.slug ?? null, role: p.role, at: now.toISOString() } });
        return row;
      }),
    );
  }
}

/** Why a token may not be used now, if it may not. */
function problemOf(
  principal: PrincipalRow | null,
  token: PresentedToken,
  session: { console: boolean; openedAt: Date; lastSeenAt: Date; expiresAt: Date; endedAt: Date | null } | null,
  policy: { requireMfa: boolean; sessionIdleMinutes: number; sessionLifetimeHours: number },
  now: Date,
  mfa: boolean | undefined,
): SignInRefusal | undefined {
  if (principal?.disabledAt) return SignInRefusal.PRINCIPAL_DISABLED;
  // a token without iat cannot show it came after a revocation
  if (principal?.tokensValidAfter && !(token.issuedAt !== undefined && token.issuedAt * 1000 >= principal.tokensValidAfter.getTime())) return SignInRefusal.TOKEN_REVOKED;
  if (session?.endedAt) return SignInRefusal.SESSION_ENDED;
  if (session?.console) {
    if (now.getTime() - session.openedAt.getTime() >= policy.sessionLifetimeHours * 3600_000) return SignInRefusal.SESSION_EXPIRED;
    if (now.getTime() - session.lastSeenAt.getTime() >= policy.sessionIdleMinutes * 60_000) return SignInRefusal.SESSION_IDLE;
  }
  if (mfa === false && policy.requireMfa) return SignInRefusal.MFA_REQUIRED;
  return undefined;
}
