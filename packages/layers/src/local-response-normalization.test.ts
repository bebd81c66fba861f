import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { LocalResponseNormalization, lrn } from './index.js';

/** The paper's formula in float64, channels last. */
function lrnReference(x: Float32Array, channels: number, n: number, k: number, alpha: number, beta: number): Float64Array {
  const out = new Float64Array(x.length);
  const half = Math.floor(n / 2);
  for (let p = 0; p < x.length; p += channels) {
    for (let i = 0; i < channels; i++) {
      let sum = 0;
      for (let j = Math.max(0, i - half); j <= Math.min(channels - 1, i + half); j++) sum += x[p + j]! ** 2;
      out[p + i] = x[p + i]! / (k + alpha * sum) ** beta;
    }
  }
  return out;
}

describe('LocalResponseNormalization', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it.each([false, true])('matches the float64 formula (alphaDividedBySize %s)', (divided) => {
    // Large activations so that the α term matters at α=1e-4.
    const values = Float32Array.from({ length: 2 * 3 * 3 * 7 }, (_, i) => 40 * Math.sin(i * 1.7));
    const layer = lrn({ alphaDividedBySize: divided });
    const out = tf.tidy(() => (layer.apply(tf.tensor4d(values, [2, 3, 3, 7])) as tf.Tensor).dataSync());
    const ref = lrnReference(values, 7, 5, 2, divided ? 1e-4 / 5 : 1e-4, 0.75);
    for (let i = 0; i < ref.length; i++) {
      expect(Math.abs(out[i]! - ref[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref[i]!)));
    }
  });

  it('rejects an even window', () => {
    expect(() => lrn({ size: 4 })).toThrow('size must be an odd positive integer, got 4');
  });

  it('survives a save and load round trip', async () => {
    const model = tf.sequential({
      layers: [tf.layers.inputLayer({ inputShape: [4, 4, 6] }), lrn({ k: 1, alpha: 2e-4, alphaDividedBySize: true })],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const layer = loaded.layers.find((l) => l instanceof LocalResponseNormalization) as LocalResponseNormalization;
    expect(layer).toBeInstanceOf(LocalResponseNormalization);
    expect([layer.k, layer.alpha, layer.alphaDividedBySize, layer.size, layer.beta]).toEqual([1, 2e-4, true, 5, 0.75]);
  });
});
