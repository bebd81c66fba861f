import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { centerView, cropFlipInto, drawLightingAlphas, lightingShift, randomView } from './augment-image.js';
import { centerCrop, pcaLighting, randomCrop, randomFlip, subtractMean } from './augment-tensors.js';
import { seededRandom } from './random.js';
import type { Rgb } from './rgb-eigen.js';
import { rgbPca } from './rgb-pca.js';

const B = 3; // = the channel count on purpose: a per-image mask broadcast over channels would go unnoticed otherwise
const S = 6;
const CROP = 4;
const random = seededRandom(42);
const images = Array.from({ length: B }, () => Uint8Array.from({ length: S * S * 3 }, () => Math.floor(random() * 256)));
const meanImage = Float32Array.from({ length: S * S * 3 }, () => 100 + 50 * random());
const EIGEN = rgbPca([
  [900, 400, 300],
  [400, 700, 350],
  [300, 350, 600],
]);

function batch(): tf.Tensor4D {
  const data = new Float32Array(B * S * S * 3);
  images.forEach((image, b) => data.set(image, b * S * S * 3));
  return tf.tensor4d(data, [B, S, S, 3]);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** Runs `op`, checks it created exactly its output, and returns the output's values. */
function run(op: () => tf.Tensor): Float32Array {
  const before = tf.memory().numTensors;
  const out = op();
  expect(tf.memory().numTensors).toBe(before + 1);
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tensor augmentations', () => {
  it('equal the typed-array path on the same draws', () => {
    // Tensor pipeline: crops for the whole batch, then flips, then alphas (see augment-tensors.ts).
    const tensorRandom = seededRandom(7);
    const x = batch();
    const mean = tf.tensor3d(meanImage, [S, S, 3]);
    const before = tf.memory().numTensors;
    const centred = subtractMean(x, mean);
    const cropped = randomCrop(centred, CROP, tensorRandom);
    const flipped = randomFlip(cropped, tensorRandom);
    const lit = pcaLighting(flipped, EIGEN, { random: tensorRandom });
    expect(tf.memory().numTensors).toBe(before + 4);
    const actual = lit.dataSync();

    // Typed path, drawing in the same order from an identical stream.
    const typedRandom = seededRandom(7);
    const views = images.map(() => randomView(typedRandom, S, CROP, false));
    const flips = images.map(() => typedRandom() < 0.5);
    const alphas = images.map(() => drawLightingAlphas(typedRandom));
    const expected = new Float32Array(B * CROP * CROP * 3);
    images.forEach((image, b) => {
      const view = { ...views[b]!, flip: flips[b]! };
      cropFlipInto(expected, b * CROP * CROP * 3, image, S, view, { mean: meanImage, shift: lightingShift(EIGEN, alphas[b]!) });
    });
    expectClose(actual, expected);
    expect(tensorRandom()).toBe(typedRandom()); // both consumed the same count
    // The draws above do cover both flip outcomes and more than one crop position.
    expect(new Set(flips).size).toBe(2);
    expect(new Set(views.map((v) => `${v.top},${v.left}`)).size).toBeGreaterThan(1);

    expect(x.isDisposed).toBe(false);
    tf.dispose([x, mean, centred, cropped, flipped, lit]);
  });

  it('subtract a per-channel mean and cast integer images to float', () => {
    const x = tf.tensor4d(images[0]!, [1, S, S, 3], 'int32');
    const mean: Rgb = [10, 20.5, 30];
    const expected = Float32Array.from(images[0]!, (v, i) => v - mean[i % 3]!);
    expectClose(
      run(() => subtractMean(x, mean)),
      expected,
      1e-6,
    );
    const wrong = tf.zeros([S, S - 1, 3]) as tf.Tensor3D;
    expect(() => subtractMean(x, wrong)).toThrow('does not match');
    tf.dispose([x, wrong]);
  });

  it('centre-crop like centerView', () => {
    const x = batch();
    const expected = new Float32Array(B * 9 * 3);
    images.forEach((image, b) => cropFlipInto(expected, b * 27, image, S, centerView(S, 3)));
    expectClose(
      run(() => centerCrop(x, 3)),
      expected,
      0,
    );
    expect(() => centerCrop(x, S + 1)).toThrow('crop 7 does not fit in 6×6 images');
    x.dispose();
  });

  it('flip never with p = 0 and always with p = 1', () => {
    const x = batch();
    const mirrored = new Float32Array(B * S * S * 3);
    images.forEach((image, b) => cropFlipInto(mirrored, b * S * S * 3, image, S, { ...centerView(S, S), flip: true }));
    expectClose(
      run(() => randomFlip(x, seededRandom(1), 1)),
      mirrored,
      0,
    );
    expectClose(
      run(() => randomFlip(x, seededRandom(1), 0)),
      x.dataSync(),
      0,
    );
    x.dispose();
  });

  it('light every pixel of an image by one vector, a different one per image, repeatably', () => {
    const x = batch();
    const shifted = run(() => pcaLighting(x, EIGEN, { random: seededRandom(3), sigma: 0.2 }));
    const again = run(() => pcaLighting(x, EIGEN, { random: seededRandom(3), sigma: 0.2 }));
    expect(again).toEqual(shifted);
    const draws = seededRandom(3);
    const original = x.dataSync();
    const shifts = images.map(() => lightingShift(EIGEN, drawLightingAlphas(draws, 0.2)));
    expectClose(
      shifted,
      Float32Array.from(original, (v, i) => v + shifts[Math.floor(i / (S * S * 3))]![i % 3]!),
    );
    expect(shifts[0]).not.toEqual(shifts[1]);
    x.dispose();
  });

  it('crop each image at its own position', () => {
    const x = batch();
    const crops = run(() => randomCrop(x, CROP, seededRandom(5)));
    const draws = seededRandom(5);
    const expected = new Float32Array(B * CROP * CROP * 3);
    images.forEach((image, b) => cropFlipInto(expected, b * CROP * CROP * 3, image, S, randomView(draws, S, CROP, false)));
    expectClose(crops, expected, 0);
    x.dispose();
  });
});
