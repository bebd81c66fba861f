import { describe, expect, it } from 'vitest';
import { smallDataWarnings } from './prepare-warnings.js';
import type { PreparedIndex } from './prepared-dataset.js';

/** An index of `classes` classes whose splits hold the given image counts (no shards needed to judge it). */
function index(classes: string[], counts: Record<string, number>, source: Partial<PreparedIndex['source']> = {}): PreparedIndex {
  return {
    format: 'alexnet-prepared',
    version: 2,
    size: 8,
    encoding: 'raw',
    classes,
    source: { path: '/data/src', format: 'class-folders', heldOut: true, valFraction: 0.1, seed: 1, ...source },
    splits: Object.fromEntries(Object.entries(counts).map(([name, count]) => [name, { count, shards: [] }])),
    stats: 'stats.json',
    meanImage: 'mean-image.f32',
    rejected: 'rejected.json',
  };
}

describe('smallDataWarnings', () => {
  it('has nothing to say about a dataset with a few images of every class in each split', () => {
    expect(smallDataWarnings('/data/src', index(['cat', 'dog'], { train: 8, val: 2 }))).toEqual([]);
  });

  it('names the single class and the layout of the format', () => {
    expect(smallDataWarnings('/data/src', index(['cat'], { train: 9, val: 1 }))).toEqual([
      'only one class (cat): a classifier needs at least two; check the source layout (/data/src/<class>/<image>)',
    ]);
    expect(smallDataWarnings('/data/src', index(['cat'], { train: 9, val: 1 }, { format: 'split-folders', heldOut: false }))[0]).toBe(
      'only one class (cat): a classifier needs at least two; check the source layout (/data/src/train/<class>/<image>)',
    );
  });

  it('counts a split with fewer images than classes', () => {
    expect(smallDataWarnings('/data/src', index(['a', 'b', 'c'], { train: 2, val: 1 }))).toEqual([
      'the train split has 2 images for 3 classes: fewer than one per class, so some classes have none',
      'the val split has 1 image for 3 classes: fewer than one per class, so some classes have none',
    ]);
  });

  it('says why the validation split is empty, held out or the tree’s own', () => {
    expect(smallDataWarnings('/data/src', index(['a', 'b'], { train: 2, val: 0 }))).toEqual([
      'the validation split is empty (0 of 2 images): no error rate can be measured; a class gives images to val (valFraction 0.1) only when it has at least 2',
    ]);
    expect(smallDataWarnings('/data/src', index(['a', 'b'], { train: 5, val: 0 }, { format: 'split-folders', heldOut: false }))).toEqual([
      "the validation split is empty (0 of 5 images): no error rate can be measured; the source's own val images are missing or were all rejected (see rejected.json)",
    ]);
  });
});
