import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { nonOverlappingMaxPool, overlappingMaxPool } from './index.js';

describe('overlapping max pooling', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it("follows AlexNet's 55 → 27 → 13 → 6 chain", () => {
    const pool = overlappingMaxPool();
    expect(pool.computeOutputShape([null, 55, 55, 96])).toEqual([null, 27, 27, 96]);
    expect(pool.computeOutputShape([null, 27, 27, 256])).toEqual([null, 13, 13, 256]);
    expect(pool.computeOutputShape([null, 13, 13, 256])).toEqual([null, 6, 6, 256]);
    expect(nonOverlappingMaxPool().computeOutputShape([null, 55, 55, 96])).toEqual([null, 27, 27, 96]);
  });

  it('overlaps windows by one pixel', () => {
    // Column 2 belongs to both 3-wide windows (cols 0–2 and 2–4); 2×2 windows share nothing.
    const row = tf.tensor4d([0, 0, 9, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 9], [1, 3, 5, 1]);
    expect(Array.from((overlappingMaxPool().apply(row) as tf.Tensor).dataSync())).toEqual([9, 9]);
    expect(Array.from((nonOverlappingMaxPool().apply(row) as tf.Tensor).dataSync())).toEqual([0, 9]);
  });
});
