import { useEffect, useState } from 'preact/hooks';
import { gql } from '../api';
import { inGroups, thisMonth, useSearchParam, valueOf } from './location';
import { TenantDetail } from './tenant-detail';
import { useQuery } from './use-query';
import type { OperatorTenantsQuery, PresetNamesQuery, UsageByTenantQuery } from '../graphql.generated';

type Tenant = OperatorTenantsQuery['tenants'][number];
interface Quota { used: number; limit: number }
interface Extra { quota: Quota | null; preset: string; searches: number }

/** The operator's home: every tenant, or one tenant's details with `?tenant=<slug>`. */
export function OperatorPage() {
  const slug = useSearchParam('tenant');
  return slug ? <TenantDetail slug={slug} /> : <Tenants />;
}

/** The quota as a bar and in numbers; the bar turns red from 90% used. */
export function QuotaBar({ quota, label }: { quota: Quota | null | undefined; label: string }) {
  if (!quota) return <>no quota set</>;
  return <><meter min={0} max={Math.max(quota.limit, 1)} value={quota.used} high={quota.limit * 0.9} optimum={0} aria-label={label} /> {quota.used} / {quota.limit}</>;
}

function Tenants() {
  const { data, error, reload } = useQuery<OperatorTenantsQuery>(/* GraphQL */ `query OperatorTenants { tenants { id slug name status isOperator } }`);
  const [extra, setExtra] = useState<Record<string, Extra>>({});
  const [actionError, setActionError] = useState('');
  useEffect(() => {
    if (!data?.tenants.length) return;
    // every tenant's monthly quota and policy preset (two aliases each, 12 tenants a request), and this month's searches by tenant
    const usage = gql<UsageByTenantQuery>(
      /* GraphQL */ `query UsageByTenant($from: DateTimeISO!, $to: DateTimeISO!) { usage: usageStatistics(from: $from, to: $to, groupBy: [TENANT]) { rows { tenant searches } } }`, thisMonth());
    const groups = inGroups(data.tenants, 12).map((group) => {
      const fields = group.map((t, i) => `q${i}: quota(tenantSlug: ${JSON.stringify(t.slug)}, period: MONTH) { used limit } p${i}: tenantPolicy(tenantSlug: ${JSON.stringify(t.slug)}) { preset }`).join(' ');
      return gql<Record<string, unknown>>(`{ ${fields} }`).then((r) => group.map((t, i) => ({ slug: t.slug, quota: r[`q${i}`] as Quota | null, preset: (r[`p${i}`] as { preset: string }).preset })));
    });
    Promise.all([usage, ...groups]).then(([u, ...parts]) => {
      const rows = (u as Awaited<typeof usage>).usage.rows;
      setExtra(Object.fromEntries((parts as { slug: string; quota: Quota | null; preset: string }[][]).flat().map((x) => [x.slug, { quota: x.quota, preset: x.preset, searches: rows.find((r) => r.tenant === x.slug)?.searches ?? 0 }])));
    }, (e: Error) => setActionError(e.message));
  }, [data]);

  return (
    <>
      <h1>Tenants</h1>
      {(error || actionError) && <p class="error" role="alert">{error || actionError}</p>}
      {data && (
        <table>
          <caption class="hint">Every agency on this hub, with this month's searches against its quota. Open a tenant for its principals, quotas, policy and identity provider.</caption>
          <thead><tr><th scope="col">Slug</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Policy preset</th><th scope="col">Quota used / limit (month)</th><th scope="col">Searches this month</th><th scope="col">Action</th></tr></thead>
          <tbody>
            {data.tenants.map((t) => {
              const x = extra[t.slug];
              return (
                <tr>
                  <td><a href={`/operator?tenant=${encodeURIComponent(t.slug)}`}>{t.slug}</a></td>
                  <td>{t.name}{t.isOperator ? ' (operator)' : ''}</td>
                  <td><span class={`status status-${t.status.toLowerCase()}`}>{t.status}</span></td>
                  <td>{x?.preset ?? '…'}</td>
                  <td>{x ? <QuotaBar quota={x.quota} label={`quota of ${t.slug}`} /> : '…'}</td>
                  <td>{x?.searches ?? '…'}</td>
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

// a suspended tenant's principals are refused everything new until it is reinstated
export function StatusButton({ tenant, onDone, onError }: { tenant: Tenant; onDone: () => void; onError: (m: string) => void }) {
  const suspend = tenant.status === 'ACTIVE';
  async function click() {
    if (suspend && !confirm(`Suspend ${tenant.name}? Its users are refused every new search, enrollment and principal until you reinstate it.`)) return;
    try {
      await gql(/* GraphQL */ `mutation SetTenantStatus($s: String!, $t: TenantStatus!) { setTenantStatus(slug: $s, status: $t) { id } }`, { s: tenant.slug, t: suspend ? 'SUSPENDED' : 'ACTIVE' });
      onError('');
      onDone();
    } catch (e) {
      onError((e as Error).message);
    }
  }
  return <button type="button" onClick={click}>{suspend ? `Suspend ${tenant.slug}` : `Reinstate ${tenant.slug}`}</button>;
}

function CreateTenant({ onCreated }: { onCreated: () => void }) {
  const presets = useQuery<PresetNamesQuery>(/* GraphQL */ `query PresetNames { policyPresets { id name } }`);
  const [form, setForm] = useState({ slug: '', name: '', monthlyQuota: '', policyPreset: '' });
  const [message, setMessage] = useState({ text: '', error: false });
  const field = (k: keyof typeof form) => ({ value: form[k], onInput: (e: Event) => setForm({ ...form, [k]: valueOf(e) }) });
  async function submit(e: Event) {
    e.preventDefault();
    try {
      const input = { slug: form.slug, name: form.name, ...(form.monthlyQuota ? { monthlyQuota: Number(form.monthlyQuota) } : {}), ...(form.policyPreset ? { policyPreset: form.policyPreset } : {}) };
      await gql(/* GraphQL */ `mutation CreateTenant($i: CreateTenantInput!) { createTenant(input: $i) { id } }`, { i: input });
      setMessage({ text: `Created tenant ${form.slug}.`, error: false });
      setForm({ slug: '', name: '', monthlyQuota: '', policyPreset: '' });
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
      <label for="policyPreset">Policy preset</label>
      <select id="policyPreset" {...field('policyPreset')}>
        <option value="">The hub's default</option>
        {presets.data?.policyPresets.map((p) => <option value={p.id}>{p.id}: {p.name}</option>)}
      </select>
      <button type="submit">Create tenant</button>
      {message.text && <p class={message.error ? 'error' : ''} role="status">{message.text}</p>}
    </form>
  );
}
