import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:http2';
import { join, resolve } from 'node:path';

// A real `frhub serve-inference` process, and calls to it as any HTTP/2 client makes them.
const ROOT = resolve(__dirname, '../..');

export interface WorkerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A real `frhub serve-inference` (a free port unless given), started and ready; or its early exit as an error. */
export async function spawnWorker(args: string[], env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'cli/frhub.cjs'), 'serve-inference', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'production', FRHUB_MODEL_DIR: join(ROOT, 'data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu', FRHUB_INFERENCE_SECRET: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /frhub inference worker listening on (http:\/\/\S+) /.exec(out);
      if (m) resolveUrl(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code }) => reject(Object.assign(new Error(`the worker exited (code ${code}) before it was ready:\n${out}`), { code })));
  });
  return { url, child, output: () => out, exited };
}

/** One call to a worker over HTTP/2, as any client would make it. */
export function workerCall(url: string, path: string, opts: { secret?: string; body?: Buffer } = {}): Promise<{ status: number; json: any }> {
  return new Promise((resolveCall, reject) => {
    const session = connect(url);
    session.on('error', reject);
    const req = session.request({ ':method': opts.body ? 'POST' : 'GET', ':path': path, ...(opts.secret ? { authorization: `Bearer ${opts.secret}` } : {}) }, { endStream: !opts.body });
    let status = 0;
    let text = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      session.close();
      resolveCall({ status, json: JSON.parse(text) });
    });
    req.on('error', reject);
    if (opts.body) req.end(opts.body);
  });
}

/** SIGKILL, and its exit awaited (nothing when it has exited already). */
export async function stop(p: { child: ChildProcess; exited: Promise<unknown> } | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await p.exited;
}
