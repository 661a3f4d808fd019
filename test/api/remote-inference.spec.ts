import sharp from 'sharp';
import { Role } from '../../models/enums';
import { loadConfig } from '../../server/config';
import { BOOKING_FACES, bookingPhoto, portrait } from '../support/fixtures';
import { spawnWorker as spawnRealWorker, stop, workerCall, type WorkerProcess } from '../support/inference-worker';
import { hubWorkspace, spawnHub, type HubProcess, type HubWorkspace } from '../support/process';
import { until } from '../support/until';

// A hub whose face engine is two `frhub serve-inference` processes (FRHUB_INFERENCE_URLS), every part
// real: the workers load the models, the hub speaks HTTP/2 to them, a worker is killed with SIGKILL.
const SECRET = 'remote-inference-test-secret-0123456789';

/** A real `frhub serve-inference` with the hub's secret unless env says otherwise. */
const spawnWorker = (args: string[] = [], env: Record<string, string> = { FRHUB_INFERENCE_SECRET: SECRET }) => spawnRealWorker(args, env);

const health = async (w: WorkerProcess) => (await workerCall(w.url, '/v1/health', { secret: SECRET })).json;

/** `name{label="value"} n` lines of the hub's /metrics */
async function labelled(url: string, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(new RegExp(`^${name}\\{\\w+="([^"]+)"\\} (\\S+)$`, 'gm'))].map(([, label, v]) => [label, Number(v)]));
}

/** waits until the hub's metrics show the worker states wanted */
const untilStates = (url: () => string, wanted: Record<string, number>) =>
  until(`inference workers ${JSON.stringify(wanted)}`, () => labelled(url(), 'frhub_inference_workers'), (states) => Object.entries(wanted).every(([k, v]) => states[k] === v), { everyMs: 50 });

/** waits until the hub has calls of a burst at this worker (named in /metrics by its index in FRHUB_INFERENCE_URLS) */
const untilWorkerHolds = (hubUrl: string, worker: number) =>
  until(`calls at worker ${worker}`, () => labelled(hubUrl, 'frhub_inference_worker_in_flight'), (inFlight) => inFlight[String(worker)] > 0, { everyMs: 5 });

