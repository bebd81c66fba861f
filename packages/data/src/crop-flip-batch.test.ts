import { describe, expect, it } from 'vitest';
import { channelMean, cropFlipBatch } from './crop-flip-batch.js';
import type { PreparedSplit } from './prepared-dataset.js';
import { seededRandom } from './random.js';

// One 4×4 image whose red channel encodes x + 10·y, so crops can be located.
function grid(): PreparedSplit {
  const images = new Uint8Array(4 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) images.set([x + 10 * y, 1, 2], (y * 4 + x) * 3);
  return { size: 4, count: 1, images, labels: Int32Array.from([7]) };
}

describe('cropFlipBatch', () => {
  it('takes the center crop with the mean subtracted and scaled', () => {
    const { xs, ys } = cropFlipBatch(grid(), [0], { crop: 2, mean: [0, 1, 0], scale: 0.5, augment: false });
    expect(Array.from(ys)).toEqual([7]);
    // centre origin ⌊(4−2)/2⌋ = 1: reds 11, 12, 21, 22
    expect(Array.from(xs)).toEqual([5.5, 0, 1, 6, 0, 1, 10.5, 0, 1, 11, 0, 1]);
  });

  it('keeps random crops in bounds, mirrors exactly, and repeats under a seed', () => {
    const split = grid();
    const seen = new Set<string>();
    let flips = 0;
    const random = seededRandom(3);
    for (let i = 0; i < 200; i++) {
      const { xs } = cropFlipBatch(split, [0], { crop: 3, mean: [0, 0, 0], augment: true, random });
      const reds = [0, 1, 2].map((x) => xs[x * 3]!);
      const left = Math.min(...reds) % 10;
      const top = Math.floor(Math.min(...reds) / 10);
      expect(left + 3).toBeLessThanOrEqual(4);
      expect(top + 3).toBeLessThanOrEqual(4);
      const mirrored = reds[0]! > reds[2]!;
      if (mirrored) flips++;
      expect(reds).toEqual(mirrored ? [top * 10 + left + 2, top * 10 + left + 1, top * 10 + left] : [top * 10 + left, top * 10 + left + 1, top * 10 + left + 2]);
      seen.add(`${top},${left}`);
    }
    expect(seen.size).toBe(4);
    expect(flips).toBeGreaterThan(70);
    expect(flips).toBeLessThan(130);
    const a = cropFlipBatch(split, [0, 0], { crop: 3, mean: [0, 0, 0], augment: true, random: seededRandom(9) });
    const b = cropFlipBatch(split, [0, 0], { crop: 3, mean: [0, 0, 0], augment: true, random: seededRandom(9) });
    expect(a.xs).toEqual(b.xs);
  });

  it('refuses a crop larger than the images', () => {
    expect(() => cropFlipBatch(grid(), [0], { crop: 5, mean: [0, 0, 0], augment: false })).toThrow('crop 5 is larger than the stored images (4×4)');
  });

  it('computes the per-channel mean', () => {
    expect(channelMean(grid())).toEqual([(0 + 1 + 2 + 3) / 4 + 15, 1, 2]);
  });
});
