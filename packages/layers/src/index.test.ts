import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '@alexnet/test-support';
import * as layers from './index.js';

describe('@alexnet/layers', () => {
  it('bundles for the browser as a whole: no node: module, only tfjs left to the page', async () => {
    const bundle = await bundleForBrowser('@alexnet/layers');
    expect(bundle.nodeOnly).toEqual([]);
    expect(bundle.external).toEqual(['@tensorflow/tfjs']);
    expect(bundle.inputs.every((file) => file.startsWith('packages/layers/src/'))).toBe(true);
    expect(bundle.inputs).toContain('packages/layers/src/register.ts'); // the layer classes are registered for loading
    expect(bundle.bytes).toBeGreaterThan(1000);
    expect(bundle.exports).toEqual(Object.keys(layers).sort());
    expect(bundle.exports).toEqual(
      expect.arrayContaining(['LocalResponseNormalization', 'lrn', 'overlappingMaxPool', 'GroupedConv2D', 'groupedConv2d', 'SeededDropout']),
    );
  });
});
