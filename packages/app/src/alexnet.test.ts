import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { describeEachEngine, onEngine } from '@alexnet/test-support/engines';
import { GroupedConv2D, LocalResponseNormalization } from '@alexnet/layers';
import { alexNet, logitsOf } from './alexnet.js';
import { featureSizes } from './alexnet-config.js';

describe('alexNet', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it("has the paper's two-column layout with Caffe's 60,965,224 parameters at 227", () => {
    const model = alexNet();
    // conv1 34,944 + conv2 307,456 + conv3 885,120 + conv4 663,936 + conv5 442,624
    // + fc6 37,752,832 + fc7 16,781,312 + fc8 4,097,000 (bvlc_alexnet).
    expect(model.countParams()).toBe(60_965_224);
    expect(model.getLayer('conv2')).toBeInstanceOf(GroupedConv2D);
    expect(model.getLayer('conv3')).not.toBeInstanceOf(GroupedConv2D);
    const shapes = Object.fromEntries(model.layers.map((l) => [l.name, (l.outputShape as number[]).slice(1)]));
    expect(shapes).toMatchObject({
      conv1: [55, 55, 96], norm1: [55, 55, 96], pool1: [27, 27, 96],
      conv2: [27, 27, 256], pool2: [13, 13, 256], conv3: [13, 13, 384], conv4: [13, 13, 384],
      conv5: [13, 13, 256], pool5: [6, 6, 256], flatten: [9216], fc6: [4096], fc7: [4096], fc8: [1000], prob: [1000],
    });
    expect(model.getLayer('norm1')).toBeInstanceOf(LocalResponseNormalization);
    expect((model.getLayer('drop6').getConfig() as { rate: number }).rate).toBe(0.5);
    model.dispose();
  });

  it('with one column has the same widths ungrouped: 62,378,344 parameters', () => {
    const model = alexNet({ columns: 1 });
    // conv2 614,656, conv4 1,327,488, conv5 884,992 instead of the grouped counts.
    expect(model.countParams()).toBe(62_378_344);
    model.dispose();
  });

  it('scales width and input size, and refuses an input too small', () => {
    const model = alexNet({ classes: 10, inputSize: 112, width: 0.25 });
    expect((model.getLayer('conv1').outputShape as number[])[3]).toBe(24);
    expect((model.getLayer('fc7').outputShape as number[])[1]).toBe(1024);
    expect((model.getLayer('pool5').outputShape as number[]).slice(1)).toEqual([2, 2, 64]);
    model.dispose();
    expect(featureSizes(67).pool5).toBe(1);
    expect(() => alexNet({ inputSize: 66 })).toThrow('input size 66 is too small for AlexNet');
  });

  it('uses the paper initialisation: N(0, 0.01²) weights, biases 1 in conv2/4/5 and fc6/7', () => {
    const model = alexNet({ classes: 10, inputSize: 67, width: 0.125, seed: 5 });
    const bias = (name: string) => Array.from(model.getLayer(name).getWeights()[1]!.dataSync());
    for (const name of ['conv2', 'conv4', 'conv5', 'fc6', 'fc7']) expect(new Set(bias(name))).toEqual(new Set([1]));
    for (const name of ['conv1', 'conv3', 'fc8']) expect(new Set(bias(name))).toEqual(new Set([0]));
    const w = Array.from(model.getLayer('fc6').getWeights()[0]!.dataSync());
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(std).toBeGreaterThan(0.0095);
    expect(std).toBeLessThan(0.0105);
    model.dispose();
  });
});

describeEachEngine(
  'alexNet training gradients',
  () => {
    it("has the cpu engine's loss and gradients (relative 1e-4)", async () => {
      const grads = () => {
        const model = alexNet({ classes: 10, inputSize: 67, width: 0.125, init: 'he', seed: 3, dropout: 0 });
        const logits = logitsOf(model);
        const result = tf.tidy(() => {
          const x = tf.tensor4d(Float32Array.from({ length: 3 * 67 * 67 * 3 }, (_, i) => Math.sin(i * 0.01) * 2), [3, 67, 67, 3]);
          const ys = tf.oneHot(tf.tensor1d([1, 2, 3], 'int32'), 10);
          const { value, grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, logits.apply(x) as tf.Tensor) as tf.Scalar);
          return { loss: value.dataSync()[0]!, grads: Object.values(g).map((t) => t.dataSync().slice()) };
        });
        model.dispose();
        return result;
      };
      const here = grads();
      const cpu = await onEngine('cpu', grads);
      expect(here.loss).toBeCloseTo(cpu.loss, 5);
      expect(here.grads).toHaveLength(16);
      here.grads.forEach((g, i) => {
        const ref = cpu.grads[i]!;
        let diff = 0;
        let scale = 0;
        for (let j = 0; j < ref.length; j++) {
          diff = Math.max(diff, Math.abs(g[j]! - ref[j]!));
          scale = Math.max(scale, Math.abs(ref[j]!));
        }
        expect(diff / scale).toBeLessThan(1e-4);
      });
    });
  },
  ['wasm', 'node'],
);
