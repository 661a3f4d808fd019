import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InferenceError, type InferenceErrorCode } from './errors.js';
import type { AnalyzeOptions, Analysis, FaceAnalyzer, InferenceConfig, InferenceStatus } from './face-engine.js';
import { modelVersionOf, type ModelPackManifest } from './model-pack.js';

type Operation = { op: 'analyze'; image: Uint8Array; options: AnalyzeOptions } | { op: 'embedThroughput'; faces: number } | { op: 'close' } | { op: 'crash' };
export type EngineRequest = Operation & { id: number };

export type WireError = { code?: InferenceErrorCode; message: string; details?: Record<string, unknown> };

export type EngineReply =
  | { kind: 'log'; message: string }
  | { kind: 'ready'; manifest: ModelPackManifest; status: InferenceStatus }
  | { kind: 'failed'; error: WireError }
  | { kind: 'result'; id: number; value?: unknown; error?: WireError; status: InferenceStatus };

/**
 * The compiled worker script. Run from the TypeScript sources (jest), the thread still needs it
 * compiled: jest's global setup (test/support/global-setup.cjs) brings dist/ up to date first, as
 * every `frhub` command does, so this leaf never reaches for the build tool itself.
 */
function workerScript(): string {
  if (__filename.endsWith('.js')) return join(__dirname, 'engine-worker.js');
  const built = resolve(__dirname, '../dist/inference/engine-worker.js');
  if (!existsSync(built)) throw new Error(`the inference worker is not built: ${built} (npm run build compiles it)`);
  return built;
}

/** Photos (and their encoded bytes) sent to the thread and not yet answered; past either, OVERLOADED. */
export interface InFlightLimits {
  photos: number;
  bytes: number;
}

// each caller gets an error of its own: one caller's error object is marked when its refusal is audited
const fresh = (e: InferenceError) => new InferenceError(e.code, e.message, e.details);

const revive = (e: WireError) => (e.code ? new InferenceError(e.code, e.message, e.details) : new Error(e.message));

/**
 * The face engine on a thread of its own, with FaceEngine's interface. ONNX Runtime's Node binding
 * runs models synchronously on the thread that calls it (microsoft/onnxruntime#26968): on the event
 * loop, a 2000x1500 photo's detector and recognizer runs would stall every other request for tens of
 * milliseconds each. Here the event loop only posts the photo's bytes and receives the faces.
 * Photos are admitted within InFlightLimits before the thread decodes any of them, and a thread that
 * dies is replaced: the calls it held fail with MODEL_UNAVAILABLE, later ones run on the new thread.
 */
