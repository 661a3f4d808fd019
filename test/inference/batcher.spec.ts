import { jest } from '@jest/globals';
import { MicroBatcher } from '../../inference/batcher';
import { InferenceError } from '../../inference/errors';

// The micro-batcher the engine runs its landmark net and recognizer through.
const doubling = () => {
  const batches: number[][] = [];
  return { batches, run: async (items: number[]) => (batches.push(items), items.map((x) => 2 * x)) };
};

describe('micro-batcher', () => {
  it("runs a caller's items and other callers' waiting items as one batch, answering each its own", async () => {
    const d = doubling();
    const b = new MicroBatcher({ maxBatch: 32, maxWaitMs: 5, maxQueue: 100 }, d.run);
    const [x, y] = await Promise.all([b.submitAll([1, 2, 3]), b.submitAll([10, 20])]);
    expect(x).toEqual([2, 4, 6]);
    expect(y).toEqual([20, 40]);
    expect(d.batches).toEqual([[1, 2, 3, 10, 20]]);
  });

  it('runs at once, not after maxWaitMs, when every caller that could add items is waiting', async () => {
    let open = 2;
    const d = doubling();
    const b = new MicroBatcher({ maxBatch: 32, maxWaitMs: 60_000, maxQueue: 100 }, d.run, { open: () => open });
    // the batcher's clock: every timer it set short of maxWaitMs has fired when the check below runs
    jest.useFakeTimers();
    let first: Promise<number[]>;
    try {
      first = b.submitAll([1]);
      await jest.advanceTimersByTimeAsync(59_999);
      expect(d.batches).toEqual([]); // one of two callers waits: the batch may still gather the other's
    } finally {
      jest.useRealTimers();
    }
    const second = b.submitAll([2, 3, 4]);
    expect(await Promise.all([first, second])).toEqual([[2], [4, 6, 8]]);
    expect(d.batches).toEqual([[1, 2, 3, 4]]); // the second caller's items whole, not cut at its first

    open = 1;
    expect(await b.submitAll([5])).toEqual([10]);
  });

  it('admits or refuses a caller\'s items together against maxQueue, counting what its partners hold', async () => {
    let elsewhere = 0;
    const d = doubling();
    const b = new MicroBatcher({ maxBatch: 2, maxWaitMs: 10, maxQueue: 4 }, d.run, { waiting: () => elsewhere });
    elsewhere = 3;
    await expect(b.submitAll([1, 2])).rejects.toMatchObject({ code: 'OVERLOADED', details: { queueDepth: 3 } });
    expect(d.batches).toEqual([]);
    // an empty queue admits a photo of any number of faces
    elsewhere = 0;
    expect(await b.submitAll([1, 2, 3, 4, 5, 6])).toEqual([2, 4, 6, 8, 10, 12]);
    expect(d.batches).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('fails every item of a batch whose run fails, and goes on with the next', async () => {
    let fail = true;
    const b = new MicroBatcher({ maxBatch: 8, maxWaitMs: 1, maxQueue: 10 }, async (items: number[]) => {
      if (fail) throw new InferenceError('MODEL_UNAVAILABLE', 'down');
      return items;
    });
    await expect(Promise.all([b.submitAll([1]), b.submit(2)])).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    fail = false;
    expect(await b.submitAll([3])).toEqual([3]);
  });
});
