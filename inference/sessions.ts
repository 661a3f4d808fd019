import * as ort from 'onnxruntime-node';

export type ProviderChoice = 'auto' | 'cuda' | 'cpu';

export interface SessionPair {
  provider: 'cuda' | 'cpu';
  fallbackReason?: string;
  create(bytes: Uint8Array): Promise<ort.InferenceSession>;
}

/**
 * Picks the execution provider once: CUDA when asked for or (auto) when it loads, else CPU. With
 * `cuda` asked for explicitly, a CUDA that does not load is an error, not a silent CPU fallback.
 */
export async function chooseProvider(choice: ProviderChoice, probe: Uint8Array, threads?: number, spinning = false): Promise<SessionPair> {
  const options = (provider: 'cuda' | 'cpu'): ort.InferenceSession.SessionOptions => ({
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads } : {}),
    // each session (detector, landmark net, recognizer) has a pool of its own: spinning, its threads
    // stay busy after their runs and take the cores the next stage needs (test/bench/RESULTS.md)
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  });
  const make = (provider: 'cuda' | 'cpu', fallbackReason?: string): SessionPair => ({
    provider,
    fallbackReason,
    create: (bytes) => ort.InferenceSession.create(bytes, options(provider)),
  });
  if (choice === 'cpu') return make('cpu');
  const level = ort.env.logLevel;
  ort.env.logLevel = 'fatal'; // the failed probe is reported once below, not as a native error dump
  try {
    const s = await ort.InferenceSession.create(probe, options('cuda'));
    await s.release();
    return make('cuda');
  } catch (e) {
    const reason = String((e as Error).message ?? e).split('\n')[0];
    if (choice === 'cuda') throw new Error(`FRHUB_INFERENCE_PROVIDER=cuda but the CUDA execution provider did not load: ${reason}`);
    return make('cpu', `CUDA execution provider unavailable: ${reason}`);
  } finally {
    ort.env.logLevel = level;
  }
}
