import { centerView, drawLightingAlphas, lightingShift, randomView } from './augment-image.js';
import { hashSeed, seededRandom, shuffleInPlace } from './random.js';
import type { RgbEigen } from './rgb-eigen.js';

/** What a batch needs from the images: which ones, which view of each, and each one's lighting shift. */
export interface BatchRequest {
  /** Positions in the split. */
  indices: Int32Array;
  /** top, left, flip (0/1) per image. */
  views: Int32Array;
  /** dr, dg, db per image (0–255 scale). */
  shifts: Float32Array;
}

export interface AugmentPlan {
  /** Side of the stored images. */
  size: number;
  crop: number;
  /** Random crops and mirrors (training); the center crop otherwise. */
  augment: boolean;
  /** PCA lighting (§4.1): the eigen-statistics and σ, or undefined for none. */
  lighting?: { eigen: RgbEigen; sigma: number };
}

/** The order of a split's images in one epoch: a seeded permutation per epoch, or file order. */
export function epochOrder(count: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  const order = Array.from({ length: count }, (_, i) => i);
  if (shuffle) shuffleInPlace(order, seededRandom(hashSeed(seed, epoch)));
  return Int32Array.from(order);
}

/**
 * Draws the augmentation of each image of a batch. Every image has its own
 * random stream, keyed by (seed, epoch, position in the epoch), so a batch is
 * the same whichever worker builds it and however far ahead it is built.
 */
export function planBatch(indices: Int32Array, firstPosition: number, seed: number, epoch: number, plan: AugmentPlan): BatchRequest {
  const views = new Int32Array(indices.length * 3);
  const shifts = new Float32Array(indices.length * 3);
  const center = centerView(plan.size, plan.crop);
  for (let b = 0; b < indices.length; b++) {
    if (!plan.augment && !plan.lighting) {
      views.set([center.top, center.left, 0], b * 3);
      continue; // nothing random to draw
    }
    const random = seededRandom(hashSeed(seed, epoch, firstPosition + b));
    const view = plan.augment ? randomView(random, plan.size, plan.crop) : center;
    views.set([view.top, view.left, view.flip ? 1 : 0], b * 3);
    if (plan.lighting) shifts.set(lightingShift(plan.lighting.eigen, drawLightingAlphas(random, plan.lighting.sigma)), b * 3);
  }
  return { indices, views, shifts };
}
