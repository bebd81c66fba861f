import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from './confusion-matrix.js';

/** Three classes; true 0 → predicted 0,0,1; true 1 → 1,2; true 2 → 2,2,2,0. */
function example(): ConfusionMatrix {
  const matrix = new ConfusionMatrix(3);
  matrix.add([0, 0, 1, 1], [0, 0, 0, 1]);
  matrix.add([2, 2, 2, 2, 0], [1, 2, 2, 2, 2]);
  return matrix;
}

describe('ConfusionMatrix', () => {
  it('counts rows = true class, columns = prediction, streamed over batches', () => {
    const matrix = example();
    expect(matrix.counts).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 3],
    ]);
    expect(matrix.total).toBe(9);
  });

  it('gives per-class accuracy (NaN for a class never seen)', () => {
    expect(example().perClassAccuracy()).toEqual([2 / 3, 1 / 2, 3 / 4]);
    const unseen = new ConfusionMatrix(2);
    unseen.add([0], [0]);
    expect(unseen.perClassAccuracy()).toEqual([1, Number.NaN]);
    expect(unseen.rowNormalized()).toEqual([
      [1, 0],
      [0, 0],
    ]);
  });

  it('refuses out-of-range classes and leaves the counts untouched', () => {
    const matrix = example();
    expect(() => matrix.add([0, 3], [0, 0])).toThrow(/prediction 1 is 3/);
    expect(() => matrix.add([0], [-1])).toThrow(/label 0 is -1/);
    expect(() => matrix.add([0], [0, 1])).toThrow(/1 predictions for 2 labels/);
    expect(matrix.total).toBe(9);
  });

  it('writes CSV with predicted names across and true names down', () => {
    expect(example().toCsv(['cat', 'dog, big', 'say "hi"'])).toBe(
      ['true\\predicted,cat,"dog, big","say ""hi"""', 'cat,2,1,0', '"dog, big",0,1,1', '"say ""hi""",1,0,3', ''].join('\n'),
    );
    expect(example().toCsv()).toBe('true\\predicted,0,1,2\n0,2,1,0\n1,0,1,1\n2,1,0,3\n');
    expect(() => example().toCsv(['a'])).toThrow(/1 class names for 3 classes/);
  });
});
