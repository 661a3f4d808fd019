import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api';
import { valueOf } from './location';
import { QuotaBar, StatusButton } from './operator';
import { PolicySection } from './policy';
import { PrincipalsSection } from './principals';
import { useQuery } from './use-query';
import { AGENCY_ROLES, ROLES, day, words } from './vocab';
import type { QuotasQuery, TenantIssuerQuery, TenantListQuery } from '../graphql.generated';

type Tenant = TenantListQuery['tenants'][number];
type Quota = QuotasQuery['quotas'][number];
type Issuer = NonNullable<TenantIssuerQuery['tenantIssuer']>;

/** One tenant, for the operator: status, principals, quotas, policy and the identity provider it trusts. */
export function TenantDetail({ slug }: { slug: string }) {
  const { data, error, reload } = useQuery<TenantListQuery>(/* GraphQL */ `query TenantList { tenants { id slug name status isOperator createdAt } }`);
  const [actionError, setActionError] = useState('');
  const t = data?.tenants.find((x) => x.slug === slug);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!data) return <p>Loading…</p>;
  if (!t) return <><h1>Tenant not found</h1><p>No tenant '{slug}' is visible to you. <a href="/operator">Back to the tenants</a></p></>;
  return (
    <>
      <p><a href="/operator">← All tenants</a></p>
      <h1>{t.name}</h1>
      <p>
        Slug <code>{t.slug}</code> · status <span class={`status status-${t.status.toLowerCase()}`}>{t.status}</span> · on the hub since {day(t.createdAt)}
        {' '}{!t.isOperator && <StatusButton tenant={t} onDone={reload} onError={setActionError} />}
      </p>
      {actionError && <p class="error" role="alert">{actionError}</p>}
      <PrincipalsSection slug={t.slug} roles={t.isOperator ? ROLES : AGENCY_ROLES} />
      <QuotasSection slug={t.slug} editable />
      <PolicySection slug={t.slug} editable />
      <IssuerSection slug={t.slug} />
    </>
  );
}

/** A tenant's quotas (month, day), used against the limit; the operator sets them. */
export function QuotasSection({ slug, editable }: { slug: string | null; editable: boolean }) {
  const { data, error, reload } = useQuery<QuotasQuery>(/* GraphQL */ `query Quotas($s: String) { quotas(tenantSlug: $s) { period used limit remaining resetsAt } }`, { s: slug });
  const [form, setForm] = useState({ period: 'MONTH', limit: '' });
  const [message, setMessage] = useState({ text: '', error: false });
  async function submit(e: Event) {
    e.preventDefault();
    try {
      await gql(/* GraphQL */ `mutation SetQuota($i: SetQuotaInput!) { setQuota(input: $i) { limit } }`, { i: { tenantSlug: slug, period: form.period, limit: Number(form.limit) } });
      setMessage({ text: `The ${words(form.period)} quota is now ${form.limit} searches.`, error: false });
      setForm({ ...form, limit: '' });
      reload();
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }
  return (
    <section aria-labelledby="quotas">
      <h2 id="quotas">Quota and usage</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (data.quotas.length === 0 ? <p>No quota is set: every search is refused (QUOTA_EXCEEDED).</p> : (
        <table data-testid="quotas">
          <caption class="hint">Searches that ran, against the limit of each period.</caption>
          <thead><tr><th scope="col">Period</th><th scope="col">Used / limit</th><th scope="col">Remaining</th><th scope="col">Resets</th></tr></thead>
          <tbody>{data.quotas.map((q) => <tr><td>{words(q.period)}</td><td><QuotaBar quota={q} label={`${words(q.period)} quota`} /></td><td>{q.remaining}</td><td>{q.resetsAt.slice(0, 16).replace('T', ' ')} UTC</td></tr>)}</tbody>
        </table>
      ))}
      {editable && (
        <form onSubmit={submit} aria-labelledby="set-quota" class="inline">
          <h3 id="set-quota">Set a quota</h3>
          <label for="quota-period">Period</label>
          <select id="quota-period" value={form.period} onChange={(e) => setForm({ ...form, period: valueOf(e) })}><option value="MONTH">month</option><option value="DAY">day</option></select>
          <label for="quota-limit">Searches allowed per period</label>
          <input id="quota-limit" type="number" min={0} required value={form.limit} onInput={(e) => setForm({ ...form, limit: valueOf(e) })} />
          <button type="submit">Set quota</button>
          {message.text && <p class={message.error ? 'error' : ''} role="status">{message.text}</p>}
        </form>
      )}
    </section>
  );
}

