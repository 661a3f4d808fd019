import { Role } from '../../models/enums';
import { portrait } from '../support/fixtures';
import { startHub } from '../support/hub';

// A flood of photos is refused before any of them is decoded: past FRHUB_INFLIGHT_PHOTOS a search
// gets OVERLOADED at once (and spends no quota), the rest are answered, and the hub keeps serving.
describe('a flood of searches', () => {
  it('gets OVERLOADED past the in-flight bound, answers the rest, and none hangs', async () => {
    const t = await startHub({ FRHUB_INFLIGHT_PHOTOS: '2' });
    try {
      await t.createTenant('metro-pd');
      const analyst = await t.principal('metro-pd', Role.AGENCY_ANALYST);
      const image = (await portrait()).toString('base64');
      const search = () =>
        t.gql(analyst.token, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'F-1' } });
      const outcomes = (await Promise.all(Array.from({ length: 12 }, search))).map((r) => r.errors?.[0].extensions.code ?? r.data?.searchFaces.status);
      expect(outcomes.filter((o) => o === 'OVERLOADED').length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o !== 'OVERLOADED').every((o) => o === 'COMPLETED')).toBe(true);
      const used = (await t.gql(analyst.token, '{ quota { used } }')).data.quota.used;
      expect(used).toBe(outcomes.filter((o) => o === 'COMPLETED').length);
      expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/^frhub_inference_queue_depth 0$/m);
    } finally {
      await t.close();
    }
  });
});
