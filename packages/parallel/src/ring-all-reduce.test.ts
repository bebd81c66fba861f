import { describe, expect, it } from 'vitest';
import { ringAllReduceBytes } from './data-parallel.js';
import { ringAllReduce } from './ring-all-reduce.js';
import { createThreadChannels, threadTransport } from './thread-transport.js';
import { RankTimeoutError } from './transport.js';

/** N ranks in one thread: the mailboxes and waits are the same as across threads, only nothing runs in parallel. */
function ranks(size: number, capacity?: number, timeoutMs?: number) {
  const channels = createThreadChannels(size, capacity);
  return Array.from({ length: size }, (_, rank) => threadTransport(channels, rank, timeoutMs === undefined ? {} : { timeoutMs }));
}

describe('ringAllReduce over the thread transport', () => {
  for (const [size, length, capacity] of [
    [1, 5, undefined],
    [2, 10, undefined],
    [3, 10, undefined],
    [4, 1001, 7],
    [3, 2, undefined],
  ] as const) {
    it(`sums ${length} floats over ${size} ranks in place${capacity ? `, in parts of ${capacity}` : ''}, sending 2(N−1)/N of them per rank`, async () => {
      const transports = ranks(size, capacity);
      const arrays = transports.map((_, r) => Float32Array.from({ length }, (_, i) => (r + 1) * 0.5 + i * 0.25));
      const expected = Float32Array.from({ length }, (_, i) => arrays.reduce((s, a) => s + a[i]!, 0));
      await Promise.all(transports.map((t, r) => ringAllReduce(t, arrays[r]!)));
      for (const a of arrays) expect(Array.from(a)).toEqual(Array.from(expected));
      const total = transports.reduce((s, t) => s + t.bytesSent, 0);
      expect(total / size).toBeCloseTo(ringAllReduceBytes(length, size), 6);
    });
  }

  it('times out on a rank that never answers, naming it', async () => {
    const [zero] = ranks(2, undefined, 50);
    const started = performance.now();
    await expect(zero!.receive(1, 4)).rejects.toThrow(new RankTimeoutError(0, 1, 'receive from', 50).message);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses a message longer than the receiver expects', async () => {
    const [zero, one] = ranks(2);
    await zero!.send(1, new Float32Array(6));
    await expect(one!.receive(0, 4)).rejects.toThrow('rank 1: rank 0 sent 6 floats where 4 were expected');
  });
});
