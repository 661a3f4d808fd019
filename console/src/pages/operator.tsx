import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api';
import { useQuery } from './use-query';

interface Tenant { id: string; slug: string; name: string; status: string; isOperator: boolean }
interface Quota { used: number; limit: number }

export function OperatorPage() {
  const { data, error, reload } = useQuery<{ tenants: Tenant[] }>('{ tenants { id slug name status isOperator } }');
  const [quotas, setQuotas] = useState<Record<string, Quota | null>>({});
  const [actionError, setActionError] = useState('');
  useEffect(() => {
    if (!data) return;
    // one query for every tenant's monthly quota, one alias each
    const fields = data.tenants.map((t, i) => `q${i}: quota(tenantSlug: ${JSON.stringify(t.slug)}, period: MONTH) { used limit }`).join(' ');
    if (!fields) return;
    gql<Record<string, Quota | null>>(`{ ${fields} }`).then((r) => setQuotas(Object.fromEntries(data.tenants.map((t, i) => [t.slug, r[`q${i}`]]))), () => undefined);
  }, [data]);

  return (
    <>
      <h1>Tenants</h1>
      {(error || actionError) && <p class="error" role="alert">{error || actionError}</p>}
      {data && (
        <table>
          <caption class="hint">Every agency on this hub, with this month's searches against its quota.</caption>
          <thead><tr><th scope="col">Slug</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Searches this month / quota</th><th scope="col">Action</th></tr></thead>
          <tbody>
            {data.tenants.map((t) => {
              const q = quotas[t.slug];
              return (
                <tr>
                  <td>{t.slug}</td>
                  <td>{t.name}{t.isOperator ? ' (operator)' : ''}</td>
                  <td>{t.status}</td>
                  <td>{q ? <><meter min={0} max={q.limit} value={q.used} aria-label={`quota of ${t.slug}`} /> {q.used} / {q.limit}</> : 'no quota set'}</td>
                  <td>{!t.isOperator && <StatusButton tenant={t} onDone={reload} onError={setActionError} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <CreateTenant onCreated={reload} />
    </>
  );
}

// a suspended tenant's principals are refused everything until it is reinstated
function StatusButton({ tenant, onDone, onError }: { tenant: Tenant; onDone: () => void; onError: (m: string) => void }) {
  const suspend = tenant.status === 'ACTIVE';
  async function click() {
    if (suspend && !confirm(`Suspend ${tenant.name}? Its users are refused every request until you reinstate it.`)) return;
    try {
      await gql('mutation($s: String!, $t: TenantStatus!) { setTenantStatus(slug: $s, status: $t) { id } }', { s: tenant.slug, t: suspend ? 'SUSPENDED' : 'ACTIVE' });
      onError('');
      onDone();
    } catch (e) {
      onError((e as Error).message);
    }
  }
  return <button type="button" onClick={click}>{suspend ? `Suspend ${tenant.slug}` : `Reinstate ${tenant.slug}`}</button>;
}

function CreateTenant({ onCreated }: { onCreated: () => void }) {
  const [form, setForm] = useState({ slug: '', name: '', monthlyQuota: '' });
  const [message, setMessage] = useState({ text: '', error: false });
  const field = (k: keyof typeof form) => ({ value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value }) });
  async function submit(e: Event) {
    e.preventDefault();
    try {
      const input = { slug: form.slug, name: form.name, ...(form.monthlyQuota ? { monthlyQuota: Number(form.monthlyQuota) } : {}) };
      await gql('mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }', { i: input });
      setMessage({ text: `Created tenant ${form.slug}.`, error: false });
      setForm({ slug: '', name: '', monthlyQuota: '' });
      onCreated();
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="create-tenant">
      <h2 id="create-tenant">Create a tenant</h2>
      <label for="slug">Slug</label>
      <input id="slug" required {...field('slug')} />
      <label for="name">Name</label>
      <input id="name" required {...field('name')} />
      <label for="monthlyQuota">Monthly quota (searches; empty for the default)</label>
      <input id="monthlyQuota" type="number" min={0} {...field('monthlyQuota')} />
      <button type="submit">Create tenant</button>
      {message.text && <p class={message.error ? 'error' : ''} role="status">{message.text}</p>}
    </form>
  );
}
