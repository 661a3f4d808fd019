import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub } from '../support/hub';
import { until } from '../support/until';

// Graceful shutdown: the hub stops taking requests and finishes the searches already in flight.
describe('graceful shutdown', () => {
  it('finishes in-flight searches, then refuses new connections', async () => {
    const t = await startHub();
    let closed = false;
    try {
      await t.createTenant('metro-pd');
      const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
      const image = (await portrait()).toString('base64');
      const search = () =>
        t.gql(analyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'G-1' } });
      let received = 0;
      t.server.on('request', () => received++);
      const inFlight = Array.from({ length: 8 }, search);
      await until('8 requests at the server', async () => received, (n) => n === 8, { everyMs: 2 });
      const closing = t.hub.close().then(() => (closed = true));
      const results = await Promise.all(inFlight);
      for (const r of results) expect(r.data?.searchFaces.status).toBe('COMPLETED');
      await closing;
      await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    } finally {
      if (!closed) await t.hub.close();
    }
  });
});
