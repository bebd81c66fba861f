import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeEachEngine, onEngine } from '@alexnet/test-support/engines';
import { SeededDropout, seededDropout } from './index.js';

const masks = (layer: SeededDropout, calls: number) =>
  Array.from({ length: calls }, () => tf.tidy(() => Array.from((layer.apply(tf.ones([1, 64]), { training: true }) as tf.Tensor).dataSync())));

describeEachEngine('SeededDropout', () => {
  it('draws a new mask each step, the same stream for the same seed', () => {
    const a = masks(seededDropout({ rate: 0.5, seed: 4 }), 3);
    const b = masks(seededDropout({ rate: 0.5, seed: 4 }), 3);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(a[1]);
    for (const mask of a) {
      expect(new Set(mask)).toEqual(new Set([0, 2])); // inverted scaling 1/(1−0.5)
      const kept = mask.filter((v) => v > 0).length;
      expect(kept).toBeGreaterThan(16);
      expect(kept).toBeLessThan(48);
    }
  });

  it('draws the same masks as the cpu engine (the stream does not depend on the engine)', async () => {
    const here = masks(seededDropout({ rate: 0.5, seed: 11 }), 2);
    expect(await onEngine('cpu', () => masks(seededDropout({ rate: 0.5, seed: 11 }), 2))).toEqual(here);
  });

  it('drops, on replicas holding rows of a batch, exactly what one device drops on the whole batch', () => {
    const whole = tf.tidy(() => Array.from((seededDropout({ rate: 0.5, seed: 6 }).apply(tf.ones([4, 8]), { training: true }) as tf.Tensor).dataSync()));
    const parts = [0, 1].flatMap((replica) => {
      const layer = seededDropout({ rate: 0.5, seed: 6 });
      layer.rows = { offset: 2 * replica, total: 4 };
      return tf.tidy(() => Array.from((layer.apply(tf.ones([2, 8]), { training: true }) as tf.Tensor).dataSync()));
    });
    expect(parts).toEqual(whole);
    const layer = seededDropout({ rate: 0.5, seed: 6 });
    layer.rows = { offset: 3, total: 4 };
    expect(() => layer.apply(tf.ones([2, 8]), { training: true })).toThrow('rows 3…4 of a batch of 4 do not fit');
  });

  it('is the identity at inference', () => {
    const out = seededDropout({ seed: 1 }).apply(tf.ones([2, 3])) as tf.Tensor;
    expect(Array.from(out.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('SeededDropout arguments', () => {
  it('serializes rate and seed', () => {
    expect(seededDropout({ rate: 0.3, seed: 9 }).getConfig()).toMatchObject({ rate: 0.3, seed: 9 });
    expect(() => seededDropout({ rate: 1 })).toThrow('rate must be in [0, 1), got 1');
  });
});
