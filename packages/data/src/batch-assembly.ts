import { cropFlipInto, type PixelTransform } from './augment-image.js';
import type { BatchRequest } from './batch-plan.js';
import type { PreparedSplit } from './prepared-dataset.js';

export interface AssembledBatch {
  /** [B, crop, crop, 3] float32, channels last. */
  xs: Float32Array;
  ys: Int32Array;
}

/** How stored pixels become network input: out = (pixel − mean + lighting) · scale. */
export interface PixelSettings {
  crop: number;
  /** Mean image (S×S×3), per-channel mean, or none. */
  mean?: Float32Array | [number, number, number];
  scale: number;
}

/** Reads, crops, mirrors, shifts and normalises the images of one batch. */
export async function assembleBatch(split: PreparedSplit, request: BatchRequest, pixel: PixelSettings): Promise<AssembledBatch> {
  const { crop } = pixel;
  const n = request.indices.length;
  const xs = new Float32Array(n * crop * crop * 3);
  const ys = new Int32Array(n);
  // One read buffer per call (not per worker: two batches of one worker interleave at awaits).
  const scratch = Buffer.allocUnsafe(split.size * split.size * 3);
  for (let b = 0; b < n; b++) {
    const i = request.indices[b]!;
    ys[b] = split.labels[i]!;
    const v = request.views.subarray(b * 3, b * 3 + 3);
    const s = request.shifts.subarray(b * 3, b * 3 + 3);
    const transform: PixelTransform = { shift: [s[0]!, s[1]!, s[2]!], scale: pixel.scale, ...(pixel.mean ? { mean: pixel.mean } : {}) };
    cropFlipInto(xs, b * crop * crop * 3, await split.pixels(i, scratch), split.size, { crop, top: v[0]!, left: v[1]!, flip: v[2] === 1 }, transform);
  }
  return { xs, ys };
}
