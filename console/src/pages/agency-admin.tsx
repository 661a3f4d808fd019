import { useState } from 'preact/hooks';
import { gql } from '../api';
import { BulkEnroll } from './bulk-enroll';
import { thisMonth, valueOf } from './location';
import { PrincipalsSection } from './principals';
import { RecordsSection } from './records';
import { QuotasSection } from './tenant-detail';
import { useQuery } from './use-query';
import { AGENCY_ROLES, day } from './vocab';
import type { GalleriesQuery, MonthUsageQuery, OwnTenantQuery } from '../graphql.generated';

type Gallery = GalleriesQuery['galleries'][number];

const OWN_TENANT = /* GraphQL */ `query OwnTenant { me { tenant { id name } } }`;

/** The agency administrator's page: galleries and bulk enrollment, principals, the quota and this month's use. */
export function AgencyAdminPage() {
  const me = useQuery<OwnTenantQuery>(OWN_TENANT);
  const usage = useQuery<MonthUsageQuery>(/* GraphQL */ `query MonthUsage($from: DateTimeISO!, $to: DateTimeISO!) { usageStatistics(from: $from, to: $to) { rows { searches denials } } }`, thisMonth());
  const month = usage.data?.usageStatistics.rows.reduce((a, r) => ({ searches: a.searches + r.searches, denials: a.denials + r.denials }), { searches: 0, denials: 0 });
  return (
    <>
      <h1>Agency administration</h1>
      {me.data && <p class="hint">{me.data.me.tenant.name}</p>}
      {me.error && <p class="error" role="alert">{me.error}</p>}
      <GalleriesSection tenantId={me.data?.me.tenant.id} whose="Your agency's" others="Shared with your agency by others" />
      <PrincipalsSection slug={null} roles={AGENCY_ROLES} />
      <QuotasSection slug={null} editable={false} />
      {month && <p data-testid="month-usage">This month: {month.searches} searches ran, {month.denials} were denied.</p>}
    </>
  );
}

/** The operator's own galleries (booking photos the agencies search): create, enroll, see what each holds. */
export function OperatorGalleriesPage() {
  const me = useQuery<OwnTenantQuery>(OWN_TENANT);
  return (
    <>
      <h1>Galleries</h1>
      {me.data && <p class="hint">{me.data.me.tenant.name}: the galleries the operator keeps and shares with agencies (Sharing).</p>}
      {me.error && <p class="error" role="alert">{me.error}</p>}
      <GalleriesSection tenantId={me.data?.me.tenant.id} whose="The operator's" others="Agencies' own galleries" />
    </>
  );
}

/** One tenant's galleries with their templates, the others it sees, a form to create one, and bulk enrollment. */
function GalleriesSection({ tenantId, whose, others }: { tenantId: string | undefined; whose: string; others: string }) {
  const { data, error, reload } = useQuery<GalleriesQuery>(/* GraphQL */ `query Galleries { galleries { id name tenantId templateCount createdAt archivedAt templateCounts { modelVersion templates } } }`);
  const own = data?.galleries.filter((g) => g.tenantId === tenantId) ?? [];
  const shared = data?.galleries.filter((g) => tenantId && g.tenantId !== tenantId) ?? [];
  const [archiveError, setArchiveError] = useState('');
  // archived: not searched, takes no enrollment, until brought back (updateGallery, audited)
  async function archive(g: Gallery, archived: boolean) {
    try {
      await gql(/* GraphQL */ `mutation UpdateGallery($i: UpdateGalleryInput!) { updateGallery(input: $i) { id } }`, { i: { galleryId: g.id, archived } });
      setArchiveError('');
      reload();
    } catch (e) {
      setArchiveError((e as Error).message);
    }
  }
  return (
    <>
      <section aria-labelledby="galleries">
        <h2 id="galleries">Galleries</h2>
        {error && <p class="error" role="alert">{error}</p>}
        {data && (own.length === 0 ? <p>No galleries yet.</p> : (
          <table data-testid="galleries">
            <caption class="hint">{whose} galleries, with their enrolled faces (templates).</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Templates</th><th scope="col">By model version</th><th scope="col">Created</th><th scope="col">Searched</th></tr></thead>
            <tbody>{own.map((g) => (
              <tr>
                <td>{g.name}</td><td data-testid={`templates-${g.name}`}>{g.templateCount}</td><td>{g.templateCounts.map((c) => `${c.modelVersion}: ${c.templates}`).join(', ') || '—'}</td><td>{day(g.createdAt)}</td>
                <td>{g.archivedAt ? `archived ${day(g.archivedAt)} ` : 'yes '}<button type="button" class="secondary" onClick={() => archive(g, !g.archivedAt)}>{g.archivedAt ? `Bring back ${g.name}` : `Archive ${g.name}`}</button></td>
              </tr>
            ))}</tbody>
          </table>
        ))}
        {shared.length > 0 && <p class="hint">{others}: {shared.map((g) => `${g.name} (${g.templateCount})`).join(', ')}.</p>}
        <CreateGallery onCreated={reload} />
      </section>
      {archiveError && <p class="error" role="alert">{archiveError}</p>}
      {data && <BulkEnroll galleries={own.filter((g) => !g.archivedAt)} onDone={reload} />}
      {own.length > 0 && <RecordsSection galleries={own} onChanged={reload} />}
    </>
  );
}

function CreateGallery({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [message, setMessage] = useState({ text: '', error: false });
  async function submit(e: Event) {
    e.preventDefault();
    try {
      await gql(/* GraphQL */ `mutation CreateGallery($i: CreateGalleryInput!) { createGallery(input: $i) { id } }`, { i: { name } });
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
