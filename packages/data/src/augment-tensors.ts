import * as tf from '@tensorflow/tfjs';
import { drawLightingAlphas, lightingShift } from './augment-image.js';
import { randomInt, type Random } from './random.js';
import type { Rgb, RgbEigen } from './rgb-eigen.js';

/*
 * The §4.1 augmentations as tfjs ops on batches [B, H, W, 3], for any tfjs model.
 * Each returns a new tensor and leaves its input alone (the caller disposes both).
 *
 * Random numbers are drawn batch by batch, image 0 first:
 *   randomCrop  — per image: top, then left (like `randomView(random, size, crop, false)`);
 *   randomFlip  — per image: one uniform, mirrored if < p;
 *   pcaLighting — per image: `drawLightingAlphas` (6 uniforms).
 * So subtractMean → randomCrop → randomFlip → pcaLighting on one Random gives the same images as
 * `cropFlipInto` fed by: all B crop views, then all B flip draws, then all B alpha triples.
 */

/** x − mean, where mean is an [H, W, 3] mean image or a per-channel [r, g, b]. Integer input is cast to float32. */
export function subtractMean(x: tf.Tensor4D, mean: tf.Tensor3D | Rgb): tf.Tensor4D {
  if (!Array.isArray(mean) && (mean.shape[0] !== x.shape[1] || mean.shape[1] !== x.shape[2] || mean.shape[2] !== x.shape[3])) {
    throw new Error(`subtractMean: mean image [${mean.shape}] does not match images [${x.shape.slice(1)}]`);
  }
  return tf.tidy(() => tf.sub(tf.cast(x, 'float32'), Array.isArray(mean) ? tf.tensor1d(mean) : mean));
}

/** An independent, uniformly placed crop×crop window of each image. */
export function randomCrop(x: tf.Tensor4D, crop: number, random: Random): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  checkCrop(height, width, crop);
  const origins = Array.from({ length: batch }, () => [randomInt(random, 0, height - crop), randomInt(random, 0, width - crop)] as const);
  return tf.tidy(() => tf.concat(origins.map(([top, left], b) => tf.slice(x, [b, top, left, 0], [1, crop, crop, channels]))));
}

/** Mirrors each image left–right with probability p, independently. */
export function randomFlip(x: tf.Tensor4D, random: Random, p = 0.5): tf.Tensor4D {
  const flips = Array.from({ length: x.shape[0] }, () => random() < p);
  // Shaped [B, 1, 1, 1]: tf.where broadcasts from the last axis, so a plain [B] mask would pick channels.
  return tf.tidy(() => tf.where(tf.tensor4d(flips, [flips.length, 1, 1, 1], 'bool'), tf.reverse(x, 2), x));
}

/**
 * Adds the PCA lighting shift (§4.1, see `lightingShift`) to every pixel, with fresh
 * α ~ N(0, sigma²) per image per call. `eigen.pixelScale` must be the pixel scale of x:
 * stats.json / `PixelStatistics` results (255) for 0–255 images, `IMAGENET_PCA` (1) for
 * images in [0, 1]; lighting is applied before any other rescaling.
 */
export function pcaLighting(x: tf.Tensor4D, eigen: RgbEigen, options: { sigma?: number; random: Random }): tf.Tensor4D {
  const { sigma = 0.1, random } = options;
  const shifts = Array.from({ length: x.shape[0] }, () => lightingShift(eigen, drawLightingAlphas(random, sigma)));
  return tf.tidy(() => tf.add(tf.cast(x, 'float32'), tf.tensor4d(shifts.flat(), [x.shape[0], 1, 1, 3])));
}

/** The centre crop×crop window, origin ⌊(H − crop)/2⌋, ⌊(W − crop)/2⌋ (like `centerView`). */
export function centerCrop(x: tf.Tensor4D, crop: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  checkCrop(height, width, crop);
  const top = Math.floor((height - crop) / 2);
  const left = Math.floor((width - crop) / 2);
  return tf.tidy(() => tf.slice(x, [0, top, left, 0], [batch, crop, crop, channels]));
}

function checkCrop(height: number, width: number, crop: number): void {
  if (!Number.isInteger(crop) || crop < 1 || crop > height || crop > width) {
    throw new Error(`crop ${crop} does not fit in ${height}×${width} images`);
  }
}
