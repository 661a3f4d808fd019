import { useState } from 'preact/hooks';
import { gql } from '../api';
import { valueOf } from './location';
import { useQuery } from './use-query';
import { LEGAL_BASES, day, words } from './vocab';
import type { SharingQuery } from '../graphql.generated';

type Agreement = SharingQuery['sharingAgreements'][number];

/** Sharing agreements (HUB_ADMIN): which gallery is searched by whom, for which legal bases, until when. */
export function SharingPage() {
  const { data, error, reload } = useQuery<SharingQuery>(/* GraphQL */ `query Sharing { sharingAgreements { id galleryId tenantId granteeTenantId legalBases expiresAt revokedAt createdAt } tenants { id slug } galleries { id name tenantId templateCount } }`);
  const [actionError, setActionError] = useState('');
  const slugOf = (id: string | null) => (id === null ? 'every tenant' : data?.tenants.find((t) => t.id === id)?.slug ?? id);
  const galleryOf = (id: string) => data?.galleries.find((g) => g.id === id)?.name ?? id;
  async function revoke(a: Agreement) {
    if (!confirm(`Revoke the sharing of ${galleryOf(a.galleryId)} with ${slugOf(a.granteeTenantId)}? It takes effect on the next search.`)) return;
    try {
      await gql(/* GraphQL */ `mutation RevokeSharingAgreement($id: ID!) { revokeSharingAgreement(id: $id) { revokedAt } }`, { id: a.id });
      setActionError('');
      reload();
    } catch (e) {
      setActionError((e as Error).message);
    }
  }
  const now = Date.now();
  return (
    <>
      <h1>Sharing agreements</h1>
      <p class="hint">A gallery's owner lets another tenant (or every tenant) search it for some legal bases until a date; a revoked or expired agreement shares nothing.</p>
      {(error || actionError) && <p class="error" role="alert">{error || actionError}</p>}
      {data && (data.sharingAgreements.length === 0 ? <p>No sharing agreements.</p> : (
        <table data-testid="agreements">
          <caption class="hint">Every agreement on the hub, newest first.</caption>
          <thead><tr><th scope="col">Gallery</th><th scope="col">Owner</th><th scope="col">Shared with</th><th scope="col">For</th><th scope="col">Until</th><th scope="col">State</th><th scope="col">Action</th></tr></thead>
          <tbody>
            {[...data.sharingAgreements].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((a) => {
              const state = a.revokedAt ? `revoked ${day(a.revokedAt)}` : Date.parse(a.expiresAt) <= now ? 'expired' : 'in force';
              return (
                <tr>
                  <td>{galleryOf(a.galleryId)}</td><td>{slugOf(a.tenantId)}</td><td>{slugOf(a.granteeTenantId)}</td>
                  <td>{a.legalBases.map(words).join(', ')}</td><td>{day(a.expiresAt)}</td><td>{state}</td>
                  <td>{state === 'in force' && <button type="button" class="secondary" onClick={() => revoke(a)}>Revoke</button>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ))}
      {data && <CreateAgreement data={data} onCreated={reload} />}
    </>
  );
}

function CreateAgreement({ data, onCreated }: { data: SharingQuery; onCreated: () => void }) {
  const [form, setForm] = useState({ galleryId: '', grantee: '', expiresAt: '', bases: [] as string[] });
  const [message, setMessage] = useState({ text: '', error: false });
  async function submit(e: Event) {
    e.preventDefault();
    try {
      const i = { galleryId: form.galleryId, legalBases: form.bases, expiresAt: `${form.expiresAt}T00:00:00Z`, ...(form.grantee ? { granteeTenantSlug: form.grantee } : {}) };
      await gql(/* GraphQL */ `mutation CreateSharingAgreement($i: CreateSharingAgreementInput!) { createSharingAgreement(input: $i) { id } }`, { i });
      setMessage({ text: 'Agreement created.', error: false });
      onCreated();
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }
  const owner = (tenantId: string) => data.tenants.find((t) => t.id === tenantId)?.slug ?? '?';
  return (
    <form onSubmit={submit} aria-labelledby="new-agreement">
      <h2 id="new-agreement">Share a gallery</h2>
      <label for="share-gallery">Gallery</label>
      <select id="share-gallery" required value={form.galleryId} onChange={(e) => setForm({ ...form, galleryId: valueOf(e) })}>
        <option value="">Choose a gallery…</option>
        {data.galleries.map((g) => <option value={g.id}>{owner(g.tenantId)}: {g.name} ({g.templateCount} templates)</option>)}
      </select>
      <label for="share-grantee">Shared with</label>
      <select id="share-grantee" value={form.grantee} onChange={(e) => setForm({ ...form, grantee: valueOf(e) })}>
        <option value="">Every tenant</option>
        {data.tenants.map((t) => <option value={t.slug}>{t.slug}</option>)}
      </select>
      <fieldset>
        <legend>For the legal bases</legend>
        {LEGAL_BASES.map((b) => (
          <label class="check-label"><input type="checkbox" class="check" checked={form.bases.includes(b)} onChange={(e) => setForm({ ...form, bases: e.currentTarget.checked ? [...form.bases, b] : form.bases.filter((x) => x !== b) })} /> {words(b)}</label>
        ))}
      </fieldset>
      <label for="share-until">Until</label>
      <input id="share-until" type="date" required value={form.expiresAt} onInput={(e) => setForm({ ...form, expiresAt: valueOf(e) })} />
      <button type="submit">Share gallery</button>
      {message.text && <p class={message.error ? 'error' : ''} role="status">{message.text}</p>}
    </form>
  );
}
