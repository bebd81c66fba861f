import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { alexNetOwt } from './alexnet-owt.js';

describe('alexNetOwt', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it("has torchvision's 61,100,840 parameters and 55 → 27 → 13 → 6 at 224", () => {
    const model = alexNetOwt();
    expect(model.countParams()).toBe(61_100_840);
    const shape = (name: string) => (model.getLayer(name).outputShape as number[]).slice(1);
    expect(shape('conv1')).toEqual([55, 55, 64]);
    expect(shape('pool1')).toEqual([27, 27, 64]);
    expect(shape('pool2')).toEqual([13, 13, 192]);
    expect(shape('pool5')).toEqual([6, 6, 256]);
    expect(model.layers.findIndex((l) => l.name === 'drop6')).toBeLessThan(model.layers.findIndex((l) => l.name === 'fc6'));
    model.dispose();
  });
});
