import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { temporaryFolder } from '@alexnet/test-support';
import { loadModel, saveModel } from '@alexnet/train';
import { alexNetOwt } from './alexnet-owt.js';

const names = (model: tf.LayersModel) => model.layers.map((l) => l.name);

describe('alexNetOwt', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it("has torchvision's 61,100,840 parameters and 55 → 27 → 13 → 6 at 224", () => {
    const model = alexNetOwt();
    expect(model.countParams()).toBe(61_100_840);
    expect(names(model)).toEqual([
      'pad1',
      'conv1',
      'pool1',
      'pad2',
      'conv2',
      'pool2',
      'pad3',
      'conv3',
      'pad4',
      'conv4',
      'pad5',
      'conv5',
      'pool5',
      'flatten',
      'drop6',
      'fc6',
      'drop7',
      'fc7',
      'fc8',
      'prob',
    ]);
    const shape = (name: string) => (model.getLayer(name).outputShape as number[]).slice(1);
    expect(shape('conv1')).toEqual([55, 55, 64]);
    expect(shape('pool1')).toEqual([27, 27, 64]);
    expect(shape('pool2')).toEqual([13, 13, 192]);
    expect(shape('pool5')).toEqual([6, 6, 256]);
    expect(model.layers.findIndex((l) => l.name === 'drop6')).toBeLessThan(model.layers.findIndex((l) => l.name === 'fc6'));
    model.dispose();
  });
});

describe("alexNetOwt's switches", () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', log: null });
  });
  const tiny = { classes: 10, width: 0.0625 } as const;

  it('pool: non-overlapping 2×2/2 keeps 55-27-13-6 at 224, so the same parameters', () => {
    const overlapping = alexNetOwt(tiny);
    const model = alexNetOwt({ ...tiny, pool: 'non-overlapping' });
    expect(['pool1', 'pool2', 'pool5'].map((n) => (model.getLayer(n).getConfig() as { poolSize: number[] }).poolSize)).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    expect(['pool1', 'pool2', 'pool5'].map((n) => (overlapping.getLayer(n).getConfig() as { poolSize: number[] }).poolSize)).toEqual([
      [3, 3],
      [3, 3],
      [3, 3],
    ]);
    expect((model.getLayer('pool5').outputShape as number[]).slice(1, 3)).toEqual([6, 6]);
    expect(model.countParams()).toBe(overlapping.countParams());
    expect(names(model)).toEqual(names(overlapping));
    for (const m of [model, overlapping]) m.dispose();
  });

  it('has no LRN to switch on and takes no conv1Padding (torchvision pads conv1 by 2)', () => {
    alexNetOwt({ ...tiny, lrn: 'off' }).dispose();
    alexNetOwt({ ...tiny, lrn: false }).dispose();
    expect(() => alexNetOwt({ lrn: 'paper' as never })).toThrow("alexnet-owt has no LRN (torchvision's AlexNet has none); lrn must be 'off', got \"paper\"");
    expect(() => alexNetOwt({ conv1Padding: 'paper' as never })).toThrow('conv1Padding applies to alexnet only');
    expect(() => alexNetOwt({ inputSize: 60 })).toThrow('input size 60 is too small for AlexNet: need at least 63 pixels');
  });

  it('saves and loads through saveModel / loadModel (its ZeroPadding2D layers included)', async () => {
    const model = alexNetOwt({ ...tiny, pool: 'non-overlapping', seed: 4 });
    const dir = join(await temporaryFolder('alexnet-owt'), 'model');
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    expect(names(loaded)).toEqual(names(model));
    const x = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 6);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    for (const m of [model, loaded]) m.dispose();
    x.dispose();
  });
});
