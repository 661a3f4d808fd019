import { createServer, constants, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EngineThread, type InFlightLimits } from './engine-thread.js';
import { InferenceError } from './errors.js';
import type { InferenceConfig } from './face-engine.js';
import {
  ANALYZE_PATH, authorized, encodeAnalysis, failureOf, HEALTH_PATH, httpStatusOf, isLoopback, OPTIONS_HEADER, parseOptions, PROTOCOL_VERSION, SECRET_ENV, THROUGHPUT_PATH,
  type WireFailure, type WorkerHealth,
} from './remote-protocol.js';

export interface InferenceServerOptions {
  host: string;
  port: number;
  inference: InferenceConfig;
  /** photos being analysed at once before OVERLOADED (the engine thread's bound) */
  inFlight: InFlightLimits;
  /** when set, every call must carry `authorization: Bearer <secret>` */
  secret?: string;
  log?: (msg: string) => void;
}

export interface InferenceServer {
  /** where this machine reaches it, e.g. http://127.0.0.1:4100 */
  url: string;
  address: string;
  engine: EngineThread;
  health(): WorkerHealth;
  /** stops taking calls (GOAWAY), lets those in flight finish (up to graceMs), then ends the engine */
  close(graceMs?: number): Promise<void>;
}

const WINDOW = 4 * 1024 * 1024;

/** Refuses to serve faces to the whole network unauthenticated: off loopback, a secret is required. */
export class InferenceServerConfigError extends Error {}

/**
 * `frhub serve-inference`: one EngineThread (micro-batched, bounded in flight, restarted when it
 * dies) behind an HTTP/2 endpoint. Photo in, Analysis or a stable error code out.
 */
/** A shared secret shorter than this is refused: it is all that stands between the network and the engine. */
export const MIN_SECRET_LENGTH = 32;
/** The most faces one POST /v1/embed-throughput may ask for (what `frhub bench inference` sends). */
export const MAX_THROUGHPUT_FACES = 512;

