import { loadConfig } from '../server/config.js';
import { InferenceServerConfigError, startInferenceServer } from '../inference/inference-server.js';
import { SECRET_ENV } from '../inference/remote-protocol.js';
import { CliError, str, UsageError, type Args, type CommandSpec } from './args.js';

export const serveInferenceSpec: CommandSpec = {
  usage: 'frhub serve-inference [--host <address>] [--port <n>] [--pack <id>] [--max-in-flight <photos>]',
  summary: 'Runs the face engine as a service of its own (HTTP/2, micro-batched) for hubs started with FRHUB_INFERENCE_URLS, until SIGINT or SIGTERM.',
  options: [
    ['--host <address>', 'address to bind (default 127.0.0.1; any other needs FRHUB_INFERENCE_SECRET)'],
    ['--port <n>', 'port to bind (default 4100; 0: a free one, named in the start-up line)'],
    ['--pack <id>', 'the model pack (default FRHUB_MODEL_PACK); every worker of a hub must run the same'],
    ['--max-in-flight <photos>', 'photos analysed at once before OVERLOADED (default FRHUB_INFLIGHT_PHOTOS, 32)'],
  ],
  details: [
    `Serves GET /v1/health (pack, model version, provider, in flight; 503 while draining) and POST /v1/analyze (the photo as the body).`,
    `With ${SECRET_ENV} set, every call must carry \`authorization: Bearer <secret>\` (the hub sends it when it has the same variable); without it the worker listens only on a loopback address.`,
    'It reads the inference settings the hub reads (FRHUB_MODEL_DIR, FRHUB_INFERENCE_PROVIDER, FRHUB_BATCH_*, FRHUB_MAX_IMAGE_*, FRHUB_MIN_QUALITY, FRHUB_INFERENCE_THREADS, FRHUB_INFERENCE_SPIN).',
    'On SIGTERM or SIGINT it stops taking calls (hubs move to other workers), finishes those in flight (up to FRHUB_SHUTDOWN_GRACE_MS) and exits 0; a second signal stops it at once. Opens no database.',
  ].join('\n'),
  example: 'FRHUB_INFERENCE_SECRET=… npx frhub serve-inference --host 10.0.0.5 --port 4100',
  run: serveInferenceCommand,
};

/** `frhub serve-inference`: the worker, until a signal drains it. */
export async function serveInferenceCommand(args: Args): Promise<number> {
  const config = loadConfig();
  const port = Number(str(args, 'port', process.env.FRHUB_INFERENCE_PORT || '4100'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0-65535), got ${String(args.flags.port)}`);
  const maxInFlight = Number(str(args, 'max-in-flight', String(config.inferenceInFlight.photos)));
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new UsageError(`--max-in-flight must be a whole number of photos >= 1, got ${String(args.flags['max-in-flight'])}`);
  const log = (m: string) => console.log(`frhub serve-inference: ${m}`);
  let server;
  try {
    server = await startInferenceServer({
      host: str(args, 'host', '127.0.0.1'),
      port,
      inference: { ...config.inference, pack: str(args, 'pack', config.inference.pack) },
      inFlight: { ...config.inferenceInFlight, photos: maxInFlight },
      secret: process.env[SECRET_ENV] || undefined,
      log,
    });
  } catch (e) {
    if (e instanceof InferenceServerConfigError) throw new CliError(e.message, 78);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CliError(`port ${port} is taken: stop what uses it, or give another with --port`, 75);
    throw e;
  }
  const h = server.health();
  console.log(`frhub inference worker listening on ${server.url} (bound ${server.address}; model ${h.modelVersion}, provider ${h.provider}, at most ${maxInFlight} photos in flight${process.env[SECRET_ENV] ? ', secret required' : ''})`);
  return new Promise<number>((done) => {
    const stop = (signal: string) => {
      log(`${signal}: finishing the calls in flight, then stopping`);
      process.once(signal, () => {
        log(`${signal} again: stopping now`);
        process.exit(130);
      });
      server.close(config.shutdownGraceMs).then(() => done(0), (e: Error) => {
        log(`error while stopping: ${e.message}`);
        done(1);
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
