import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { main } from '../../cli/main';
import type { TestHub } from './hub';

const ROOT = resolve(__dirname, '../..');

/**
 * Runs `frhub <argv>` in this process, as the binary would (its env, then restored): its exit status
 * and what it printed (out: console.log and stdout; err: console.error and stderr, progress lines too).
 */
export async function frhubInProcess(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const writeErr = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    writeErr.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Runs `frhub <args>` as its own process, as an operator runs it (the built-in packs of data/models,
 * CPU inference): its exit status and output; `onStderr` sees the output so far, and the child.
 */
export function frhubSpawned(args: string[], env: Record<string, string>, opts: { timeoutMs?: number; onStderr?: (all: string, child: ChildProcess) => void } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('node', [join(ROOT, 'cli/frhub.cjs'), ...args], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', FRHUB_MODEL_DIR: join(ROOT, 'data/models'), FRHUB_INFERENCE_PROVIDER: 'cpu', LOG_LEVEL: 'warn', ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr: stderr.replace(/^frhub build: .*\n/m, '') });
    });
  });
}

/** `frhub <args>` as a user runs it beside a test hub: its data directory, and on PostgreSQL its scratch database (on PGlite the CLI goes through the hub holding it). */
export function frhubBeside(t: TestHub, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const url = t.hub.database.kind === 'postgres' ? String((t.hub.database.dataSource.options as { url?: string }).url) : '';
  return frhubSpawned(args, { FRHUB_DATA_DIR: t.dataDir, DATABASE_URL: url });
}
