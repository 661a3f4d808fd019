import { createHash } from 'node:crypto';
import { connect, createServer, type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { unitLength } from '../../inference/embedding';
import { ANALYZE_PATH, THROUGHPUT_PATH } from '../../inference/remote-protocol';
import { Role } from '../../models/enums';
import { bookingPhoto, portrait } from '../support/fixtures';
import { spawnWorker, stop, workerCall, type WorkerProcess } from '../support/inference-worker';
import { hubWorkspace, spawnHub, type HubProcess, type HubWorkspace } from '../support/process';
import { until } from '../support/until';

// The inference tier is not believed blindly. A hub's remote worker here is a small real HTTP/2
// server speaking the worker protocol in front of a real `frhub serve-inference`: it passes every
// call on and, when told to, lies in the analysis it returns (a zero or NaN embedding, a wrong
// dimension, another model's version, another photo's checksum), as a broken or hostile worker would.

const SECRET = 'inference-tier-test-secret-0123456789abcdef';
const SEARCH = `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status modelVersion candidates { subjectRef } } }`;
const ENROLL = `mutation($i: EnrollFaceInput!) { enrollFace(input: $i) { subjectId subjectRef created modelVersion } }`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type WireAnalysis = { image: { sha256: string; bytes: number }; model: { pack: string; version: string; dim: number }; faces: { embedding?: string }[] };
const floats = (b64: string) => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);
const wire = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

/** What a lying worker does to each analysis it passes back. */
const LIES: Record<string, (a: WireAnalysis) => void> = {
  'a zero embedding': (a) => (a.faces[0].embedding = wire(new Float32Array(a.model.dim))),
  'a NaN embedding': (a) => (a.faces[0].embedding = wire(new Float32Array(a.model.dim).fill(NaN))),
  'an embedding of another dimension': (a) => {
    const v = floats(a.faces[0].embedding!).slice(0, a.model.dim / 2);
    const n = Math.hypot(...v);
    a.faces[0].embedding = wire(v.map((x) => x / n));
    a.model.dim = v.length;
  },
  "another pack's model version": (a) => {
    a.model.pack = 'builtin-faceres';
    a.model.version = 'builtin-faceres@9.9.9';
  },
  "another photo's checksum": (a) => (a.image.sha256 = '0'.repeat(64)),
};

/** What the hub's log says of each lie. */
const WHY: Record<string, string> = {
  'a zero embedding': 'its embedding has a zero vector',
  'a NaN embedding': 'its embedding has a value that is not a finite number',
  'an embedding of another dimension': 'it answered for 64 dimensions, the hub.s model has 128',
  "another pack's model version": 'it answered for model builtin-faceres@9\\.9\\.9, the hub runs builtin-dlib@',
  "another photo's checksum": 'it describes other bytes than the photo sent',
};

