import { InferenceError } from './errors.js';

export interface BatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

/** Optional: shared bounds, and when waiting cannot gather more. */
export interface BatcherHooks {
  /** faces waiting in every batcher this one shares its maxQueue with (itself included); default its own depth */
  waiting?: () => number;
  /** callers (submitAll) that could still add items: when all of them are waiting here, the batch runs at once */
  open?: () => number;
}

/**
 * Micro-batching: items wait up to maxWaitMs (or until maxBatch are queued) and run as one batch;
 * one batch runs at a time, so items arriving meanwhile form the next. Where the hooks say that every
 * caller that could add items is already waiting, it runs at once (a lone photo pays no wait). Past
 * maxQueue waiting items a new one is refused with OVERLOADED instead of growing memory without bound.
 */
export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** submitAll calls not yet answered */
  private parties = 0;
  batches = 0;
  items = 0;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly runBatch: (items: I[]) => Promise<O[]>,
    private readonly hooks: BatcherHooks = {},
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  submit(item: I): Promise<O> {
    const refusal = this.refuse(1);
    if (refusal) return Promise.reject(refusal);
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** One caller's items (a photo's faces), admitted together or refused together. */
  async submitAll(items: I[]): Promise<O[]> {
    if (items.length === 0) return [];
    const refusal = this.refuse(items.length);
    if (refusal) throw refusal;
    this.parties++;
    try {
      // all queued before the batch is scheduled: a batch that runs at once takes the caller's items whole
      const answers = items.map((item) => new Promise<O>((resolve, reject) => this.queue.push({ item, resolve, reject })));
      this.schedule();
      return await Promise.all(answers);
    } finally {
      this.parties--;
    }
  }

  private refuse(count: number): InferenceError | undefined {
    const waiting = this.hooks.waiting?.() ?? this.queue.length;
    // a lone caller is never refused for its own size: an empty queue admits a photo of any number of faces
    if (waiting === 0 || waiting + count <= this.opts.maxQueue) return undefined;
    return new InferenceError('OVERLOADED', `The face engine has ${waiting} faces waiting (limit ${this.opts.maxQueue}). Retry in a few seconds.`, {
      queueDepth: waiting,
    });
  }

  private schedule(): void {
    if (this.running) return;
    const open = this.hooks.open?.();
    if (this.queue.length >= this.opts.maxBatch || (open !== undefined && this.parties >= open)) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.opts.maxWaitMs);
    }
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.opts.maxBatch);
    try {
      const out = await this.runBatch(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(out[i]));
    } catch (e) {
      batch.forEach((p) => p.reject(e));
    } finally {
      this.batches++;
      this.items += batch.length;
      this.running = false;
      if (this.queue.length) this.schedule();
    }
  }
}
