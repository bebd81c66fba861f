import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { packagesReachedFrom, temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { centerView, cropFlipInto } from './augment-image.js';
import { BatchLoader, type LoaderOptions } from './batch-loader.js';
import { readDatasetStats } from './dataset-stats.js';
import { prepareDataset } from './prepare-dataset.js';
import { PreparedSplit } from './prepared-dataset.js';
import { writeSyntheticShapes } from './synthetic-shapes.js';

let dir: string;

beforeAll(async () => {
  const src = await temporaryFolder('loader-src');
  await writeSyntheticShapes(src, { perClass: 4, seed: 3 });
  dir = join(await temporaryFolder('loader'), 'prepared');
  await prepareDataset(src, dir, { size: 16, valFraction: 0.25, shardSize: 7 });
});

async function collect(options: LoaderOptions, epoch = 1) {
  const loader = await BatchLoader.open(dir, options);
  const batches = [];
  try {
    for await (const batch of loader.epochArrays(epoch)) batches.push(batch);
  } finally {
    await loader.close();
  }
  return batches;
}

describe('BatchLoader', () => {
  it("loads no tensor engine in its worker threads (the worker's imports reach no @tensorflow package)", async () => {
    const reached = await packagesReachedFrom(fileURLToPath(new URL('./loader-worker.ts', import.meta.url)));
    expect([...reached].filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
    expect(reached.has('sharp')).toBe(true); // the graph is really followed: shards may hold JPEGs
  });

  it('gives the same batches for a seed whether built in worker threads or in this thread', async () => {
    const options = { batchSize: 8, crop: 12, seed: 9, lighting: 0.1 } as const;
    const inThread = await collect({ ...options, workers: 0 });
    const threaded = await collect({ ...options, workers: 2, prefetch: 3 });
    expect(threaded).toHaveLength(3); // 30 training images, the last 6 dropped
    expect(threaded).toEqual(inThread);
    const nextEpoch = await collect({ ...options, workers: 0 }, 2);
    expect(nextEpoch[0]!.ys).not.toEqual(inThread[0]!.ys);
  });

  it('starts an epoch at a given batch with exactly the batches it would have built', async () => {
    const loader = await BatchLoader.open(dir, { batchSize: 8, crop: 12, seed: 4, workers: 0 });
    const all = [];
    for await (const b of loader.epochArrays(3)) all.push(b);
    const rest = [];
    for await (const b of loader.epochArrays(3, 2)) rest.push(b);
    expect(rest).toEqual(all.slice(2));
    await expect(loader.epochArrays(3, 9).next()).rejects.toThrow('start batch 9 is outside 0…3');
    await loader.close();
  });

  it('visits every image once per epoch, reshuffled', async () => {
    const split = await PreparedSplit.open(dir, 'train');
    const expected = [...split.labels].sort();
    split.close();
    for (const epoch of [1, 2]) {
      const batches = await collect({ batchSize: 8, crop: 16, workers: 1, dropRemainder: false }, epoch);
      expect(batches.map((b) => b.ys.length)).toEqual([8, 8, 8, 6]);
      expect(batches.flatMap((b) => [...b.ys]).sort()).toEqual(expected);
    }
  });

  it('in validation mode gives the mean-subtracted center crops, in file order', async () => {
    const batches = await collect({ split: 'val', batchSize: 4, crop: 10, scale: 0.5, workers: 1 });
    const split = await PreparedSplit.open(dir, 'val');
    const { meanImage } = await readDatasetStats(dir);
    expect(batches.map((b) => b.ys.length)).toEqual([4, 4, 2]);
    const xs = batches.flatMap((b) => [...b.xs]);
    const expected = new Float32Array(split.count * 10 * 10 * 3);
    for (let i = 0; i < split.count; i++) {
      cropFlipInto(expected, i * 300, await split.pixels(i), 16, centerView(16, 10), { mean: meanImage, scale: 0.5 });
    }
    expect(xs).toEqual([...expected]);
    expect(batches.flatMap((b) => [...b.ys])).toEqual([...split.labels]);
    split.close();
  });

  it('refuses a crop larger than the prepared images, and an unknown split', async () => {
    await expect(BatchLoader.open(dir, { batchSize: 4, crop: 17 })).rejects.toThrow(`crop 17 does not fit the prepared images of ${dir} (16×16)`);
    await expect(BatchLoader.open(dir, { batchSize: 4, crop: 8, split: 'test' })).rejects.toThrow("no split 'test' (has train, val)");
  });
});

describeEachEngine('BatchLoader tensors', () => {
  it.each([0, 2])('yields tensors of the documented shapes and types (%i worker threads)', async (workers) => {
    const loader = await BatchLoader.open(dir, { batchSize: 5, crop: 8, workers, mean: 'channel' });
    const before = tf.memory().numTensors;
    for await (const { xs, ys } of loader.epoch(1)) {
      expect([xs.shape, xs.dtype, ys.shape, ys.dtype]).toEqual([[5, 8, 8, 3], 'float32', [5], 'int32']);
      tf.dispose([xs, ys]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(loader.batchesPerEpoch).toBe(6);
    await loader.close();
  });
});