const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status modelVersion candidates { subjectRef score } } }`;
const ENROLL = `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { subjectRef created } }`;
const PEOPLE = BOOKING_FACES;
const crop = async (ref: string) => (await bookingPhoto(ref)).toString('base64');

describe('FRHUB_INFERENCE_URLS', () => {
  it('takes comma-separated http://host:port URLs, and refuses anything else with the variable named', () => {
    expect(loadConfig({ FRHUB_INFERENCE_URLS: ' http://10.0.0.5:4100, http://[::1]:4101/ ' }).remoteInference.urls).toEqual(['http://10.0.0.5:4100', 'http://[::1]:4101']);
    expect(loadConfig({}).remoteInference.urls).toEqual([]);
    for (const bad of ['10.0.0.5:4100x', 'https://10.0.0.5:4100', 'http://10.0.0.5', 'not a url']) {
      expect(() => loadConfig({ FRHUB_INFERENCE_URLS: bad })).toThrow(/^FRHUB_INFERENCE_URLS: /);
    }
  });
});

describe('remote inference: a hub and two `frhub serve-inference` workers', () => {
  const workers: WorkerProcess[] = [];
  let ws: HubWorkspace;
  let hub: HubProcess | undefined;
  let analyst: string;
  let probe: string;

  beforeAll(async () => {
    workers.push(await spawnWorker(), await spawnWorker());
    ws = await hubWorkspace();
    probe = (await portrait()).toString('base64');
  });
  afterAll(async () => {
    await stop(hub);
    for (const w of workers) await stop(w);
    await ws?.drop();
  });

  const search = (caseNumber: string, image = probe) => hub!.gql(analyst, SEARCH, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber } });
  const untilWorkers = (wanted: Record<string, number>) => untilStates(() => hub!.url, wanted);
  const served = async () => Promise.all(workers.slice(0, 2).map(async (w) => (await health(w)).served as number));

  describe('the worker', () => {
    it('reports its pack, model version, provider and load on /v1/health, and refuses a call without the secret', async () => {
      expect(await health(workers[0])).toMatchObject({ status: 'ready', protocol: 1, pack: 'builtin-dlib', modelVersion: expect.stringMatching(/^builtin-dlib@/), provider: 'cpu', inFlight: 0, maxInFlight: 32 });
      const anonymous = await workerCall(workers[0].url, '/v1/health');
      expect(anonymous).toEqual({ status: 401, json: { error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/FRHUB_INFERENCE_SECRET/) } } });
      const wrong = await workerCall(workers[0].url, '/v1/analyze', { secret: 'not-it', body: Buffer.from('x') });
      expect(wrong.status).toBe(401);
      const huge = await workerCall(workers[0].url, '/v1/analyze', { secret: SECRET, body: Buffer.alloc(21 * 1024 * 1024, 1) });
      expect(huge).toMatchObject({ status: 413, json: { error: { code: 'IMAGE_TOO_LARGE' } } });
    });

    it('refuses to listen beyond loopback without FRHUB_INFERENCE_SECRET', async () => {
      const refused = await spawnWorker(['--host', '0.0.0.0'], {}).then(() => undefined, (e: Error & { code: number }) => e);
      expect(refused?.code).toBe(78);
      expect(refused?.message).toMatch(/refusing to listen on 0\.0\.0\.0 without FRHUB_INFERENCE_SECRET/);
      const guessable = await spawnWorker([], { FRHUB_INFERENCE_SECRET: 'letmein' }).then(() => undefined, (e: Error & { code: number }) => e);
      expect(guessable?.code).toBe(78);
      expect(guessable?.message).toMatch(/FRHUB_INFERENCE_SECRET is 7 characters: use at least 32/);
    });
  });

  describe('the hub refuses to start', () => {
    it('when a worker runs another model pack, naming both versions', async () => {
      const other = await spawnWorker(['--pack', 'builtin-faceres']);
      try {
        const refusal = await spawnHub(ws, { FRHUB_INFERENCE_URLS: `${workers[0].url},${other.url}`, FRHUB_INFERENCE_SECRET: SECRET }).then(
          async (h) => {
            await stop(h);
            return 'started';
          },
          (e: Error) => e.message,
        );
        expect(refusal).toMatch(/the inference workers run different model versions/);
        expect(refusal).toContain(`${other.url}: builtin-faceres@`);
        expect(refusal).toContain(`${workers[0].url}: builtin-dlib@`);
      } finally {
        await stop(other);
      }
    });

    it("when a worker refuses the hub's secret, or does not answer", async () => {
      const wrong = await spawnHub(ws, { FRHUB_INFERENCE_URLS: workers[0].url, FRHUB_INFERENCE_SECRET: 'not-it' }).then(() => 'started', (e: Error) => e.message);
      expect(wrong).toMatch(new RegExp(`inference worker ${workers[0].url} refused this hub's FRHUB_INFERENCE_SECRET`));
      const gone = await spawnHub(ws, { FRHUB_INFERENCE_URLS: `${workers[0].url},http://127.0.0.1:1`, FRHUB_INFERENCE_SECRET: SECRET }).then(() => 'started', (e: Error) => e.message);
      expect(gone).toMatch(/inference worker http:\/\/127\.0\.0\.1:1 did not answer .*ECONNREFUSED/);
    });
  });

  describe('serving through the workers', () => {
    beforeAll(async () => {
      hub = await spawnHub(ws, { FRHUB_INFERENCE_URLS: workers.map((w) => w.url).join(','), FRHUB_INFERENCE_SECRET: SECRET, FRHUB_INFERENCE_HEALTH_MS: '200' });
      analyst = await hub.analyst('metro-pd');
    });

    it('enrolls and searches through both workers', async () => {
      const admin = await hub!.token('metro-pd', Role.AGENCY_ADMIN);
      const galleryId = (await hub!.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
      const before = await served();
      for (const ref of Object.keys(PEOPLE)) {
        const r = await hub!.gql(admin, ENROLL, { i: { galleryId, subjectRef: ref, imageBase64: await crop(ref) } });
        expect(r.errors).toBeUndefined();
        expect(r.data.enrollFace).toEqual({ subjectRef: ref, created: true });
      }
      // enrollment's kept crops come over the wire whole (a JPEG per face)
      const counts = await hub!.gql(admin, `query($id: ID!) { gallery(id: $id) { templateCounts { templates withCrop } } }`, { id: galleryId });
      expect(counts.data.gallery.templateCounts).toEqual([{ templates: 3, withCrop: 3 }]);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => search(`RI-${i}`)));
      for (const r of results) {
        expect(r.errors).toBeUndefined();
        expect(r.data.searchFaces.status).toBe('COMPLETED');
        expect(r.data.searchFaces.candidates[0].subjectRef).toBe('BK-1001');
      }
      expect(results[0].data.searchFaces.modelVersion).toBe((await health(workers[0])).modelVersion);
      const after = await served();
      // 11 photos in all; each worker took some of them
      expect(after[0] - before[0] + after[1] - before[1]).toBe(11);
      expect(after[0] - before[0]).toBeGreaterThan(0);
      expect(after[1] - before[1]).toBeGreaterThan(0);
      expect(await labelled(hub!.url, 'frhub_inference_workers')).toEqual({ up: 2, down: 0, draining: 0, mismatched: 0 });
      const ready = await fetch(`${hub!.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', inference: 'cpu', workers: workers.map((_, worker) => ({ worker, state: 'up' })) });
    });

    it("carries the engine's error codes: a photo without a face is NO_FACE_FOUND, a file that is not an image UNSUPPORTED_IMAGE", async () => {
      const blank = (await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 120, g: 140, b: 160 } } }).jpeg().toBuffer()).toString('base64');
      const noFace = await search('RI-blank', blank);
      expect(noFace.errors?.[0].extensions.code).toBe('NO_FACE_FOUND');
      expect(noFace.errors?.[0].message).toMatch(/No face was found/);
      const notImage = await search('RI-text', Buffer.from('this is not a photo').toString('base64'));
      expect(notImage.errors?.[0].extensions.code).toBe('UNSUPPORTED_IMAGE');
    });

    it('a worker killed (SIGKILL) mid-burst: every search is answered on the other, and each has its audit event', async () => {
      const burst = Array.from({ length: 24 }, () => search('RI-burst'));
      // kill once the first worker holds calls of this burst
      await untilWorkerHolds(hub!.url, 0);
      workers[0].child.kill('SIGKILL');
      expect((await workers[0].exited).signal).toBe('SIGKILL');
      const results = await Promise.all(burst);
      expect(results.map((r) => r.errors?.[0].extensions.code ?? r.data.searchFaces.status)).toEqual(Array(24).fill('COMPLETED'));
      expect(hub!.output()).toMatch(new RegExp(`inference worker ${workers[0].url} is down`));

      const admin = await hub!.token('hub', Role.HUB_ADMIN);
      const events = (await hub!.gql(admin, `{ auditEvents(action: "SEARCH", first: 100) { nodes { caseNumber outcome details } } }`)).data.auditEvents.nodes as { caseNumber: string; outcome: string; details: { searchId?: string } }[];
      const audited = events.filter((e) => e.caseNumber === 'RI-burst' && e.outcome === 'ALLOWED').map((e) => e.details.searchId).sort();
      expect(audited).toEqual(results.map((r) => r.data.searchFaces.id).sort());
      expect(await labelled(hub!.url, 'frhub_inference_workers')).toMatchObject({ up: 1, down: 1 });
    });

    it('both workers gone: searches get MODEL_UNAVAILABLE, the hub keeps serving and says it is not ready; workers back are used again', async () => {
      const usedBefore = (await hub!.gql(analyst, `{ quota { used } }`)).data.quota.used;
      workers[1].child.kill('SIGKILL');
      await workers[1].exited;
      const r = await search('RI-down');
      expect(r.errors?.[0].extensions.code).toBe('MODEL_UNAVAILABLE');
      expect(r.errors?.[0].message).toMatch(/no inference worker answered/);
      expect((await fetch(`${hub!.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${hub!.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { workers: { state: string }[] }).workers.map((w) => w.state)).toEqual(['down', 'down']);
      // nothing charged for it, and the attempt is in the audit chain as FAILED with its reason
      const quota = await hub!.gql(analyst, `{ quota { used } }`);
      expect(quota.errors).toBeUndefined();
      expect(quota.data.quota.used).toBe(usedBefore);
      const admin = await hub!.token('hub', Role.HUB_ADMIN);
      const events = (await hub!.gql(admin, `{ auditEvents(action: "SEARCH", first: 100) { nodes { caseNumber outcome reason } } }`)).data.auditEvents.nodes as { caseNumber: string; outcome: string; reason: string }[];
      expect(events.filter((e) => e.caseNumber === 'RI-down')).toEqual([{ caseNumber: 'RI-down', outcome: 'FAILED', reason: 'MODEL_UNAVAILABLE' }]);

      // the same addresses again: the hub's health check finds them and sends work there
      const again = await Promise.all(workers.map((w) => spawnWorker(['--port', new URL(w.url).port])));
      workers.splice(0, 2, ...again);
      await untilWorkers({ up: 2 });
      expect((await search('RI-back')).data?.searchFaces.status).toBe('COMPLETED');
    });

    it('a worker drains on SIGTERM: it finishes what it holds and exits 0, and the hub sends the rest to the other', async () => {
      const burst = Array.from({ length: 12 }, () => search('RI-drain'));
      await untilWorkerHolds(hub!.url, 1);
      workers[1].child.kill('SIGTERM');
      expect(await workers[1].exited).toEqual({ code: 0, signal: null });
      expect(workers[1].output()).toMatch(/SIGTERM: finishing the calls in flight/);
      expect((await Promise.all(burst)).map((r) => r.errors?.[0].extensions.code ?? r.data.searchFaces.status)).toEqual(Array(12).fill('COMPLETED'));
      await untilWorkers({ up: 1 });
      expect((await search('RI-after-drain')).data?.searchFaces.status).toBe('COMPLETED');
    });
  });

  describe('when every worker is full', () => {
    let small: WorkerProcess | undefined;
    let hub2: HubProcess | undefined;
    let ws2: HubWorkspace | undefined;
    afterAll(async () => {
      await stop(hub2);
      await stop(small);
      await ws2?.drop();
    });

    it('searches past the workers\' bound get OVERLOADED, the rest complete, and only those are charged', async () => {
      small = await spawnWorker(['--max-in-flight', '1']);
      ws2 = await hubWorkspace();
      hub2 = await spawnHub(ws2, { FRHUB_INFERENCE_URLS: small.url, FRHUB_INFERENCE_SECRET: SECRET });
      const analyst2 = await hub2.analyst('metro-pd');
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const r = await hub2!.gql(analyst2, SEARCH, { i: { imageBase64: probe, legalBasis: 'VICTIM_ID', caseNumber: 'RI-full' } });
          return r.errors?.[0].extensions.code ?? r.data.searchFaces.status;
        }),
      );
      expect(outcomes.filter((o) => o === 'OVERLOADED').length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o !== 'OVERLOADED').every((o) => o === 'COMPLETED')).toBe(true);
      expect((await hub2.gql(analyst2, `{ quota { used } }`)).data.quota.used).toBe(outcomes.filter((o) => o === 'COMPLETED').length);
    });
  });
});
