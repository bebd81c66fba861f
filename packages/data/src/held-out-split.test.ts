import { describe, expect, it } from 'vitest';
import { heldOutSplit } from './held-out-split.js';

describe('heldOutSplit', () => {
  it('holds out the same items for the same seed', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ file: `f${i}`, label: i % 3 }));
    expect(heldOutSplit(items, 0.2, 4)).toEqual(heldOutSplit(items, 0.2, 4));
    expect(heldOutSplit(items, 0.2, 4).val).toHaveLength(6);
    expect(() => heldOutSplit(items, 1, 4)).toThrow('val fraction must be in (0, 1), got 1');
  });

  it('never holds out a whole class', () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ file: `f${i}`, label: i % 3 }));
    const { train, val } = heldOutSplit(items, 0.9, 1);
    expect(new Set(train.map((t) => t.label))).toEqual(new Set([0, 1, 2]));
    expect(val).toHaveLength(3);
  });
});
