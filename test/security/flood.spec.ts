import { Role } from '../../models/enums';
import { killInferenceThread, movablePack, type MovablePack } from '../support/engine';
import { portrait } from '../support/fixtures';
import { startHub, type TestHub } from '../support/hub';
import { until } from '../support/until';

// A flood of photos is refused before any of them is decoded: past FRHUB_INFLIGHT_PHOTOS a search
// gets OVERLOADED at once (and spends no quota), the rest are answered, and the hub keeps serving.
// A dead inference thread fails the searches it held with MODEL_UNAVAILABLE and comes back, once a
// thread of its replacement can load the model pack.
describe('a flood of searches, and a dead inference thread', () => {
  let t: TestHub;
  let analyst: string;
  let image: string;
  let pack: MovablePack;
  const search = () =>
    t.gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'F-1' } })
      .then((r) => r.errors?.[0].extensions.code ?? r.data?.searchFaces.status);
  const used = async () => (await t.gql(analyst, '{ quota { used } }')).data.quota.used as number;
  beforeAll(async () => {
    pack = movablePack();
    t = await startHub({ FRHUB_INFLIGHT_PHOTOS: '2', FRHUB_MODEL_PACK: pack.dir });
    await t.createTenant('metro-pd');
    analyst = (await t.principal('metro-pd', Role.AGENCY_ANALYST)).token;
    image = (await portrait()).toString('base64');
  });
  afterAll(async () => {
    await t?.close();
    pack?.remove();
  });

  it('gets OVERLOADED past the in-flight bound, answers the rest, and none hangs', async () => {
    const before = await used();
    // the thread held at its bound by two jobs of the hub's own, each sent again as it ends (in the same
    // turn of the event loop, so no search sees a free place): every search is refused at once, spends
    // no quota, and none waits for the thread
    let holding = true;
    const hold = async () => {
      while (holding) await t.hub.engine.embedThroughput(20);
    };
    const busy = [hold(), hold()];
    expect(t.hub.engine.status().inFlight).toBe(2);
    const refused = await Promise.all(Array.from({ length: 6 }, search));
    expect(t.hub.engine.status().inFlight).toBe(2);
    holding = false;
    expect(refused).toEqual(Array(6).fill('OVERLOADED'));
    expect(await used()).toBe(before);
    await Promise.all(busy);
    // a free thread and a flood: each search is answered or refused, and only the answered ones count
    const outcomes = await Promise.all(Array.from({ length: 12 }, search));
    expect(outcomes.filter((o) => o !== 'OVERLOADED').every((o) => o === 'COMPLETED')).toBe(true);
    expect(outcomes).toContain('COMPLETED');
    expect((await used()) - before).toBe(outcomes.filter((o) => o === 'COMPLETED').length);
    expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/^frhub_inference_queue_depth 0$/m);
  });

  it('a dead inference thread: searches it held get MODEL_UNAVAILABLE, /readyz says so until a new thread is up, then it is back', async () => {
    const metrics = async () => (await fetch(`${t.url}/metrics`)).text();
    const held = search();
    await until('the search at the inference thread', async () => t.hub.engine.status().inFlight, (n) => n > 0, { everyMs: 2 });
    // the pack gone, no new thread can start: the hub stays down, whatever the timing
    pack.hide();
    await killInferenceThread(t.hub.engine);
    expect(await held).toBe('MODEL_UNAVAILABLE');
    const down = await fetch(`${t.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', inference: 'restarting' });
    const before = await used();
    expect(await search()).toBe('MODEL_UNAVAILABLE');
    expect(await used()).toBe(before);
    expect(await metrics()).toMatch(/^frhub_inference_thread_restarts 0$/m);
    // the pack back: the next try (backing off 1 s, 2 s, 4 s …) starts a thread
    pack.restore();
    await until('/readyz 200', async () => (await fetch(`${t.url}/readyz`)).status, (status) => status === 200, { everyMs: 100 });
    expect(await search()).toBe('COMPLETED');
    expect(await metrics()).toMatch(/^frhub_inference_thread_restarts 1$/m);
  });
});
