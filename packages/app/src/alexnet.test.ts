import * as tf from '@tensorflow/tfjs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine, onEngine } from '@alexnet/test-support/engines';
import { GroupedConv2D, LocalResponseNormalization } from '@alexnet/layers';
import { loadModel, saveModel } from '@alexnet/train';
import { alexNet, logitsOf } from './alexnet.js';
import { featureSizes, resolveAlexNetConfig } from './alexnet-config.js';

const LAYER_NAMES = [
  'conv1',
  'norm1',
  'pool1',
  'conv2',
  'norm2',
  'pool2',
  'conv3',
  'conv4',
  'conv5',
  'pool5',
  'flatten',
  'fc6',
  'drop6',
  'fc7',
  'drop7',
  'fc8',
  'prob',
];
const names = (model: tf.LayersModel) => model.layers.map((l) => l.name);
const side = (model: tf.LayersModel, name: string) => (model.getLayer(name).outputShape as number[]).slice(1);
const weightsOf = (model: tf.LayersModel) => Object.fromEntries(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));

describe('alexNet', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it("has the paper's two-column layout with Caffe's 60,965,224 parameters at 227", () => {
    const model = alexNet();
    expect(names(model)).toEqual(LAYER_NAMES);
    // conv1 34,944 + conv2 307,456 + conv3 885,120 + conv4 663,936 + conv5 442,624
    // + fc6 37,752,832 + fc7 16,781,312 + fc8 4,097,000 (bvlc_alexnet).
    expect(model.countParams()).toBe(60_965_224);
    expect(model.getLayer('conv2')).toBeInstanceOf(GroupedConv2D);
    expect(model.getLayer('conv3')).not.toBeInstanceOf(GroupedConv2D);
    const shapes = Object.fromEntries(model.layers.map((l) => [l.name, (l.outputShape as number[]).slice(1)]));
    expect(shapes).toMatchObject({
      conv1: [55, 55, 96],
      norm1: [55, 55, 96],
      pool1: [27, 27, 96],
      conv2: [27, 27, 256],
      pool2: [13, 13, 256],
      conv3: [13, 13, 384],
      conv4: [13, 13, 384],
      conv5: [13, 13, 256],
      pool5: [6, 6, 256],
      flatten: [9216],
      fc6: [4096],
      fc7: [4096],
      fc8: [1000],
      prob: [1000],
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

describe("alexNet's switches for what the paper varies", () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', log: null });
  });
  const tiny = { classes: 10, width: 0.0625 } as const;

  it('lrn: paper (also true, the default), alpha-over-n, or off (also false)', () => {
    const alphaMode = (model: tf.LayersModel, name: string) =>
      (model.getLayer(name).getConfig() as { alphaDividedBySize: boolean; alpha: number }).alphaDividedBySize;
    const byDefault = alexNet(tiny);
    const paper = alexNet({ ...tiny, lrn: 'paper' });
    const legacy = alexNet({ ...tiny, lrn: true });
    for (const model of [byDefault, paper, legacy]) {
      expect(names(model)).toEqual(LAYER_NAMES);
      expect([alphaMode(model, 'norm1'), alphaMode(model, 'norm2')]).toEqual([false, false]);
    }
    // The same model whichever way 'paper' is asked for: topology and weights.
    expect(JSON.stringify(paper.toJSON(null, false))).toBe(JSON.stringify(byDefault.toJSON(null, false)));
    expect(weightsOf(legacy)).toEqual(weightsOf(byDefault));
    const overN = alexNet({ ...tiny, lrn: 'alpha-over-n' });
    expect([alphaMode(overN, 'norm1'), alphaMode(overN, 'norm2')]).toEqual([true, true]);
    expect((overN.getLayer('norm1').getConfig() as { alpha: number; size: number }).alpha).toBe(1e-4);
    for (const lrn of ['off', false] as const) {
      const off = alexNet({ ...tiny, lrn });
      expect(off.layers.some((l) => l instanceof LocalResponseNormalization)).toBe(false);
      expect(names(off)).toEqual(LAYER_NAMES.filter((n) => !n.startsWith('norm')));
      expect(off.countParams()).toBe(byDefault.countParams());
      off.dispose();
    }
    expect(() => alexNet({ lrn: 'caffe' as never })).toThrow("lrn must be one of 'paper', 'alpha-over-n', 'off' (or true / false), got \"caffe\"");
    for (const model of [byDefault, paper, legacy, overN]) model.dispose();
  });

  it('pool: overlapping 3×3/2 (default) or non-overlapping 2×2/2, with the feature sizes that follow', () => {
    const pools = (model: tf.LayersModel) => ['pool1', 'pool2', 'pool5'].map((n) => model.getLayer(n).getConfig() as { poolSize: number[]; strides: number[] });
    const overlapping = alexNet({ ...tiny, inputSize: 224, conv1Padding: 'valid' });
    const nonOverlapping = alexNet({ ...tiny, inputSize: 224, conv1Padding: 'valid', pool: 'non-overlapping' });
    expect(pools(overlapping).map((p) => [p.poolSize, p.strides])).toEqual(
      Array(3).fill([
        [3, 3],
        [2, 2],
      ]),
    );
    expect(pools(nonOverlapping).map((p) => [p.poolSize, p.strides])).toEqual(
      Array(3).fill([
        [2, 2],
        [2, 2],
      ]),
    );
    // 224 valid: 54 → 26 → 12 → 5 overlapping, 54 → 27 → 13 → 6 non-overlapping.
    expect(['pool1', 'pool2', 'pool5'].map((n) => side(overlapping, n)[0])).toEqual([26, 12, 5]);
    expect(['pool1', 'pool2', 'pool5'].map((n) => side(nonOverlapping, n)[0])).toEqual([27, 13, 6]);
    expect(featureSizes(224, { conv1Padding: 'valid', pool: 'non-overlapping' })).toEqual({ conv1: 54, pool1: 27, pool2: 13, pool5: 6 });
    // At 227 both poolings give 55-27-13-6, so the parameters are the same.
    const at227 = alexNet({ ...tiny, pool: 'non-overlapping' });
    expect(side(at227, 'pool5')[0]).toBe(6);
    expect(at227.countParams()).toBe(alexNet(tiny).countParams());
    expect(() => alexNet({ pool: 'average' as never })).toThrow("pool must be one of 'overlapping', 'non-overlapping', got \"average\"");
    // The smallest input follows the pooling too.
    expect(() => alexNet({ ...tiny, inputSize: 38, pool: 'non-overlapping' })).toThrow('input size 38 is too small for AlexNet: need at least 39 pixels');
    for (const model of [overlapping, nonOverlapping, at227]) model.dispose();
  });

  it("conv1Padding 'paper' (the default at 224) pads 1 before and 2 after: 224 → 55-27-13-6 and Caffe's 60,965,224 parameters", () => {
    const model = alexNet({ inputSize: 224 });
    expect(names(model)).toEqual(['pad1', ...LAYER_NAMES]);
    expect(model.layers[0]!.getClassName()).toBe('ZeroPadding2D');
    expect((model.layers[0]!.getConfig() as { padding: number[][] }).padding).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(model.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
    expect(side(model, 'pad1')).toEqual([227, 227, 3]);
    expect(['conv1', 'pool1', 'pool2', 'pool5', 'flatten'].map((n) => side(model, n)[0])).toEqual([55, 27, 13, 6, 9216]);
    expect(model.countParams()).toBe(60_965_224);
    model.dispose();
    expect(resolveAlexNetConfig({ inputSize: 224 }).conv1Padding).toBe('paper');
    expect(resolveAlexNetConfig({ inputSize: 227 }).conv1Padding).toBe('valid');
    expect(resolveAlexNetConfig({ inputSize: 224, conv1Padding: undefined, lrn: false }).lrn).toBe('off');
    expect(() => alexNet({ conv1Padding: 'same' as never })).toThrow("conv1Padding must be one of 'valid', 'paper', got \"same\"");
  });

  it("conv1Padding 'valid' at 224 gives 54-26-12-5: fc6 reads 6,400 inputs per 256 channels, 11,534,336 parameters fewer", () => {
    const model = alexNet({ inputSize: 224, conv1Padding: 'valid' });
    expect(names(model)).toEqual(LAYER_NAMES);
    expect(['conv1', 'pool1', 'pool2', 'pool5', 'flatten'].map((n) => side(model, n)[0])).toEqual([54, 26, 12, 5, 6400]);
    // fc6: (9,216 − 6,400) × 4,096 weights fewer.
    expect(model.countParams()).toBe(60_965_224 - (9216 - 6400) * 4096);
    model.dispose();
  });

  it('initialises by layer name: the padded and the unpadded model share every weight of the same shape', () => {
    const padded = weightsOf(alexNet({ ...tiny, inputSize: 224, seed: 9 }));
    const valid = weightsOf(alexNet({ ...tiny, inputSize: 224, seed: 9, conv1Padding: 'valid' }));
    for (const name of Object.keys(valid).filter((n) => !n.startsWith('fc6/'))) expect(padded[name], name).toEqual(valid[name]);
    expect(padded['fc6/kernel']!.length).toBeGreaterThan(valid['fc6/kernel']!.length);
  });

  it('saves and loads through saveModel / loadModel with the padding layer, 2×2 pools and α/n LRN', async () => {
    const model = alexNet({ ...tiny, inputSize: 224, pool: 'non-overlapping', lrn: 'alpha-over-n', seed: 2 });
    const dir = join(await temporaryFolder('alexnet-switches'), 'model');
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    expect(names(loaded)).toEqual(names(model));
    expect((loaded.getLayer('pad1').getConfig() as { padding: number[][] }).padding).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect((loaded.getLayer('pool2').getConfig() as { poolSize: number[] }).poolSize).toEqual([2, 2]);
    expect((loaded.getLayer('norm1').getConfig() as { alphaDividedBySize: boolean }).alphaDividedBySize).toBe(true);
    const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 5);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    // The loader derives pad1's output from its padding: a tampered one no longer fits the weights.
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.modelTopology.config.layers[0].config.padding = [
      [5, 5],
      [5, 5],
    ];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow("'fc6/kernel' has shape [576, 256] in the weights manifest, but the topology's layer makes it [784, 256]");
    json.modelTopology.config.layers[0].config.padding = [
      [1, -2],
      [1, 2],
    ];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow("layer 'pad1' (ZeroPadding2D): padding [[1,-2],[1,2]] is not 4 whole numbers");
    for (const m of [model, loaded]) m.dispose();
    x.dispose();
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
          const x = tf.tensor4d(
            Float32Array.from({ length: 3 * 67 * 67 * 3 }, (_, i) => Math.sin(i * 0.01) * 2),
            [3, 67, 67, 3],
          );
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