export async function startInferenceServer(o: InferenceServerOptions): Promise<InferenceServer> {
  if (o.secret !== undefined && o.secret.length < MIN_SECRET_LENGTH) {
    throw new InferenceServerConfigError(`${SECRET_ENV} is ${o.secret.length} characters: use at least ${MIN_SECRET_LENGTH} random ones (e.g. openssl rand -hex 32), the same on the hub.`);
  }
  if (!o.secret && !isLoopback(o.host)) {
    throw new InferenceServerConfigError(`refusing to listen on ${o.host} without ${SECRET_ENV}: any host that reaches it could send photos. Set ${SECRET_ENV} (the same on the hub), or listen on 127.0.0.1.`);
  }
  const log = o.log ?? (() => {});
  const engine = await EngineThread.create(o.inference, log, o.inFlight);
  const sessions = new Set<Http2Session>();
  let draining = false;
  let served = 0;

  const health = (): WorkerHealth => {
    const s = engine.status();
    const status = draining ? 'draining' : s.available ? 'ready' : 'restarting';
    return { ...s, status, protocol: PROTOCOL_VERSION, modelVersion: engine.modelVersion, manifest: engine.manifest, maxInFlight: o.inFlight.photos, served };
  };

  // windows wide enough that a 20 MB photo is not sent 64 KB per round trip
  const server: Http2Server = createServer({ settings: { initialWindowSize: WINDOW }, maxSessionMemory: Math.ceil(o.inFlight.bytes / 1024 / 1024) + 16 });
  server.on('session', (s) => {
    sessions.add(s);
    s.setLocalWindowSize(8 * WINDOW);
    s.once('close', () => sessions.delete(s));
    // a peer that vanishes mid-call is the client's to retry; nothing to do here
    s.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    void handle(stream, headers).catch((e) => reply(stream, httpStatusOf('INTERNAL'), failureOf(e)));
  });

  async function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const path = headers[':path'];
    const method = headers[':method'];
    if (!authorized(headers.authorization, o.secret)) {
      return reply(stream, 401, { error: { code: 'UNAUTHENTICATED', message: `This inference worker needs the hub's ${SECRET_ENV}: the hub's value is missing or different.` } });
    }
    if (method === 'GET' && path === HEALTH_PATH) {
      const h = health();
      return reply(stream, h.status === 'ready' ? 200 : 503, h);
    }
    if (method === 'POST' && path === ANALYZE_PATH) return analyze(stream, headers);
    if (method === 'POST' && path === THROUGHPUT_PATH) {
      const faces = throughputFaces((await body(stream, 1024)).toString());
      if (typeof faces === 'string') return reply(stream, 400, { error: { code: 'BAD_REQUEST', message: faces } });
      return reply(stream, 200, { facesPerSecond: await engine.embedThroughput(faces) });
    }
    return reply(stream, 404, { error: { code: 'NOT_FOUND', message: `No such endpoint ${method} ${path}: a worker serves GET ${HEALTH_PATH}, POST ${ANALYZE_PATH} and POST ${THROUGHPUT_PATH}.` } });
  }

  async function analyze(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    try {
      if (draining) throw new InferenceError('MODEL_UNAVAILABLE', 'This inference worker is shutting down. Retry on another worker.');
      const options = parseOptions(headers[OPTIONS_HEADER] as string | undefined);
      const image = await body(stream, o.inference.limits.maxBytes);
      const a = await engine.analyze(image, options);
      reply(stream, 200, encodeAnalysis(a));
    } catch (e) {
      // past the size limit the rest of the upload is unread: after the answer, the stream is ended (RFC 9113 §8.1)
      if (e instanceof InferenceError && e.code === 'IMAGE_TOO_LARGE') stream.once('finish', () => stream.close(constants.NGHTTP2_NO_ERROR));
      reply(stream, httpStatusOf(failureOf(e).error.code), failureOf(e));
    } finally {
      served++;
    }
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    // the port was taken or not ours: the engine thread started for it must not outlive the failure
    await engine.close().catch(() => {});
    throw e;
  }
  const bound = server.address() as AddressInfo;
  const name = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const local = bound.address === '0.0.0.0' || bound.address === '::' ? '127.0.0.1' : name;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${local}:${bound.port}`,
    address: `${name}:${bound.port}`,
    engine,
    health,
    close(graceMs = 30_000) {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((r) => server.close(() => r()));
        // GOAWAY: the calls in flight finish, new ones go to another worker
        for (const s of sessions) s.close();
        const cut = setTimeout(() => sessions.forEach((s) => s.destroy()), graceMs);
        await closed;
        clearTimeout(cut);
        await engine.close();
      })();
      return closing;
    },
  };
}

/**
 * The bench's face count, 1 to MAX_THROUGHPUT_FACES, or why it is refused: the faces share the
 * recognizer with searches, so a larger run would hold real photos back for as long as it lasts.
 */
export function throughputFaces(raw: string): number | string {
  let faces: unknown;
  try {
    faces = (JSON.parse(raw) as { faces?: unknown } | null)?.faces;
  } catch {
    faces = undefined;
  }
  if (typeof faces !== 'number' || !Number.isInteger(faces) || faces < 1 || faces > MAX_THROUGHPUT_FACES) {
    return `Send {"faces": n} with n a whole number from 1 to ${MAX_THROUGHPUT_FACES}: the bench's faces share the recognizer with searches, so a longer run is refused.`;
  }
  return faces;
}

/** The request body, refused with IMAGE_TOO_LARGE past max bytes (before it is all read). */
function body(stream: ServerHttp2Stream, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        stream.removeAllListeners('data');
        stream.pause();
        reject(new InferenceError('IMAGE_TOO_LARGE', `The image is over the limit of ${(max / 1024 / 1024).toFixed(1)} MB. Resize or recompress it and try again.`, { maxBytes: max }));
      } else chunks.push(c);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('aborted', () => reject(new Error('the caller went away')));
  });
}

function reply(stream: ServerHttp2Stream, status: number, payload: WorkerHealth | WireFailure | object): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) return void stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  stream.respond({ ':status': status, 'content-type': 'application/json' });
  stream.end(JSON.stringify(payload));
}
