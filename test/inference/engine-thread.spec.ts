import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { EngineThread } from '../../inference/engine-thread';
import { DEFAULT_INFERENCE_CONFIG, FaceEngine, type FaceAnalyzer } from '../../inference/face-engine';
import { killInferenceThread } from '../support/engine';
import { portrait } from '../support/fixtures';
import { until } from '../support/until';

const config = { ...DEFAULT_INFERENCE_CONFIG, modelDir: resolve(__dirname, '../../data/models'), provider: 'cpu' as const };

/** The longest stretch, in ms, that a 1 ms timer could not run while `work` ran. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now(), longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(longest, performance.now() - last);
}

describe('the inference thread (EngineThread)', () => {
  let thread: EngineThread;
  let local: FaceEngine;
  let group: Buffer;
  beforeAll(async () => {
    [thread, local] = await Promise.all([EngineThread.create(config), FaceEngine.create(config)]);
    const face = await sharp(await portrait()).resize(200).toBuffer();
    const composite = Array.from({ length: 12 }, (_, i) => ({ input: face, left: 150 + (i % 4) * 450, top: 150 + Math.floor(i / 4) * 450 }));
    group = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#5a6e78' } }).composite(composite).jpeg().toBuffer();
  });
  afterAll(() => Promise.all([thread.close(), local.close()]));

  it('gives the same faces and embeddings as the engine run in this thread', async () => {
    const [a, b] = await Promise.all([thread.analyze(group, { select: 'all' }), local.analyze(group, { select: 'all' })]);
    expect(a.faces).toHaveLength(12);
    expect(a.faces.map((f) => f.box)).toEqual(b.faces.map((f) => f.box));
    a.faces.forEach((f, i) => expect(Math.max(...f.embedding!.map((v, k) => Math.abs(v - b.faces[i].embedding![k])))).toBeLessThan(1e-6));
    expect(thread.modelVersion).toBe(local.modelVersion);
  });

  it('keeps the stable error codes across the thread boundary, and keeps serving', async () => {
    await expect(thread.analyze(Buffer.from('not an image'))).rejects.toMatchObject({ name: 'InferenceError', code: 'UNSUPPORTED_IMAGE' });
    await expect(thread.analyze(group, { select: 'dominant' })).rejects.toMatchObject({ code: 'MULTIPLE_FACES' });
    expect((await thread.analyze(await portrait(), { select: 'dominant' })).faces).toHaveLength(1);
  });

  it('leaves the event loop free while a large photo is analysed (ONNX Runtime blocks the thread that runs it)', async () => {
    const stall = (engine: FaceAnalyzer) => longestStall(() => engine.analyze(group, { select: 'all' }));
    await Promise.all([stall(thread), stall(local)]); // warm both
    const onThisThread = await stall(local);
    const offThread = await stall(thread);
    // the contrast: run here, the recognizer's batch of 12 alone holds the loop for tens of ms
    expect(onThisThread).toBeGreaterThan(20);
    expect(offThread).toBeLessThan(onThisThread / 2);
  });
});

describe('the inference thread under load and failure', () => {
  const settle = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

  it('refuses photos past the in-flight bounds with OVERLOADED before decoding them, and answers the rest', async () => {
    const photo = await portrait();
    const thread = await EngineThread.create(config, undefined, { photos: 3, bytes: Math.floor(photo.length * 2.5) });
    try {
      const flood = Array.from({ length: 12 }, () => thread.analyze(photo, { select: 'dominant' }));
      // past the byte bound first: two photos fit in 2.5 photos' bytes
      expect(thread.status()).toMatchObject({ inFlight: 2, inFlightBytes: photo.length * 2 });
      const outcomes = await Promise.all(flood.map(settle));
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
      expect(outcomes.filter((o) => o === 'OVERLOADED')).toHaveLength(10);
      await expect(flood[11]).rejects.toThrow(/Retry in a few seconds/);
      expect(thread.status()).toMatchObject({ inFlight: 0, inFlightBytes: 0 });
      // and the photo count bound, with small photos
      const small = await sharp(photo).resize(120).jpeg().toBuffer();
      const more = await Promise.all(Array.from({ length: 8 }, () => settle(thread.analyze(small, { select: 'prominent' }))));
      expect(more.filter((o) => o === 'OVERLOADED')).toHaveLength(5);
    } finally {
      await thread.close();
    }
  });

  it('restarts a dead thread: the calls it held get MODEL_UNAVAILABLE, later ones are answered', async () => {
    const thread = await EngineThread.create(config);
    try {
      const photo = await portrait();
      const calls = Array.from({ length: 3 }, () => thread.analyze(photo, { select: 'dominant' }));
      const held = calls.map(settle);
      const errors = calls.map((c) => c.then(() => undefined, (e: unknown) => e));
      await killInferenceThread(thread);
      expect(await Promise.all(held)).toEqual(['MODEL_UNAVAILABLE', 'MODEL_UNAVAILABLE', 'MODEL_UNAVAILABLE']);
      // each caller its own error: marking one as audited must not silence the others' audit events
      expect(new Set(await Promise.all(errors)).size).toBe(3);
      // only promise callbacks have run since the thread was lost: its successor cannot have reported ready
      expect(thread.status()).toMatchObject({ available: false, restarts: 0 });
      // so a call made now fails fast instead of waiting for the new thread
      await expect(thread.analyze(photo)).rejects.toMatchObject({ name: 'InferenceError', code: 'MODEL_UNAVAILABLE', message: expect.stringMatching(/being restarted\. Retry in a few seconds/) });
      await until('a new inference thread', async () => thread.status(), (s) => s.restarts > 0, { everyMs: 100 });
      expect(thread.status()).toMatchObject({ restarts: 1, available: true });
      expect((await thread.analyze(photo, { select: 'dominant' })).faces).toHaveLength(1);
    } finally {
      await thread.close();
    }
  });
});
