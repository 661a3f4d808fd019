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

/**
 * Micro-batching: items wait up to maxWaitMs (or until maxBatch are queued) and run as one batch;
 * one batch runs at a time, so items arriving meanwhile form the next. Past maxQueue waiting items
 * a new one is refused with OVERLOADED instead of growing memory without bound.
 */
export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  batches = 0;
  items = 0;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly runBatch: (items: I[]) => Promise<O[]>,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  submit(item: I): Promise<O> {
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(
        new InferenceError('OVERLOADED', `The face engine has ${this.queue.length} faces waiting (limit ${this.opts.maxQueue}). Retry in a few seconds.`, {
          queueDepth: this.queue.length,
        }),
      );
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.opts.maxBatch) {
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