export class EngineThread implements FaceAnalyzer {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; bytes: number }>();
  private nextId = 1;
  private inFlightBytes = 0;
  private lastStatus: InferenceStatus;
  /** set while no thread serves: the error every call gets meanwhile */
  private down: InferenceError | undefined;
  private closed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartCount = 0;

  private constructor(
    private worker: Worker,
    readonly manifest: ModelPackManifest,
    status: InferenceStatus,
    private readonly config: InferenceConfig,
    private readonly limits: InFlightLimits,
    private readonly log: (msg: string) => void,
  ) {
    this.lastStatus = status;
    this.attach(worker);
  }

  /** limits: none for the CLI's own batch jobs; the hub passes its configured bounds */
  static async create(config: InferenceConfig, log: (msg: string) => void = () => {}, limits: InFlightLimits = { photos: Infinity, bytes: Infinity }): Promise<EngineThread> {
    const { worker, manifest, status } = await EngineThread.spawn(config, log);
    return new EngineThread(worker, manifest, status, config, limits, log);
  }

  private static spawn(config: InferenceConfig, log: (msg: string) => void): Promise<{ worker: Worker; manifest: ModelPackManifest; status: InferenceStatus }> {
    return new Promise((resolveSpawn, reject) => {
      const worker = new Worker(workerScript(), { workerData: config });
      const onMessage = (r: EngineReply) => {
        if (r.kind === 'log') log(r.message);
        else if (r.kind === 'ready') {
          worker.off('message', onMessage).off('error', reject);
          resolveSpawn({ worker, manifest: r.manifest, status: r.status });
        } else if (r.kind === 'failed') {
          void worker.terminate();
          reject(revive(r.error));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  private attach(worker: Worker): void {
    worker.on('message', (r: EngineReply) => {
      if (r.kind === 'log') return this.log(r.message);
      if (r.kind !== 'result') return;
      this.lastStatus = r.status;
      const p = this.settle(r.id);
      if (r.error) p?.reject(revive(r.error));
      else p?.resolve(r.value);
    });
    worker.on('error', (e) => this.lost(worker, e.message));
    worker.on('exit', (code) => this.lost(worker, `exit code ${code}`));
  }

  /** The thread died: fail what it held, and start another (again and again, backing off, until one starts). */
  private lost(worker: Worker, why: string): void {
    // 'error' is followed by 'exit': one restart per lost thread
    if (worker !== this.worker || this.closed || this.down) return;
    this.down = new InferenceError('MODEL_UNAVAILABLE', `The inference thread stopped (${why}) and is being restarted. Retry in a few seconds.`);
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(fresh(this.down));
    this.log(`inference thread stopped (${why}); restarting it`);
    this.scheduleRestart(0);
  }

  private scheduleRestart(delayMs: number): void {
    if (this.closed || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      EngineThread.spawn(this.config, this.log).then(
        ({ worker, status }) => {
          if (this.closed) return void worker.terminate();
          this.worker = worker;
          this.lastStatus = status;
          this.attach(worker);
          this.down = undefined;
          this.restartCount++;
          this.log('inference thread restarted');
        },
        (e) => {
          this.log(`could not restart the inference thread: ${e instanceof Error ? e.message : e}`);
          this.scheduleRestart(Math.min(Math.max(delayMs * 2, 1000), 30_000));
        },
      );
    }, delayMs).unref();
  }

  private settle(id: number) {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    this.inFlightBytes -= p.bytes;
    return p;
  }

  get modelVersion(): string {
    return modelVersionOf(this.manifest);
  }

  /** As of the latest reply from the thread, plus the photos (and bytes) sent to it and not yet answered. */
  status(): InferenceStatus & { available: boolean; inFlight: number; inFlightBytes: number; restarts: number } {
    return { ...this.lastStatus, available: !this.down, inFlight: this.pending.size, inFlightBytes: this.inFlightBytes, restarts: this.restartCount };
  }

  analyze(image: Buffer, options: AnalyzeOptions = {}): Promise<Analysis> {
    const refusal = this.admit(image.byteLength);
    if (refusal) return Promise.reject(refusal);
    // a copy the thread owns: the caller's Buffer may be a slice of a pooled allocation
    const bytes = new Uint8Array(image);
    return this.call({ op: 'analyze', image: bytes, options }, [bytes.buffer], bytes.byteLength) as Promise<Analysis>;
  }

  /** OVERLOADED past the bounds; a lone photo is always admitted, whatever its size */
  private admit(size: number): InferenceError | undefined {
    const photos = this.pending.size;
    if (photos === 0 || (photos < this.limits.photos && this.inFlightBytes + size <= this.limits.bytes)) return undefined;
    // the hub-wide load is the operator's to see (metrics), not a tenant's
    return new InferenceError('OVERLOADED', 'The face engine is busy with other photos. Retry in a few seconds.');
  }

  /**
   * Ends the thread as a crash would (fault drills and tests): it answers nothing more and exits, and
   * the engine restarts it. It exits once the native calls in hand have returned: a thread terminated
   * inside one aborts the whole process (the addon's callback throws into a torn-down thread). Resolves
   * with its exit code.
   */
  killThread(): Promise<number> {
    const worker = this.worker;
    return new Promise((resolveExit) => {
      worker.once('exit', resolveExit);
      worker.postMessage({ op: 'crash', id: this.nextId++ } satisfies EngineRequest);
    });
  }

  embedThroughput(faces: number): Promise<number> {
    return this.call({ op: 'embedThroughput', faces }) as Promise<number>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!this.down) await this.call({ op: 'close' }).catch(() => undefined);
    const stopped = new InferenceError('MODEL_UNAVAILABLE', 'The face engine has been shut down.');
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(fresh(stopped));
    this.down = stopped;
    await worker.terminate();
  }

  private call(request: Operation, transfer: ArrayBuffer[] = [], bytes = 0): Promise<unknown> {
    if (this.down) return Promise.reject(fresh(this.down));
    const id = this.nextId++;
    return new Promise((resolveCall, reject) => {
      this.pending.set(id, { resolve: resolveCall, reject, bytes });
      this.inFlightBytes += bytes;
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }
}
