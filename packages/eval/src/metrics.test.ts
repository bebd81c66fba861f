import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '@alexnet/test-support';
import * as metrics from './metrics.js';

describe('@alexnet/eval/metrics', () => {
  it('bundles for the browser: no node: module or sharp, only tfjs left to the page', async () => {
    const bundle = await bundleForBrowser('@alexnet/eval/metrics');
    expect(bundle.nodeOnly).toEqual([]);
    expect(bundle.external).toEqual(['@tensorflow/tfjs']);
    expect(bundle.inputs).toEqual([
      'packages/eval/src/confusion-matrix.ts',
      'packages/eval/src/metrics.ts',
      'packages/eval/src/text-escaping.ts',
      'packages/eval/src/top-k.ts',
    ]);
    expect(bundle.bytes).toBeGreaterThan(1000);
    expect(bundle.exports).toEqual(Object.keys(metrics).sort());
    expect(bundle.exports).toEqual(['ConfusionMatrix', 'TopKMeter', 'errorRates', 'topK', 'topKHits']);
  });
});
