import { useState } from 'preact/hooks';
import { gql } from '../api';
import { BulkEnroll } from './bulk-enroll';
import { thisMonth, valueOf } from './location';
import { PrincipalsSection } from './principals';
import { RecordsSection } from './records';
import { QuotasSection } from './tenant-detail';
import { useQuery } from './use-query';
import { AGENCY_ROLES, day } from './vocab';

interface Gallery { id: string; name: string; tenantId: string; templateCount: number; createdAt: string; archivedAt: string | null; templateCounts: { modelVersion: string; templates: number }[] }

/** The agency administrator's page: galleries and bulk enrollment, principals, the quota and this month's use. */
export function AgencyAdminPage() {
  const me = useQuery<{ me: { tenant: { id: string; name: string } } }>('{ me { tenant { id name } } }');
  const { data, error, reload } = useQuery<{ galleries: Gallery[] }>('{ galleries { id name tenantId templateCount createdAt archivedAt templateCounts { modelVersion templates } } }');
  const usage = useQuery<{ usageStatistics: { rows: { searches: number; denials: number }[] } }>('query($from: DateTimeISO!, $to: DateTimeISO!) { usageStatistics(from: $from, to: $to) { rows { searches denials } } }', thisMonth());
  const own = data?.galleries.filter((g) => g.tenantId === me.data?.me.tenant.id) ?? [];
  const shared = data?.galleries.filter((g) => me.data && g.tenantId !== me.data.me.tenant.id) ?? [];
  const [archiveError, setArchiveError] = useState('');
  // archived: not searched, takes no enrollment, until brought back (updateGallery, audited)
  async function archive(g: Gallery, archived: boolean) {
    try {
      await gql('mutation($i: UpdateGalleryInput!) { updateGallery(input: $i) { id } }', { i: { galleryId: g.id, archived } });
      setArchiveError('');
      reload();
    } catch (e) {
      setArchiveError((e as Error).message);
    }
  }
  const month = usage.data?.usageStatistics.rows.reduce((a, r) => ({ searches: a.searches + r.searches, denials: a.denials + r.denials }), { searches: 0, denials: 0 });
  return (
    <>
      <h1>Agency administration</h1>
      {me.data && <p class="hint">{me.data.me.tenant.name}</p>}
      {(error || me.error || archiveError) && <p class="error" role="alert">{error || me.error || archiveError}</p>}
      <section aria-labelledby="galleries">
        <h2 id="galleries">Galleries</h2>
        {data && (own.length === 0 ? <p>No galleries yet.</p> : (
          <table data-testid="galleries">
            <caption class="hint">Your agency's galleries, with their enrolled faces (templates).</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Templates</th><th scope="col">By model version</th><th scope="col">Created</th><th scope="col">Searched</th></tr></thead>
            <tbody>{own.map((g) => (
              <tr>
                <td>{g.name}</td><td data-testid={`templates-${g.name}`}>{g.templateCount}</td><td>{g.templateCounts.map((c) => `${c.modelVersion}: ${c.templates}`).join(', ') || '—'}</td><td>{day(g.createdAt)}</td>
                <td>{g.archivedAt ? `archived ${day(g.archivedAt)} ` : 'yes '}<button type="button" class="secondary" onClick={() => archive(g, !g.archivedAt)}>{g.archivedAt ? `Bring back ${g.name}` : `Archive ${g.name}`}</button></td>
              </tr>
            ))}</tbody>
          </table>
        ))}
        {shared.length > 0 && <p class="hint">Shared with your agency by others: {shared.map((g) => `${g.name} (${g.templateCount})`).join(', ')}.</p>}
        <CreateGallery onCreated={reload} />
      </section>
      {data && <BulkEnroll galleries={own.filter((g) => !g.archivedAt)} onDone={reload} />}
      {own.length > 0 && <RecordsSection galleries={own} onChanged={reload} />}
      <PrincipalsSection slug={null} roles={AGENCY_ROLES} />
      <QuotasSection slug={null} editable={false} />
      {month && <p data-testid="month-usage">This month: {month.searches} searches ran, {month.denials} were denied.</p>}
    </>
  );
}

function CreateGallery({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [message, setMessage] = useState({ text: '', error: false });
  async function submit(e: Event) {
    e.preventDefault();
    try {
      await gql('mutation($i: CreateGalleryInput!) { createGallery(input: $i) { id } }', { i: { name } });
      setMessage({ text: `Created the gallery ${name}.`, error: false });
      setName('');
      onCreated();
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="new-gallery" class="inline">
      <h3 id="new-gallery">Create a gallery</h3>
      <label for="gallery-name">Gallery name</label>
      <input id="gallery-name" required value={name} onInput={(e) => setName(valueOf(e))} />
      <button type="submit">Create gallery</button>
      {message.text && <p class={message.error ? 'error' : ''} role="status">{message.text}</p>}
    </form>
  );
}
