import { parentPort, workerData } from 'node:worker_threads';
import { InferenceError } from './errors.js';
import { FaceEngine, type InferenceConfig } from './face-engine.js';
import type { EngineReply, EngineRequest, WireError } from './engine-thread.js';

// The inference thread: one FaceEngine, driven by messages from EngineThread, so that decoding and the
// models run here, not on the event loop that serves HTTP.
const port = parentPort!;
const reply = (r: EngineReply, transfer: ArrayBuffer[] = []) => port.postMessage(r, transfer);

FaceEngine.create(workerData as InferenceConfig, (message) => reply({ kind: 'log', message }))
  .then((engine) => {
    reply({ kind: 'ready', manifest: engine.manifest, status: engine.status() });
    // the calls under way: a crash (fault drills) waits for their native work before the thread ends
    const underWay = new Set<Promise<unknown>>();
    let crashing = false;
    port.on('message', async (m: EngineRequest) => {
      if (crashing) return;
      if (m.op === 'crash') {
        crashing = true;
        await Promise.allSettled(underWay);
        process.exit(70); // in a worker thread, ends this thread only
      }
      try {
        if (m.op === 'close') {
          await engine.close();
          reply({ kind: 'result', id: m.id, value: null, status: engine.status() });
          port.close();
          return;
        }
        const work = m.op === 'analyze' ? engine.analyze(Buffer.from(m.image.buffer, m.image.byteOffset, m.image.byteLength), m.options) : engine.embedThroughput(m.faces);
        underWay.add(work);
        const value = await work.finally(() => underWay.delete(work));
        if (!crashing) reply({ kind: 'result', id: m.id, value, status: engine.status() });
      } catch (e) {
        if (!crashing) reply({ kind: 'result', id: m.id, error: serialize(e), status: engine.status() });
      }
    });
  })
  .catch((e) => reply({ kind: 'failed', error: serialize(e) }));

function serialize(e: unknown): WireError {
  if (e instanceof InferenceError) return { code: e.code, message: e.message, details: e.details };
  return { message: e instanceof Error ? e.message : String(e) };
}
