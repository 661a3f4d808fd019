import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { InferenceError } from '../../inference/errors.js';
import type { Analysis, AnalyzeOptions } from '../../inference/face-engine.js';
import type { ModelPackManifest } from '../../inference/model-pack.js';
import {
  ANALYZE_PATH, decodeAnalysis, HEALTH_PATH, OPTIONS_HEADER, PROTOCOL_VERSION, revive, SECRET_ENV, THROUGHPUT_PATH,
  type WireAnalysis, type WireFailure, type WorkerHealth,
} from '../../inference/remote-protocol.js';
import type { EngineStatus, HubEngine } from './face-embedder.js';

/** up: takes calls; down: unreachable, refusing the secret, or restarting its thread; draining: shutting down; mismatched: another model version */
export const WORKER_STATES = ['up', 'down', 'draining', 'mismatched'] as const;
export type WorkerLinkState = (typeof WORKER_STATES)[number];

export interface RemoteInferenceOptions {
  secret?: string;
  /** a call without an answer after this long is given up on that worker and tried on another */
  timeoutMs: number;
  healthIntervalMs: number;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

/** The hub cannot start on these workers (unreachable, refusing the secret, or disagreeing on the model). */
export class RemoteInferenceStartError extends Error {}

/** The call got no answer (refused, reset, timed out, stream cancelled): the same call may go to another worker. */
class TransportError extends Error {}

type Answer = { status: number; json: unknown };

const WINDOW = 4 * 1024 * 1024;

/** One worker: an HTTP/2 session (opened again when lost), its state and the calls this hub has on it. */
class WorkerLink {
  state: WorkerLinkState = 'up';
  inFlight = 0;
  inFlightBytes = 0;
  last: WorkerHealth | undefined;
  why = '';
  private session: ClientHttp2Session | undefined;

  constructor(
    readonly url: string,
    private readonly secret: string | undefined,
  ) {}

  private connection(): ClientHttp2Session {
    const live = this.session;
    if (live && !live.closed && !live.destroyed) return live;
    const s = connect(this.url, { settings: { initialWindowSize: WINDOW } });
    // a session's errors reach its streams, where each call handles them
    s.on('error', () => {});
    s.on('goaway', () => this.forget(s));
    s.on('close', () => this.forget(s));
    this.session = s;
    return s;
  }

  private forget(s: ClientHttp2Session): void {
    if (this.session === s) this.session = undefined;
  }

  call(method: 'GET' | 'POST', path: string, timeoutMs: number, body?: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        reject(new TransportError(why));
      };
      let req;
      try {
        req = this.connection().request({ ':method': method, ':path': path, ...(this.secret ? { authorization: `Bearer ${this.secret}` } : {}), ...headers }, { endStream: !body });
      } catch (e) {
        return fail((e as Error).message);
      }
      let status = 0;
      const chunks: Buffer[] = [];
      req.setTimeout(timeoutMs, () => {
        fail(`no answer in ${timeoutMs} ms`);
        req.close(constants.NGHTTP2_CANCEL);
      });
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (settled) return;
        try {
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          settled = true;
          resolve({ status, json });
        } catch {
          fail(`an unreadable answer (HTTP ${status})`);
        }
      });
      req.on('error', (e: Error) => fail(e.message));
      req.on('close', () => fail(`the stream closed without an answer (HTTP/2 code ${req.rstCode})`));
      if (body) req.end(body);
    });
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}

/**
 * The face engine as a set of `frhub serve-inference` workers (FRHUB_INFERENCE_URLS), with the
 * FaceAnalyzer interface the hub uses in process. A call goes to the up worker with the fewest of
 * this hub's calls in flight (round robin among equals); analysing a photo is idempotent, so a call
 * whose worker dies, drains or is full goes to the next one. OVERLOADED when every worker was full,
 * MODEL_UNAVAILABLE when none answered.
 */
export class RemoteInference implements HubEngine {
  private turn = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;

  private constructor(
    private readonly links: WorkerLink[],
    readonly manifest: ModelPackManifest,
    readonly modelVersion: string,
    private readonly opts: RemoteInferenceOptions,
  ) {
    this.timer = setInterval(() => void this.refresh(), opts.healthIntervalMs).unref();
  }

