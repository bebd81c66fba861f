import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ringAllReduceBytes } from './data-parallel.js';
import { lossOf, smallNet, type SmallNetCase } from './fixtures/small-net.js';
import { runProcessRanks } from './process-ranks.js';
import { runThreadRanks } from './thread-ranks.js';

const RANK = new URL('./fixtures/data-parallel-rank.ts', import.meta.url).href;

/** A fixed case: weights and batches from a seeded generator, the same in every thread. */
function makeCase(): SmallNetCase {
  let s = 12345;
  const random = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const values = (n: number, scale: number) => Array.from({ length: n }, () => random() * scale);
  const side = 6;
  const pixels = side * side * 3;
  const batch = 8;
  return {
    side,
    pixels,
    classes: 3,
    batch,
    learningRate: 0.1,
    weights: { kernel: values(3 * 3 * 3 * 4, 0.3), bias: values(4, 0.1), dense: values(side * side * 4 * 3, 0.1), denseBias: values(3, 0.1) },
    batches: Array.from({ length: 3 }, () => ({
      xs: values(batch * pixels, 1),
      ys: Array.from({ length: batch }, () => Math.floor((random() + 1) * 1.5) % 3),
    })),
  };
}

describe('data parallelism over worker threads', () => {
  const data = makeCase();
  let single: number[][];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    // One device, the whole batch: the reference.
    const net = smallNet(data.weights);
    const optimizer = tf.train.sgd(data.learningRate);
    for (const batch of data.batches) {
      const xs = tf.tensor4d(batch.xs, [data.batch, data.side, data.side, 3]);
      const ys = tf.tensor1d(batch.ys, 'int32');
      const { grads } = tf.variableGrads(() => lossOf(net, xs, ys, data.classes), net.variables);
      optimizer.applyGradients(grads);
      tf.dispose([xs, ys, ...Object.values(grads)]);
    }
    single = net.variables.map((v) => Array.from(v.dataSync()));
    tf.dispose(net.variables);
  });

  for (const size of [2, 4]) {
    it(`on ${size} ranks computes what one device computes on the whole batch (3 steps, within 1e-5), sending 2(N−1)/N of the gradients per step`, async () => {
      const results = await runThreadRanks<typeof data, { weights: number[][]; bytesSent: number }>(RANK, size, () => data);
      const parameters = single.reduce((n, w) => n + w.length, 0);
      for (const result of results) {
        for (const [v, weights] of result.weights.entries()) {
          const reference = single[v]!;
          const scale = Math.max(...reference.map(Math.abs));
          const worst = Math.max(...weights.map((x, i) => Math.abs(x - reference[i]!)));
          expect(worst / scale).toBeLessThan(1e-5);
        }
      }
      const perRank = results.reduce((n, r) => n + r.bytesSent, 0) / size;
      expect(perRank).toBeCloseTo(3 * ringAllReduceBytes(parameters, size), 6);
    }, 60_000);
  }

  it('stops within seconds when a rank dies, naming it', async () => {
    const started = performance.now();
    await expect(runThreadRanks(RANK, 2, () => ({ ...data, die: 1 }), { timeoutMs: 5_000 })).rejects.toThrow(
      'rank 1 exited with code 3 before reporting a result',
    );
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('on 2 rank processes (the GPU layout: one device per process, CUDA_VISIBLE_DEVICES=rank) computes the same', async () => {
    const results = await runProcessRanks<typeof data, { weights: number[][]; visibleDevices: string | null }>(RANK, 2, () => data, {
      env: (rank) => ({ CUDA_VISIBLE_DEVICES: String(rank) }),
    });
    expect(results.map((r) => r.visibleDevices)).toEqual(['0', '1']);
    for (const result of results) {
      for (const [v, weights] of result.weights.entries()) {
        const reference = single[v]!;
        const scale = Math.max(...reference.map(Math.abs));
        expect(Math.max(...weights.map((x, i) => Math.abs(x - reference[i]!))) / scale).toBeLessThan(1e-5);
      }
    }
    await expect(runProcessRanks(RANK, 2, () => ({ ...data, die: 0 }), { timeoutMs: 5_000 })).rejects.toThrow(
      'rank 0 exited with code 3 before reporting a result',
    );
  }, 60_000);
});
