import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { columnChroma, kernelChroma } from './filter-colour.js';

describe('the colour of first-layer kernels', () => {
  it('is 0 for gray kernels and high for saturated ones, per kernel and per column', async () => {
    await tf.setBackend('cpu');
    const [kh, kw] = [3, 3];
    // Kernel 0 gray (r = g = b, varying in space); kernel 1 red against green.
    const values: number[] = [];
    for (let p = 0; p < kh * kw; p++) {
      const gray = p / 8;
      const red = p % 2;
      for (const c of [0, 1, 2]) values.push(gray, c === 0 ? red : c === 1 ? 1 - red : 0);
    }
    const kernel = tf.tensor4d(values, [kh, kw, 3, 2]);
    const chroma = kernelChroma(kernel);
    expect(chroma[0]).toBe(0);
    expect(chroma[1]).toBeCloseTo(1, 6);
    expect(columnChroma(kernel, 2).map((x) => Number(x.toFixed(6)))).toEqual([0, 1]);
    expect(() => columnChroma(kernel, 3)).toThrow('columnChroma: 2 kernels do not split into 3 columns');
    expect(kernelChroma(tf.zeros([kh, kw, 3, 1]) as tf.Tensor4D)[0]).toBe(0);
    kernel.dispose();
  });
});