  /** Asks every worker for its health; refuses unless all answer and run one model version. */
  static async connect(urls: string[], opts: RemoteInferenceOptions): Promise<RemoteInference> {
    const links = urls.map((u) => new WorkerLink(u, opts.secret));
    const answers = await Promise.all(links.map((l) => health(l, opts.timeoutMs).then((h) => ({ l, h }), (e: Error) => ({ l, e }))));
    const failed = answers.filter((a): a is { l: WorkerLink; e: Error } => 'e' in a);
    if (failed.length) {
      links.forEach((l) => l.close());
      throw new RemoteInferenceStartError(
        `cannot start: ${failed.map((f) => `inference worker ${f.l.url} ${f.e.message}`).join('; ')}. Start each worker with \`npx frhub serve-inference\` (the same ${SECRET_ENV} on both sides), or correct FRHUB_INFERENCE_URLS.`,
      );
    }
    const ok = answers as { l: WorkerLink; h: WorkerHealth }[];
    const versions = new Set(ok.map((a) => a.h.modelVersion));
    if (versions.size > 1) {
      links.forEach((l) => l.close());
      throw new RemoteInferenceStartError(
        `cannot start: the inference workers run different model versions (${ok.map((a) => `${a.l.url}: ${a.h.modelVersion}`).join(', ')}). Templates are comparable only within one version: run every worker with the same FRHUB_MODEL_PACK.`,
      );
    }
    for (const { l, h } of ok) l.state = see(l, h, h.modelVersion);
    const first = ok[0].h;
    opts.log('info', `remote inference: ${links.length} worker(s) running ${first.modelVersion} on ${[...new Set(ok.map((a) => a.h.provider))].join('/')}: ${urls.join(', ')}`);
    return new RemoteInference(links, first.manifest, first.modelVersion, opts);
  }

  /** Each worker's state and this hub's calls on it (metrics, /readyz). */
  workers(): { url: string; state: WorkerLinkState; inFlight: number; why: string }[] {
    return this.links.map((l) => ({ url: l.url, state: l.state, inFlight: l.inFlight, why: l.why }));
  }

  status(): EngineStatus {
    const up = this.links.filter((l) => l.state === 'up');
    const shown = (up[0] ?? this.links[0]).last!;
    const sum = (f: (h: WorkerHealth) => number) => this.links.reduce((n, l) => n + (l.last ? f(l.last) : 0), 0);
    return {
      pack: shown.pack,
      packVersion: shown.packVersion,
      embeddingDim: shown.embeddingDim,
      detector: shown.detector,
      provider: shown.provider,
      fallbackReason: shown.fallbackReason,
      matchThreshold: shown.matchThreshold,
      queueDepth: sum((h) => h.queueDepth),
      batches: sum((h) => h.batches),
      facesEmbedded: sum((h) => h.facesEmbedded),
      restarts: sum((h) => h.restarts),
      available: up.length > 0,
      inFlight: this.links.reduce((n, l) => n + l.inFlight, 0),
      inFlightBytes: this.links.reduce((n, l) => n + l.inFlightBytes, 0),
    };
  }

  async analyze(image: Buffer, options: AnalyzeOptions = {}): Promise<Analysis> {
    const headers = { 'content-type': 'application/octet-stream', [OPTIONS_HEADER]: JSON.stringify(options) };
    const answer = await this.send(ANALYZE_PATH, image, headers);
    try {
      return decodeAnalysis(answer as WireAnalysis);
    } catch (e) {
      // what the worker's answer means is judged by the hub's gate (face-embedder.ts); one it cannot even read is no answer
      throw new InferenceError('MODEL_UNAVAILABLE', `The face engine is unavailable: an inference worker gave an unreadable answer (${(e as Error).message}). Retry in a few seconds.`);
    }
  }

  async embedThroughput(faces: number): Promise<number> {
    const answer = await this.send(THROUGHPUT_PATH, Buffer.from(JSON.stringify({ faces })), { 'content-type': 'application/json' });
    return (answer as { facesPerSecond: number }).facesPerSecond;
  }