function IssuerSection({ slug }: { slug: string }) {
  const { data, error, reload } = useQuery<TenantIssuerQuery>(/* GraphQL */ `query TenantIssuer($s: String) { tenantIssuer(tenantSlug: $s) { issuer jwksUrl audience subjectClaim clientId updatedAt } }`, { s: slug });
  const [form, setForm] = useState({ issuer: '', jwksUrl: '', audience: '', subjectClaim: '', clientId: '' });
  const [message, setMessage] = useState({ text: '', error: false });
  // the form starts from what is set: saving it unchanged keeps every field, the client id too
  const current = data?.tenantIssuer;
  useEffect(() => {
    if (current) setForm({ issuer: current.issuer, jwksUrl: current.jwksUrl, audience: current.audience ?? '', subjectClaim: current.subjectClaim, clientId: current.clientId ?? '' });
  }, [current?.updatedAt]);
  const field = (k: keyof typeof form) => ({ value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: valueOf(e) }) });
  async function submit(e: Event) {
    e.preventDefault();
    try {
      const i = {
        tenantSlug: slug, issuer: form.issuer, jwksUrl: form.jwksUrl, ...(form.audience ? { audience: form.audience } : {}), ...(form.subjectClaim ? { subjectClaim: form.subjectClaim } : {}),
        clientId: form.clientId.trim() || null,
      };
      await gql(/* GraphQL */ `mutation SetTenantIssuer($i: SetTenantIssuerInput!) { setTenantIssuer(input: $i) { issuer } }`, { i });
      setMessage({ text: `${slug} now trusts ${form.issuer}${i.clientId ? '; its people can sign in to the console with it' : ''}.`, error: false });
      reload();
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }
  const i = data?.tenantIssuer;
  return (
    <section aria-labelledby="issuer">
      <h2 id="issuer">Identity provider</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {data && (i ? (
        <dl data-testid="issuer">
          <dt>Issuer</dt><dd>{i.issuer}</dd>
          <dt>Keys (JWKS)</dt><dd>{i.jwksUrl}</dd>
          <dt>Audience</dt><dd>{i.audience ?? 'any'}</dd>
          <dt>Claim naming the principal</dt><dd>{i.subjectClaim} (matched against each principal's identity-provider subject)</dd>
          <dt>Console sign-in (client id)</dt><dd data-testid="issuer-client-id">{i.clientId ?? 'none: the console offers no sign-in with this provider'}</dd>
          <dt>Set</dt><dd>{day(i.updatedAt)}</dd>
        </dl>
      ) : <p>None: this tenant's users sign in with hub tokens only.</p>)}
      <form onSubmit={submit} aria-labelledby="set-issuer">
        <h3 id="set-issuer">{i ? 'Replace the identity provider' : 'Trust an identity provider'}</h3>
        <p class="hint">Roles and certification stay the hub's: the provider only says who signs in.</p>
        <label for="issuer-iss">Issuer (iss)</label>
        <input id="issuer-iss" required type="url" {...field('issuer')} />
        <label for="issuer-jwks">JWKS URL (https)</label>
        <input id="issuer-jwks" required type="url" {...field('jwksUrl')} />
        <label for="issuer-aud">Audience (optional)</label>
        <input id="issuer-aud" {...field('audience')} />
        <label for="issuer-claim">Claim naming the principal (default sub)</label>
        <input id="issuer-claim" {...field('subjectClaim')} />
        <label for="issuer-client">Client id of the hub's console at this provider (optional)</label>
        <p class="hint" id="issuer-client-hint">A public client (PKCE, no secret) with the redirect URI {location.origin}/console/oidc/callback. Set, the sign-in page offers “Sign in with your agency”; empty, it does not.</p>
        <input id="issuer-client" aria-describedby="issuer-client-hint" {...field('clientId')} />
        <button type="submit">Save identity provider</button>
        {message.text && <p class={message.error ? 'error' : ''} role="status">{message.text}</p>}
      </form>
    </section>
  );
}
