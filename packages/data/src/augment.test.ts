import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '@alexnet/test-support';
import * as augment from './augment.js';

describe('@alexnet/data/augment', () => {
  it('bundles for the browser: no node: module, sharp or ml-matrix, only tfjs left to the page', async () => {
    const bundle = await bundleForBrowser('@alexnet/data/augment');
    expect(bundle.nodeOnly).toEqual([]);
    expect(bundle.external).toEqual(['@tensorflow/tfjs']);
    expect(bundle.inputs).toEqual([
      'packages/data/src/augment-image.ts',
      'packages/data/src/augment-tensors.ts',
      'packages/data/src/augment.ts',
      'packages/data/src/random.ts',
      'packages/data/src/rgb-eigen.ts',
    ]);
    expect(bundle.bytes).toBeGreaterThan(1000);
    // Everything the entry exports, and nothing else.
    expect(bundle.exports).toEqual(Object.keys(augment).sort());
    expect(bundle.exports).toEqual(
      expect.arrayContaining(['subtractMean', 'randomCrop', 'randomFlip', 'pcaLighting', 'centerCrop', 'cropFlipInto', 'IMAGENET_PCA', 'seededRandom']),
    );
  });

  it('is the browser-safe part: the main entry needs node: modules, sharp and ml-matrix', async () => {
    const { nodeOnly } = await bundleForBrowser('@alexnet/data');
    const needed = new Set(nodeOnly.map((line) => line.split(' → ')[1]!.replace(/\/.*$/, '')));
    expect(needed).toContain('sharp');
    expect(needed).toContain('ml-matrix');
    expect(nodeOnly.some((line) => line.startsWith('packages/files/src/') && line.includes('→ node:fs'))).toBe(true);
  });
});