  /** One call, on one worker after another until one answers it (each worker tried at most once). */
  private async send(path: string, body: Buffer, headers: Record<string, string>): Promise<unknown> {
    if (this.closed) throw new InferenceError('MODEL_UNAVAILABLE', 'The face engine has been shut down.');
    const tried = new Set<WorkerLink>();
    let full = false;
    for (let link = this.pick(tried); link; link = this.pick(tried)) {
      tried.add(link);
      if (link.last && link.inFlight >= link.last.maxInFlight) {
        full = true;
        continue;
      }
      link.inFlight++;
      link.inFlightBytes += body.byteLength;
      try {
        const { status, json } = await link.call('POST', path, this.opts.timeoutMs, body, headers);
        if (status === 200) return json;
        const failure = (json as WireFailure).error;
        if (failure.code === 'OVERLOADED') full = true;
        // draining, restarting its thread, or refusing the secret: the health check says when it is back
        else if (failure.code === 'MODEL_UNAVAILABLE' || failure.code === 'UNAUTHENTICATED') this.mark(link, 'down', failure.message);
        // the photo's own verdict (no face, too large, …) is the same on every worker
        else throw revive(failure);
      } catch (e) {
        if (!(e instanceof TransportError)) throw e;
        this.mark(link, 'down', e.message);
      } finally {
        link.inFlight--;
        link.inFlightBytes -= body.byteLength;
      }
    }
    if (full) throw new InferenceError('OVERLOADED', 'Every face engine is busy with other photos. Retry in a few seconds.');
    this.opts.log('error', `no inference worker answered: ${this.links.map((l) => `${l.url} ${l.state}${l.why ? ` (${l.why})` : ''}`).join('; ')}`);
    throw new InferenceError('MODEL_UNAVAILABLE', 'The face engine is unavailable: no inference worker answered. Retry in a few seconds.');
  }

  /** The up worker with the fewest calls in flight (round robin among equals); else a down one, which may be back. */
  private pick(tried: Set<WorkerLink>): WorkerLink | undefined {
    const n = this.links.length;
    const start = this.turn++ % n;
    const order = this.links.map((_, i) => this.links[(start + i) % n]).filter((l) => !tried.has(l));
    const up = order.filter((l) => l.state === 'up');
    if (up.length) return up.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    return order.find((l) => l.state === 'down');
  }

  private mark(link: WorkerLink, state: WorkerLinkState, why: string): void {
    if (link.state !== state) this.opts.log(state === 'up' ? 'info' : 'warn', `inference worker ${link.url} is ${state}${why ? `: ${why}` : ''}`);
    link.state = state;
    link.why = state === 'up' ? '' : why;
  }

  /** Every healthIntervalMs: each worker's state from its health endpoint (a worker back up is used again). */
  async refresh(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      await Promise.all(
        this.links.map(async (l) => {
          try {
            const h = await health(l, Math.min(this.opts.timeoutMs, 5000));
            const state = see(l, h, this.modelVersion);
            const why = state === 'mismatched' ? `it runs ${h.modelVersion}, this hub ${this.modelVersion}` : state === 'down' ? `its inference thread is ${h.status}` : '';
            this.mark(l, state, why);
          } catch (e) {
            this.mark(l, 'down', (e as Error).message);
          }
        }),
      );
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.links.forEach((l) => l.close());
  }
}

/** A worker's health answer, or an error saying why there is none. */
async function health(link: WorkerLink, timeoutMs: number): Promise<WorkerHealth> {
  let answer: Answer;
  try {
    answer = await link.call('GET', HEALTH_PATH, timeoutMs);
  } catch (e) {
    throw new Error(`did not answer (${(e as Error).message})`);
  }
  if (answer.status === 401) throw new Error(`refused this hub's ${SECRET_ENV} (${(answer.json as WireFailure).error.message})`);
  const h = answer.json as WorkerHealth;
  if (h.protocol !== PROTOCOL_VERSION) throw new Error(`speaks protocol ${h.protocol}, this hub ${PROTOCOL_VERSION}: run the same frhub version on both`);
  return h;
}

/** Records a health answer; the state it implies for a hub on `modelVersion`. */
function see(link: WorkerLink, h: WorkerHealth, modelVersion: string): WorkerLinkState {
  link.last = h;
  if (h.modelVersion !== modelVersion) return 'mismatched';
  return h.status === 'ready' ? 'up' : h.status === 'draining' ? 'draining' : 'down';
}
