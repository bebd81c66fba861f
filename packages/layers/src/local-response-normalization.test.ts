import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeEachEngine } from '@alexnet/test-support/engines';
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

/** d/da of Σ_i dy_i·b_i for the same formula, float64. */
function lrnGradientReference(x: ArrayLike<number>, dy: ArrayLike<number>, channels: number, n: number, k: number, alpha: number, beta: number): Float64Array {
  const grad = new Float64Array(x.length);
  const half = Math.floor(n / 2);
  for (let p = 0; p < x.length; p += channels) {
    const denom = new Float64Array(channels);
    for (let i = 0; i < channels; i++) {
      let sum = 0;
      for (let j = Math.max(0, i - half); j <= Math.min(channels - 1, i + half); j++) sum += x[p + j]! ** 2;
      denom[i] = k + alpha * sum;
    }
    for (let j = 0; j < channels; j++) {
      let g = dy[p + j]! * denom[j]! ** -beta;
      // a_j appears in the window sum of every channel i within half of it.
      for (let i = Math.max(0, j - half); i <= Math.min(channels - 1, j + half); i++) {
        g -= 2 * alpha * beta * x[p + j]! * dy[p + i]! * x[p + i]! * denom[i]! ** (-beta - 1);
      }
      grad[p + j] = g;
    }
  }
  return grad;
}

/** Largest |a−e| / max(|e|, 1e-3): relative, with a floor for values near zero. */
function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1e-3, Math.abs(expected[i]!)));
  }
  return worst;
}

interface TorchFixture {
  shape: [number, number, number, number];
  input: number[];
  upstream: number[];
  cases: Array<{ size: number; alpha: number; beta: number; k: number; output: number[]; inputGradient: number[] }>;
}

describeEachEngine('LocalResponseNormalization numerics', () => {
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

  it('values and gradients match the float64 formula', () => {
    const shape: [number, number, number, number] = [2, 3, 2, 9];
    const size = shape.reduce((a, b) => a * b);
    const values = Float32Array.from({ length: size }, (_, i) => 30 * Math.sin(i * 0.9));
    const upstream = Float32Array.from({ length: size }, (_, i) => Math.cos(i * 0.4));
    for (const args of [{}, { size: 3, k: 1, alpha: 5e-4, beta: 0.5 }]) {
      const layer = lrn(args);
      const [out, grad] = tf.tidy(() => {
        const x = tf.tensor4d(values, shape);
        const dy = tf.tensor4d(upstream, shape);
        const g = tf.grad((input: tf.Tensor) => (layer.apply(input) as tf.Tensor).mul(dy).sum())(x);
        return [(layer.apply(x) as tf.Tensor).dataSync(), g.dataSync()];
      });
      const { size: n, k, alpha, beta } = layer;
      expect(maxRelativeError(out, lrnReference(values, 9, n, k, alpha, beta))).toBeLessThan(1e-5);
      expect(maxRelativeError(grad, lrnGradientReference(values, upstream, 9, n, k, alpha, beta))).toBeLessThan(1e-5);
    }
  });

  it('with alphaDividedBySize equals torch.nn.LocalResponseNorm (fixtures/lrn-torch.py)', async () => {
    const fixture = JSON.parse(await readFile(fileURLToPath(new URL('./fixtures/lrn-torch.json', import.meta.url)), 'utf8')) as TorchFixture;
    expect(fixture.cases.map((c) => c.k)).toEqual([2, 1]);
    for (const c of fixture.cases) {
      const layer = lrn({ size: c.size, k: c.k, alpha: c.alpha, beta: c.beta, alphaDividedBySize: true });
      const [out, grad] = tf.tidy(() => {
        const x = tf.tensor4d(fixture.input, fixture.shape);
        const dy = tf.tensor4d(fixture.upstream, fixture.shape);
        const g = tf.grad((input: tf.Tensor) => (layer.apply(input) as tf.Tensor).mul(dy).sum())(x);
        return [(layer.apply(x) as tf.Tensor).dataSync(), g.dataSync()];
      });
      expect(maxRelativeError(out, c.output)).toBeLessThan(1e-5);
      expect(maxRelativeError(grad, c.inputGradient)).toBeLessThan(1e-5);
    }
  });

  it('with groups normalizes each column on its own', () => {
    const values = Float32Array.from({ length: 3 * 8 }, (_, i) => 50 * Math.sin(i * 1.3));
    const out = tf.tidy(() => (lrn({ groups: 2 }).apply(tf.tensor4d(values, [1, 1, 3, 8])) as tf.Tensor).dataSync());
    for (let p = 0; p < 3; p++) {
      for (const half of [0, 4]) {
        const part = values.slice(p * 8 + half, p * 8 + half + 4);
        const ref = lrnReference(part, 4, 5, 2, 1e-4, 0.75);
        for (let c = 0; c < 4; c++) expect(out[p * 8 + half + c]).toBeCloseTo(ref[c]!, 4);
      }
    }
    expect(() => lrn({ groups: 3, name: 'n' }).apply(tf.zeros([1, 1, 1, 8]))).toThrow('channels (8) must be a multiple of groups (3)');
  });
});

describe('LocalResponseNormalization', () => {
  it('rejects an even window', () => {
    expect(() => lrn({ size: 4 })).toThrow('size must be an odd positive integer, got 4');
  });

  it('survives a save and load round trip', async () => {
    const model = tf.sequential({
      layers: [tf.layers.inputLayer({ inputShape: [4, 4, 6] }), lrn({ k: 1, alpha: 2e-4, alphaDividedBySize: true })],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const layer = loaded.layers.find((l) => l instanceof LocalResponseNormalization) as LocalResponseNormalization;
    expect(layer).toBeInstanceOf(LocalResponseNormalization);
    expect([layer.k, layer.alpha, layer.alphaDividedBySize, layer.size, layer.beta]).toEqual([1, 2e-4, true, 5, 0.75]);
  });
});