/** The lying worker: a real HTTP/2 server on loopback, every call passed on to `target`, analyses changed by `lie` while it is set. */
async function lyingWorker(target: string): Promise<{ url: string; lie?: (a: WireAnalysis) => void; close(): Promise<void> }> {
  const upstream: ClientHttp2Session = connect(target);
  upstream.on('error', () => {});
  const server: Http2Server = createServer();
  const state: { url: string; lie?: (a: WireAnalysis) => void; close(): Promise<void> } = {
    url: '',
    close: async () => {
      upstream.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const pass = (h: IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([k]) => !k.startsWith(':') || k === ':method' || k === ':path'));
  server.on('session', (s) => s.on('error', () => {}));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const body: Buffer[] = [];
    stream.on('data', (c: Buffer) => body.push(c));
    stream.on('end', () => {
      const sent = Buffer.concat(body);
      const req = upstream.request(pass(headers), { endStream: sent.length === 0 });
      let status = 0;
      const answer: Buffer[] = [];
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => answer.push(c));
      req.on('error', () => stream.close());
      req.on('end', () => {
        let text = Buffer.concat(answer).toString();
        if (headers[':path'] === ANALYZE_PATH && status === 200 && state.lie) {
          const a = JSON.parse(text) as WireAnalysis;
          state.lie(a);
          text = JSON.stringify(a);
        }
        stream.respond({ ':status': status, 'content-type': 'application/json' });
        stream.end(text);
      });
      if (sent.length) req.end(sent);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

describe('the inference tier is not believed blindly', () => {
  let worker: WorkerProcess;
  let liar: Awaited<ReturnType<typeof lyingWorker>>;
  let ws: HubWorkspace;
  let hub: HubProcess;
  let analyst: string;
  let admin: string;
  let hubAdmin: string;
  let galleryId: string;
  let probe: Buffer;

  beforeAll(async () => {
    worker = await spawnWorker([], { FRHUB_INFERENCE_SECRET: SECRET });
    liar = await lyingWorker(worker.url);
    ws = await hubWorkspace();
    hub = await spawnHub(ws, { FRHUB_INFERENCE_URLS: liar.url, FRHUB_INFERENCE_SECRET: SECRET });
    analyst = await hub.analyst('gate-pd');
    admin = await hub.token('gate-pd', Role.AGENCY_ADMIN);
    hubAdmin = await hub.token('hub', Role.HUB_ADMIN);
    const set = await hub.gql(hubAdmin, `mutation($i: SetQuotaInput!) { setQuota(input: $i) { used } }`, { i: { tenantSlug: 'gate-pd', period: 'MONTH', limit: 100 } });
    expect(set.errors).toBeUndefined();
    galleryId = (await hub.gql(admin, `mutation { createGallery(input: { name: "Bookings" }) { id } }`)).data.createGallery.id;
    const enrolled = await hub.gql(admin, ENROLL, { i: { galleryId, subjectRef: 'BK-1001', imageBase64: (await bookingPhoto('BK-1001')).toString('base64') } });
    expect(enrolled.errors).toBeUndefined();
    probe = await portrait();
  });
  afterAll(async () => {
    await stop(hub);
    await liar?.close();
    await stop(worker);
    await ws?.drop();
  });

  const search = (caseNumber: string) => hub.gql(analyst, SEARCH, { i: { imageBase64: probe.toString('base64'), legalBasis: 'VICTIM_ID', caseNumber } });
  const enroll = async (subjectRef: string, ref = 'BK-1002') => hub.gql(admin, ENROLL, { i: { galleryId, subjectRef, imageBase64: (await bookingPhoto(ref)).toString('base64') } });
  const used = async () => (await hub.gql(hubAdmin, `{ quota(tenantSlug: "gate-pd") { used } }`)).data.quota.used as number;
  const subjects = async () => (await hub.gql(admin, `query($g: ID!) { subjects(galleryId: $g, first: 100) { nodes { subjectRef templateCount } } }`, { g: galleryId })).data.subjects.nodes as { subjectRef: string; templateCount: number }[];
  const templates = async () => (await hub.gql(admin, `query($id: ID!) { gallery(id: $id) { templateCounts { modelVersion templates } } }`, { id: galleryId })).data.gallery.templateCounts;
  const events = async (action: string) =>
    (await hub.gql(hubAdmin, `query($a: String) { auditEvents(action: $a, first: 200) { nodes { outcome reason caseNumber modelVersion probeSha256 details } } }`, { a: action })).data.auditEvents.nodes as {
      outcome: string; reason: string | null; caseNumber: string | null; modelVersion: string | null; probeSha256: string | null; details: Record<string, unknown>;
    }[];

  it('an honest answer is served (the lying worker passes calls on faithfully until told to lie)', async () => {
    const r = await search('GATE-honest');
    expect(r.errors).toBeUndefined();
    expect(r.data.searchFaces.candidates[0].subjectRef).toBe('BK-1001');
  });

  describe.each(Object.keys(LIES))('a worker answering with %s', (lie) => {
    afterEach(() => (liar.lie = undefined));

    it('is MODEL_UNAVAILABLE for a search and an enrollment: nothing stored, nothing charged, each audited FAILED', async () => {
      const [quotaBefore, templatesBefore, subjectsBefore] = [await used(), await templates(), await subjects()];
      liar.lie = LIES[lie];
      const caseNumber = `GATE-${lie.replace(/\W+/g, '-')}`;
      const s = await search(caseNumber);
      expect(s.errors?.[0].extensions.code).toBe('MODEL_UNAVAILABLE');
      expect(s.errors?.[0].message).toMatch(/gave an answer the hub cannot use/);
      const e = await enroll(`BK-${lie.length}`);
      expect(e.errors?.[0].extensions.code).toBe('MODEL_UNAVAILABLE');
      liar.lie = undefined;
      // the operator's log says why (the caller is told only that the engine is unavailable)
      // (the log and the HTTP answer arrive on different pipes: wait for the line, with a deadline)
      await until(`the hub's log line for ${lie}`, async () => hub.output(), (out) => new RegExp(`refused the face engine's answer: ${WHY[lie]}`).test(out));

      expect(await used()).toBe(quotaBefore);
      expect(await templates()).toEqual(templatesBefore);
      expect(await subjects()).toEqual(subjectsBefore);
      const searched = (await events('SEARCH')).filter((x) => x.caseNumber === caseNumber);
      expect(searched).toEqual([expect.objectContaining({ outcome: 'FAILED', reason: 'MODEL_UNAVAILABLE', probeSha256: sha256(probe) })]);
      const enrolled = (await events('ENROLL')).filter((x) => x.details.subjectRef === `BK-${lie.length}`);
      expect(enrolled).toEqual([expect.objectContaining({ outcome: 'FAILED', reason: 'MODEL_UNAVAILABLE' })]);
      // the gallery is searched as before
      expect((await search(`${caseNumber}-after`)).data?.searchFaces.candidates[0].subjectRef).toBe('BK-1001');
    });
  });

  it("records the hub's own checksum of the probe and the hub's model version in the ALLOWED search event", async () => {
    const r = await search('GATE-checksum');
    expect(r.errors).toBeUndefined();
    const [event] = (await events('SEARCH')).filter((x) => x.caseNumber === 'GATE-checksum');
    expect(event).toMatchObject({ outcome: 'ALLOWED', probeSha256: sha256(probe), modelVersion: r.data.searchFaces.modelVersion });
    expect(r.data.searchFaces.modelVersion).toBe((await workerCall(worker.url, '/v1/health', { secret: SECRET })).json.modelVersion);
  });

  it('re-enrolling a photo under another subject reference answers created=false and leaves no empty subject', async () => {
    const first = await enroll('BK-2002', 'BK-1002');
    expect(first.errors).toBeUndefined();
    expect(first.data.enrollFace).toMatchObject({ subjectRef: 'BK-2002', created: true });
    const again = await enroll('BK-9999', 'BK-1002');
    expect(again.errors).toBeUndefined();
    // the photo's subject, as enrolled the first time
    expect(again.data.enrollFace).toMatchObject({ subjectRef: 'BK-2002', subjectId: first.data.enrollFace.subjectId, created: false });
    const refs = (await subjects()).map((s) => s.subjectRef);
    expect(refs).not.toContain('BK-9999');
    expect((await subjects()).every((s) => s.templateCount > 0)).toBe(true);
    // an existing subject enrolled again with the same photo keeps its template
    const same = await enroll('BK-2002', 'BK-1002');
    expect(same.data.enrollFace).toMatchObject({ subjectRef: 'BK-2002', created: false });
    expect((await subjects()).find((s) => s.subjectRef === 'BK-2002')?.templateCount).toBe(1);
  });

  it('anonymous /readyz and /metrics name the workers by index and state, never by address', async () => {
    const ready = await fetch(`${hub.url}/readyz`);
    const body = await ready.text();
    expect(JSON.parse(body)).toMatchObject({ status: 'ready', workers: [{ worker: 0, state: 'up' }] });
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/^frhub_inference_worker_up\{worker="0"\} 1$/m);
    expect(metrics).toMatch(/^frhub_inference_worker_in_flight\{worker="0"\} 0$/m);
    expect(metrics).toMatch(/^frhub_inference_workers\{state="up"\} 1$/m);
    const address = new URL(liar.url).host;
    for (const text of [body, metrics]) {
      expect(text).not.toContain(address);
      expect(text).not.toContain(liar.url);
    }
  });

  it("the worker's embed-throughput bench is capped: a large run is refused with the limit named", async () => {
    const call = (faces: unknown) => workerCall(worker.url, THROUGHPUT_PATH, { secret: SECRET, body: Buffer.from(JSON.stringify({ faces })) });
    for (const faces of [100_000, 513, 0, -1, 1.5, '64', null]) {
      const r = await call(faces);
      expect(r).toEqual({ status: 400, json: { error: { code: 'BAD_REQUEST', message: expect.stringMatching(/from 1 to 512/) } } });
    }
    const ok = await call(8);
    expect(ok.status).toBe(200);
    expect(ok.json.facesPerSecond).toBeGreaterThan(0);
  });
});

describe("the in-process engine's normalisation", () => {
  it('refuses a vector without direction (zero, or not finite) as MODEL_UNAVAILABLE rather than passing it on', () => {
    for (const v of [new Float32Array(128), new Float32Array(128).fill(NaN), new Float32Array([Infinity, 0, 0])]) {
      expect(() => unitLength(v)).toThrow(expect.objectContaining({ code: 'MODEL_UNAVAILABLE' }));
    }
    // a raw output equal to the pack's population mean is zero once centred
    expect(() => unitLength(new Float32Array([0.5, 0.25]), [0.5, 0.25])).toThrow(expect.objectContaining({ code: 'MODEL_UNAVAILABLE' }));
    const v = unitLength(new Float32Array([3, 4]));
    expect(Array.from(v)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
  });
});
