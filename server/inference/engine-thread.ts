import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InferenceError, type InferenceErrorCode } from './errors.js';
import type { AnalyzeOptions, Analysis, FaceAnalyzer, InferenceConfig, InferenceStatus } from './face-engine.js';
import { modelVersionOf, type ModelPackManifest } from './model-pack.js';

type Operation = { op: 'analyze'; image: Uint8Array; options: AnalyzeOptions } | { op: 'embedThroughput'; faces: number } | { op: 'close' };
export type EngineRequest = Operation & { id: number };

export type WireError = { code?: InferenceErrorCode; message: string; details?: Record<string, unknown> };

export type EngineReply =
  | { kind: 'log'; message: string }
  | { kind: 'ready'; manifest: ModelPackManifest; status: InferenceStatus }
  | { kind: 'failed'; error: WireError }
  | { kind: 'result'; id: number; value?: unknown; error?: WireError; status: InferenceStatus };

/** The compiled worker script; under jest (TypeScript sources) dist/ is brought up to date first. */
function workerScript(): string {
  if (__filename.endsWith('.js')) return join(__dirname, 'engine-worker.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(resolve(__dirname, '../cli/build.cjs'));
  const built = resolve(__dirname, '../../dist/server/inference/engine-worker.js');
  if (!existsSync(built)) throw new Error(`the inference worker is not built: ${built}`);
  return built;
}

const revive = (e: WireError) => (e.code ? new InferenceError(e.code, e.message, e.details) : new Error(e.message));

/**
 * The face engine on a thread of its own, with FaceEngine's interface. ONNX Runtime's Node binding
 * runs models synchronously on the thread that calls it (microsoft/onnxruntime#26968): on the event
 * loop, a 2000x1500 photo's detector and recognizer runs would stall every other request for tens of
 * milliseconds each. Here the event loop only posts the photo's bytes and receives the faces.
 */
export class EngineThread implements FaceAnalyzer {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  private lastStatus: InferenceStatus;
  private stopped: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly manifest: ModelPackManifest,
    status: InferenceStatus,
  ) {
    this.lastStatus = status;
    worker.on('message', (r: EngineReply) => {
      if (r.kind !== 'result') return;
      this.lastStatus = r.status;
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (r.error) p?.reject(revive(r.error));
      else p?.resolve(r.value);
    });
    const stop = (why: string) => {
      this.stopped ??= new InferenceError('MODEL_UNAVAILABLE', `The inference thread stopped (${why}). Restart the hub; its log says why.`);
      for (const p of this.pending.values()) p.reject(this.stopped);
      this.pending.clear();
    };
    worker.on('error', (e) => stop(e.message));
    worker.on('exit', (code) => stop(`exit code ${code}`));
  }

  static create(config: InferenceConfig, log: (msg: string) => void = () => {}): Promise<EngineThread> {
    return new Promise((resolveCreate, reject) => {
      const worker = new Worker(workerScript(), { workerData: config });
      const onMessage = (r: EngineReply) => {
        if (r.kind === 'log') log(r.message);
        else if (r.kind === 'ready') {
          worker.off('error', reject);
          resolveCreate(new EngineThread(worker, r.manifest, r.status));
        } else if (r.kind === 'failed') {
          void worker.terminate();
          reject(revive(r.error));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  get modelVersion(): string {
    return modelVersionOf(this.manifest);
  }

  /** As of the latest reply from the thread, plus the photos sent to it and not yet answered. */
  status(): InferenceStatus & { inFlight: number } {
    return { ...this.lastStatus, inFlight: this.pending.size };
  }

  analyze(image: Buffer, options: AnalyzeOptions = {}): Promise<Analysis> {
    // a copy the thread owns: the caller's Buffer may be a slice of a pooled allocation
    const bytes = new Uint8Array(image);
    return this.call({ op: 'analyze', image: bytes, options }, [bytes.buffer]) as Promise<Analysis>;
  }

  embedThroughput(faces: number): Promise<number> {
    return this.call({ op: 'embedThroughput', faces }) as Promise<number>;
  }

  async close(): Promise<void> {
    if (!this.stopped) await this.call({ op: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private call(request: Operation, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolveCall, reject) => {
      this.pending.set(id, { resolve: resolveCall, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }
}
