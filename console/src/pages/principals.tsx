import { useState } from 'preact/hooks';
import { gql } from '../api';
import { valueOf } from './location';
import { useQuery } from './use-query';
import { certification, day, EXPIRY_WARNING_DAYS, words } from './vocab';
import type { IssueSignInTokenMutation, PrincipalHistoryQuery, PrincipalsQuery, TenantOfMeQuery, UpdatePrincipalMutation } from '../graphql.generated';

type Principal = PrincipalsQuery['principals'][number];

/**
 * A tenant's principals with role and certification (expiring within 30 days highlighted), a form
 * to add one, and a sign-in link for each, minted through the API (issueToken, audited).
 */
export function PrincipalsSection({ slug, roles }: { slug: string | null; roles: string[] }) {
  const { data, error, reload } = useQuery<PrincipalsQuery>(/* GraphQL */ `query Principals($s: String) { principals(tenantSlug: $s) { id name role certifiedUntil externalSubject disabledAt } }`, { s: slug });
  const [link, setLink] = useState<{ name: string; url: string; expiresAt: string } | null>(null);
  const [actionError, setActionError] = useState('');
  const [notice, setNotice] = useState('');
  // opened on demand: the page's forms stay one per purpose until the administrator asks for it
  const [changing, setChanging] = useState(false);
  async function issue(p: Principal) {
    try {
      const r = await gql<IssueSignInTokenMutation>(/* GraphQL */ `mutation IssueSignInToken($id: ID!) { issueToken(principalId: $id, ttlMinutes: 720) { token expiresAt } }`, { id: p.id });
      setLink({ name: p.name, url: `${location.origin}/sign-in#token=${r.issueToken.token}`, expiresAt: r.issueToken.expiresAt });
      setActionError('');
    } catch (e) {
      setActionError((e as Error).message);
    }
  }
  // access that ends at once, on every replica: the person's tokens, or the person (audited)
  async function end(p: Principal, mutation: 'disablePrincipal' | 'enablePrincipal' | 'revokeTokens', done: string) {
    try {
      await gql(`mutation($id: ID!) { ${mutation}(${mutation === 'revokeTokens' ? 'principalId' : 'id'}: $id) { id } }`, { id: p.id });
      setActionError('');
      setNotice(done);
      reload();
    } catch (e) {
      setActionError((e as Error).message);
    }
  }
  return (
    <section aria-labelledby="principals">
      <h2 id="principals">Principals</h2>
      {(error || actionError) && <p class="error" role="alert">{error || actionError}</p>}
      {notice && <p role="status">{notice}</p>}
      {data && (data.principals.length === 0 ? <p>No principals yet.</p> : (
        <table data-testid="principals">
          <caption class="hint">Certification expiring within {EXPIRY_WARNING_DAYS} days is highlighted; an analyst without a current one cannot search.</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Certified until</th><th scope="col">Identity-provider subject</th><th scope="col">Sign-in</th><th scope="col">Access</th></tr></thead>
          <tbody>
            {data.principals.map((p) => {
              const c = certification(p.certifiedUntil);
              return (
                <tr class={c.soon ? 'expiring' : c.expired ? 'expired' : ''}>
                  <td>{p.name}</td>
                  <td>{words(p.role)}</td>
                  <td>{c.text}{c.soon && <strong> expires soon</strong>}{c.expired && <strong> expired</strong>}</td>
                  <td>{p.externalSubject ?? '—'}</td>
                  <td><button type="button" class="secondary" onClick={() => issue(p)}>Sign-in link for {p.name}</button></td>
                  <td>
                    {p.disabledAt ? <><strong>Disabled</strong> <button type="button" class="secondary" onClick={() => end(p, 'enablePrincipal', `${p.name} may sign in again; the sign-ins they had before stay ended.`)}>Enable {p.name}</button></>
                      : <button type="button" class="secondary" onClick={() => end(p, 'disablePrincipal', `${p.name} is disabled: signed out everywhere, and cannot sign in.`)}>Disable {p.name}</button>}{' '}
                    <button type="button" class="secondary" onClick={() => end(p, 'revokeTokens', `Every sign-in and token of ${p.name} issued until now is ended.`)}>End sessions of {p.name}</button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ))}
      {link && (
        <div class="notice-info" role="status">
          <p>Sign-in link for {link.name}, valid until {link.expiresAt.slice(0, 16).replace('T', ' ')} UTC. Give it to that person only: it signs in as them.</p>
          <label for="signin-link">Link</label>
          <input id="signin-link" readOnly value={link.url} data-testid="signin-link" onFocus={(e) => e.currentTarget.select()} />
        </div>
      )}
      {data && data.principals.length > 0 && (changing
        ? <ChangePrincipal principals={data.principals} roles={roles} onChanged={reload} />
        : <button type="button" class="secondary" onClick={() => setChanging(true)}>Change or renew a principal</button>)}
      <CreatePrincipal slug={slug} roles={roles} onCreated={reload} />
    </section>
  );
}

function CreatePrincipal({ slug, roles, onCreated }: { slug: string | null; roles: string[]; onCreated: () => void }) {
  const [form, setForm] = useState({ name: '', role: roles[0], certifiedUntil: '', externalSubject: '' });
  const [message, setMessage] = useState({ text: '', error: false });
  const field = (k: keyof typeof form) => ({ value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: valueOf(e) }) });
  async function submit(e: Event) {
    e.preventDefault();
    try {
      const tenantSlug = slug ?? (await gql<TenantOfMeQuery>(/* GraphQL */ `query TenantOfMe { me { tenant { slug } } }`)).me.tenant.slug;
      const i = { tenantSlug, name: form.name, role: form.role, ...(form.certifiedUntil ? { certifiedUntil: `${form.certifiedUntil}T00:00:00Z` } : {}), ...(form.externalSubject ? { externalSubject: form.externalSubject } : {}) };
      await gql(/* GraphQL */ `mutation CreatePrincipal($i: CreatePrincipalInput!) { createPrincipal(input: $i) { id } }`, { i });
      setMessage({ text: `Added ${form.name} (${words(form.role)}).`, error: false });
      setForm({ name: '', role: roles[0], certifiedUntil: '', externalSubject: '' });
      onCreated();
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="add-principal">
      <h3 id="add-principal">Add a principal</h3>
      <label for="principal-name">Principal's name</label>
      <input id="principal-name" required {...field('name')} />
      <label for="principal-role">Role</label>
      <select id="principal-role" {...field('role')}>{roles.map((r) => <option value={r}>{words(r)}</option>)}</select>
      <label for="principal-cert">Certified until (face-search training; analysts need it to search)</label>
      <input id="principal-cert" type="date" {...field('certifiedUntil')} />
      <label for="principal-sub">Subject at the agency's identity provider (optional)</label>
      <input id="principal-sub" {...field('externalSubject')} />
      <button type="submit">Add principal</button>
      {message.text && <p class={message.error ? 'error' : ''} role="status">{message.text}</p>}
    </form>
  );
}

type HistoryEvent = PrincipalHistoryQuery['principalHistory']['nodes'][number];

/** What a history event changed, in a line: "name: A → B; certified until: 2026-01-01 → 2027-06-30". */
function changesOf(e: HistoryEvent): string {
  const changes = e.details.changes as Record<string, { from?: unknown; to?: unknown }> | undefined;
  if (!changes) return e.action === 'PRINCIPAL_CREATED' ? `created as ${words(String(e.details.role ?? ''))}` : words(e.action);
  const show = (k: string, v: unknown) => (v === null || v === undefined ? 'none' : k === 'certifiedUntil' ? day(String(v)) : k === 'role' ? words(String(v)) : String(v));
  return Object.entries(changes).map(([k, c]) => `${words(k.replace(/([A-Z])/g, '_$1'))}: ${'from' in c ? `${show(k, c.from)} → ` : ''}${show(k, c.to)}`).join('; ');
}

/**
 * Changes a principal (updatePrincipal): display name, role, or a certification renewed with its
 * date and the evidence it rests on; and shows what was done to it (principalHistory).
 */
function ChangePrincipal({ principals, roles, onChanged }: { principals: Principal[]; roles: string[]; onChanged: () => void }) {
  const empty = { principalId: principals[0].id, name: '', role: '', certifiedUntil: '', certificationEvidence: '' };
  const [form, setForm] = useState(empty);
  const [message, setMessage] = useState({ text: '', error: false });
  const [history, setHistory] = useState<HistoryEvent[] | null>(null);
  const field = (k: keyof typeof form) => ({ value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: valueOf(e) }) });
  const chosen = principals.find((p) => p.id === form.principalId) ?? principals[0];
  async function submit(e: Event) {
    e.preventDefault();
    const i = {
      principalId: chosen.id,
      ...(form.name.trim() ? { name: form.name } : {}),
      ...(form.role ? { role: form.role } : {}),
      ...(form.certifiedUntil ? { certifiedUntil: `${form.certifiedUntil}T00:00:00Z`, certificationEvidence: form.certificationEvidence } : {}),
    };
    try {
      const r = await gql<UpdatePrincipalMutation>(/* GraphQL */ `mutation UpdatePrincipal($i: UpdatePrincipalInput!) { updatePrincipal(input: $i) { id name role certifiedUntil } }`, { i });
      const p = r.updatePrincipal;
      setMessage({ text: `Saved ${p.name}: ${words(p.role)}, certified until ${day(p.certifiedUntil)}.`, error: false });
      setForm({ ...empty, principalId: p.id });
      setHistory(null);
      onChanged();
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }
  async function showHistory() {
    try {
      const r = await gql<PrincipalHistoryQuery>(/* GraphQL */ `query PrincipalHistory($p: ID!) { principalHistory(principalId: $p, first: 20) { nodes { seq at action actorRole details } } }`, { p: chosen.id });
      setHistory(r.principalHistory.nodes);
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="change-principal">
      <h3 id="change-principal">Change a principal</h3>
      <label for="change-who">Principal</label>
      <select id="change-who" {...field('principalId')} onInput={(e: Event) => { setForm({ ...empty, principalId: valueOf(e) }); setHistory(null); }}>
        {principals.map((p) => <option value={p.id}>{p.name} ({words(p.role)})</option>)}
      </select>
      <label for="change-name">New display name (leave empty to keep “{chosen.name}”)</label>
      <input id="change-name" {...field('name')} />
      <label for="change-role">New role</label>
      <select id="change-role" {...field('role')}>
        <option value="">keep {words(chosen.role)}</option>
        {roles.filter((r) => r !== chosen.role).map((r) => <option value={r}>{words(r)}</option>)}
      </select>
      <label for="change-cert">Renew certification until (currently {certification(chosen.certifiedUntil).text})</label>
      <input id="change-cert" type="date" {...field('certifiedUntil')} />
      <label for="change-evidence">Evidence for the renewal (training record or certificate number; required with a date)</label>
      <input id="change-evidence" {...field('certificationEvidence')} required={!!form.certifiedUntil} />
      <button type="submit">Save changes</button>
      <button type="button" class="secondary" onClick={showHistory}>History of {chosen.name}</button>
      {message.text && <p class={message.error ? 'error' : ''} role="status">{message.text}</p>}
      {history && (history.length === 0 ? <p>No recorded changes.</p> : (
        <table data-testid="principal-history">
          <caption class="hint">What was done to {chosen.name}, newest first (from the audit chain).</caption>
          <thead><tr><th scope="col">When (UTC)</th><th scope="col">What</th><th scope="col">By</th><th scope="col">Change</th></tr></thead>
          <tbody>{history.map((e) => <tr><td>{e.at.slice(0, 16).replace('T', ' ')}</td><td>{words(e.action)}</td><td>{e.actorRole ? words(e.actorRole) : '—'}</td><td>{changesOf(e)}</td></tr>)}</tbody>
        </table>
      ))}
    </form>
  );
}
