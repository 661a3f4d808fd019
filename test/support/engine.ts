import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBuiltinPack } from '../../inference/builtin-packs';
import { EngineThread } from '../../inference/engine-thread';
import { DEFAULT_INFERENCE_CONFIG } from '../../inference/face-engine';
import type { HubEngine } from '../../server/engine/face-embedder';

/** Ends an in-process engine's thread as a crash would; resolves once the thread has exited. */
export function killInferenceThread(engine: HubEngine): Promise<number> {
  if (!(engine instanceof EngineThread)) throw new Error('this hub runs its engine on remote workers: there is no thread to kill');
  return engine.killThread();
}

/** The default model pack at a path of its own (FRHUB_MODEL_PACK), which a test can take away and give back. */
export interface MovablePack {
  dir: string;
  /** from now on no thread can load it: a restart fails, and is retried */
  hide(): void;
  restore(): void;
  remove(): void;
}

/** A model file put into a pack directory: a hard link where the file system allows, else a copy (a pack refuses symbolic links leading out of it). */
export function placeInPack(source: string, target: string): void {
  try {
    linkSync(source, target);
  } catch {
    copyFileSync(source, target);
  }
}

export function movablePack(): MovablePack {
  const source = ensureBuiltinPack(resolve(__dirname, '../../data/models'), DEFAULT_INFERENCE_CONFIG.pack);
  const root = mkdtempSync(join(tmpdir(), 'frhub-pack-'));
  const dir = join(root, 'pack');
  mkdirSync(dir);
  for (const file of readdirSync(source)) placeInPack(join(source, file), join(dir, file));
  return {
    dir,
    hide: () => renameSync(dir, `${dir}.away`),
    restore: () => renameSync(`${dir}.away`, dir),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
