import type { PreparedSplit } from './prepared-dataset.js';
import type { Random } from './random.js';

export interface BatchOptions {
  /** Side of the crop taken from each stored image. */
  crop: number;
  /** Per-channel mean [r, g, b] subtracted from every pixel (0–255 scale). */
  mean: [number, number, number];
  /** Multiplies each pixel after the mean is subtracted (e.g. 1/64 for roughly unit variance). Default 1. */
  scale?: number;
  /** Random crops and horizontal flips with p=0.5 (training, §4.1); center crop otherwise. */
  augment: boolean;
  /** Needed when augment is true. */
  random?: Random;
}

/** Per-channel mean of a split's pixels, float64 accumulation. */
export function channelMean(split: PreparedSplit): [number, number, number] {
  const sums = [0, 0, 0];
  for (let i = 0; i < split.images.length; i += 3) {
    sums[0]! += split.images[i]!;
    sums[1]! += split.images[i + 1]!;
    sums[2]! += split.images[i + 2]!;
  }
  const n = split.images.length / 3;
  return [sums[0]! / n, sums[1]! / n, sums[2]! / n];
}

/**
 * Builds a float32 batch [B, crop, crop, 3] from images of a prepared split:
 * a random crop and a coin-flip mirror each (training), or the center crop,
 * with the mean subtracted.
 */
export function cropFlipBatch(split: PreparedSplit, indices: ArrayLike<number>, options: BatchOptions): { xs: Float32Array; ys: Int32Array } {
  const { crop, mean, augment } = options;
  const scale = options.scale ?? 1;
  const size = split.size;
  if (crop > size) throw new Error(`crop ${crop} is larger than the stored images (${size}×${size})`);
  if (augment && options.random === undefined) throw new Error('augment needs a seeded random source');
  const xs = new Float32Array(indices.length * crop * crop * 3);
  const ys = new Int32Array(indices.length);
  const centre = Math.floor((size - crop) / 2);
  for (let b = 0; b < indices.length; b++) {
    const image = indices[b]!;
    ys[b] = split.labels[image]!;
    const top = augment ? Math.floor(options.random!() * (size - crop + 1)) : centre;
    const left = augment ? Math.floor(options.random!() * (size - crop + 1)) : centre;
    const flip = augment && options.random!() < 0.5;
    const base = image * size * size * 3;
    let o = b * crop * crop * 3;
    for (let y = 0; y < crop; y++) {
      const row = base + ((top + y) * size + left) * 3;
      for (let x = 0; x < crop; x++) {
        const p = row + (flip ? crop - 1 - x : x) * 3;
        xs[o++] = (split.images[p]! - mean[0]) * scale;
        xs[o++] = (split.images[p + 1]! - mean[1]) * scale;
        xs[o++] = (split.images[p + 2]! - mean[2]) * scale;
      }
    }
  }
  return { xs, ys };
}
