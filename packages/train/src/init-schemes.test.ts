import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALEXNET_LAYERS, INIT_SCHEMES, alexNetInitializers, type InitScheme } from './init-schemes.js';

// 1e5 weights each: a dense 500→200 kernel (fanIn 500, fanOut 200) and a
// conv 5×5×40→100 kernel (fanIn 1000, fanOut 2500).
function weights(kind: 'dense' | 'conv', scheme: InitScheme, name: string, seed = 7): { kernel: Float32Array; bias: Float32Array } {
  const init = alexNetInitializers(scheme, name, seed);
  const layer =
    kind === 'dense'
      ? tf.layers.dense({ name, inputShape: [500], units: 200, ...init })
      : tf.layers.conv2d({ name, inputShape: [9, 9, 40], filters: 100, kernelSize: 5, ...init });
  const model = tf.sequential({ layers: [layer] });
  const [kernel, bias] = layer.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return { kernel: kernel!, bias: bias! };
}

function stats(values: Float32Array): { mean: number; std: number; maxAbs: number } {
  let sum = 0;
  let maxAbs = 0;
  for (const v of values) {
    sum += v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length), maxAbs };
}

function expectDistribution(kernel: Float32Array, std: number): void {
  expect(kernel.length).toBe(100_000);
  const s = stats(kernel);
  expect(Math.abs(s.std / std - 1)).toBeLessThan(0.02);
  // The mean of 1e5 draws is within ~4 standard errors (std/√n) of 0.
  expect(Math.abs(s.mean)).toBeLessThan((4 * std) / Math.sqrt(kernel.length));
}

const allEqual = (values: Float32Array, x: number): boolean => values.every((v) => v === Math.fround(x));

describe('alexNetInitializers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("'paper': N(0, 0.01²) weights; biases 1 in conv2, conv4, conv5, fc6, fc7, else 0", () => {
    const fc6 = weights('dense', 'paper', 'fc6');
    expectDistribution(fc6.kernel, 0.01);
    expect(allEqual(fc6.bias, 1)).toBe(true);
    const conv2 = weights('conv', 'paper', 'conv2');
    expectDistribution(conv2.kernel, 0.01);
    expect(allEqual(conv2.bias, 1)).toBe(true);
    for (const name of ['conv1', 'conv3', 'fc8']) expect(allEqual(weights('dense', 'paper', name).bias, 0)).toBe(true);
    for (const name of ['conv4', 'conv5', 'fc7']) expect(allEqual(weights('dense', 'paper', name).bias, 1)).toBe(true);
  });

  it("'caffe': std 0.01 (0.005 in fc6, fc7); biases 0.1 in conv2, conv4, conv5, fc6, fc7, else 0", () => {
    const fc6 = weights('dense', 'caffe', 'fc6');
    expectDistribution(fc6.kernel, 0.005);
    expect(allEqual(fc6.bias, 0.1)).toBe(true);
    expectDistribution(weights('dense', 'caffe', 'fc7').kernel, 0.005);
    expectDistribution(weights('dense', 'caffe', 'fc8').kernel, 0.01);
    const conv1 = weights('conv', 'caffe', 'conv1');
    expectDistribution(conv1.kernel, 0.01);
    expect(allEqual(conv1.bias, 0)).toBe(true);
    for (const name of ['conv2', 'conv4', 'conv5', 'fc7']) expect(allEqual(weights('dense', 'caffe', name).bias, 0.1)).toBe(true);
    for (const name of ['conv3', 'fc8']) expect(allEqual(weights('dense', 'caffe', name).bias, 0)).toBe(true);
  });

  it("'he': std √(2/fanIn), truncated at 2σ of the untruncated normal; zero biases", () => {
    const dense = weights('dense', 'he', 'fc6');
    expectDistribution(dense.kernel, Math.sqrt(2 / 500));
    expect(stats(dense.kernel).maxAbs).toBeLessThanOrEqual((2 * Math.sqrt(2 / 500)) / 0.87962566103423978 + 1e-6);
    expect(allEqual(dense.bias, 0)).toBe(true);
    const conv = weights('conv', 'he', 'conv2');
    expectDistribution(conv.kernel, Math.sqrt(2 / 1000));
    expect(allEqual(conv.bias, 0)).toBe(true);
  });

  it("'glorot': uniform ±√(6/(fanIn + fanOut)); zero biases", () => {
    const dense = weights('dense', 'glorot', 'fc6');
    expectDistribution(dense.kernel, Math.sqrt(2 / 700));
    expect(stats(dense.kernel).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 700));
    expect(allEqual(dense.bias, 0)).toBe(true);
    const conv = weights('conv', 'glorot', 'conv3');
    expectDistribution(conv.kernel, Math.sqrt(2 / 3500));
    expect(allEqual(conv.bias, 0)).toBe(true);
  });

  it('is deterministic per seed, and gives each layer its own stream', () => {
    for (const scheme of INIT_SCHEMES) {
      expect(weights('dense', scheme, 'fc7', 3).kernel).toEqual(weights('dense', scheme, 'fc7', 3).kernel);
      expect(weights('dense', scheme, 'fc7', 3).kernel).not.toEqual(weights('dense', scheme, 'fc7', 4).kernel);
      expect(weights('conv', scheme, 'conv3', 3).kernel).not.toEqual(weights('conv', scheme, 'conv4', 3).kernel);
    }
  });

  it('covers every AlexNet layer and names unknown layers, schemes and bad seeds', () => {
    for (const scheme of INIT_SCHEMES) for (const name of ALEXNET_LAYERS) expect(alexNetInitializers(scheme, name, 0).kernelInitializer).toBeDefined();
    expect(() => alexNetInitializers('paper', 'fc9', 1)).toThrow(
      "init scheme 'paper': unknown AlexNet layer 'fc9': expected one of conv1, conv2, conv3, conv4, conv5, fc6, fc7, fc8",
    );
    expect(() => alexNetInitializers('xavier' as InitScheme, 'fc6', 1)).toThrow("unknown init scheme 'xavier': expected one of paper, caffe, he, glorot");
    expect(() => alexNetInitializers('he', 'fc6', 1.5)).toThrow("init scheme 'he': seed must be an integer >= 0, got 1.5");
  });

  it('serializes with the layer, seed included', () => {
    const layer = tf.layers.dense({ name: 'fc8', units: 3, inputShape: [4], ...alexNetInitializers('caffe', 'fc8', 5) });
    const config = layer.getConfig();
    expect(config['kernelInitializer']).toEqual({ className: 'RandomNormal', config: { mean: 0, stddev: 0.01, seed: 5 * 8 + 7 } });
  });
});
