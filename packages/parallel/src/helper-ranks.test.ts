import { describe, expect, it } from 'vitest';
import { startHelperRanks } from './helper-ranks.js';

const echo = new URL('./fixtures/echo-rank.ts', import.meta.url).href;

describe.each(['threads', 'processes'] as const)('startHelperRanks over %s', (transport) => {
  it('makes this thread rank 0 of 3: it exchanges with each helper, and close() ends them', async () => {
    const ranks = startHelperRanks({ moduleUrl: echo, size: 3, transport, data: () => null });
    try {
      for (const to of [1, 2]) {
        await ranks.transport.send(to, new Float32Array([to + 0.5]));
        expect(Array.from(await ranks.transport.receive(to, 2))).toEqual([2 * to + 1, to]);
      }
      expect(ranks.transport.bytesSent).toBe(8);
      for (const to of [1, 2]) await ranks.transport.send(to, new Float32Array([0]));
    } finally {
      await ranks.close();
    }
  });

  it('a helper that dies fails rank 0 at once: the pending receive and `failed` name the rank and how', async () => {
    const ranks = startHelperRanks({ moduleUrl: echo, size: 3, transport, data: () => null, timeoutMs: 60_000 });
    try {
      const started = performance.now();
      await ranks.transport.send(2, new Float32Array([-1]));
      const message = 'rank 2 failed: exited with code 3';
      await expect(ranks.transport.receive(2, 2)).rejects.toThrow(message);
      await expect(ranks.failed).rejects.toThrow(message);
      // Well inside the 60 s timeout: the exit, not a timeout, ended the wait.
      expect(performance.now() - started).toBeLessThan(15_000);
      // Every later exchange fails the same way, with no wait.
      await expect(ranks.transport.receive(1, 2)).rejects.toThrow(message);
    } finally {
      await ranks.close();
    }
  });
});
