import { describe, expect, it } from 'vitest';
import { TopKMeter, topKHits } from './top-k.js';

describe('top-k', () => {
  it('counts a label among the k highest scores', () => {
    const scores = [
      0.1, 0.7, 0.2, // label 1 is top-1
      0.5, 0.3, 0.2, // label 2 is third
    ];
    expect(topKHits(scores, [1, 2], 3, [1, 2, 3])).toEqual([1, 1, 2]);
  });

  it('counts ties against the model', () => {
    // Every class equal: the label's rank is classes−1, so only k = classes credits it.
    expect(topKHits([0.25, 0.25, 0.25, 0.25], [2], 4, [1, 3, 4])).toEqual([0, 0, 1]);
    // Tied with one other class at the top: not top-1, but top-2.
    expect(topKHits([0.4, 0.4, 0.2], [0], 3, [1, 2])).toEqual([0, 1]);
  });

  it('streams over batches', () => {
    const meter = new TopKMeter(2, [1]);
    meter.add([1, 0], [0]);
    meter.add([1, 0, 0, 1], [1, 1]);
    expect(meter.count).toBe(3);
    expect(meter.accuracy()[1]).toBeCloseTo(2 / 3, 10);
  });
});
