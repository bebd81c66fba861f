import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { averageViews, centerCrop, centerCropBatch, TEN_CROP_VIEWS, tenCrop, tenCropBatch } from './views.js';

/** Each value names its position: 10000·image + 1000·channel + 100·y + x (x, y < 10). */
const code = (image: number, y: number, x: number, c: number) => 10000 * image + 1000 * c + 100 * y + x;

function labelled(images: number, height: number, width: number, channels: number): tf.Tensor4D {
  const values: number[] = [];
  for (let b = 0; b < images; b++)
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) values.push(code(b, y, x, c));
  return tf.tensor4d(values, [images, height, width, channels]);
}

/** The reference crop [size, size, C] at (top, left), optionally mirrored, as plain numbers. */
function crop(image: number, top: number, left: number, size: number, channels: number, mirrored: boolean): number[] {
  const values: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sourceX = mirrored ? left + size - 1 - x : left + x;
      for (let c = 0; c < channels; c++) values.push(code(image, top + y, sourceX, c));
    }
  }
  return values;
}

/** Runs `op`, checks it left exactly its output behind, and returns the output's values and shape. */
function run(op: () => tf.Tensor): { values: number[]; shape: number[] } {
  const before = tf.memory().numTensors;
  const out = op();
  expect(tf.memory().numTensors).toBe(before + 1);
  const result = { values: Array.from(out.dataSync()), shape: out.shape };
  out.dispose();
  return result;
}

describeEachEngine('views', () => {
  describe('centerCrop', () => {
    it('starts at ⌊(H−size)/2⌋, ⌊(W−size)/2⌋ for even and odd differences', () => {
      // 7×8 image, crop 4: H−4 = 3 (odd) → top 1; W−4 = 4 (even) → left 2.
      const batch = labelled(1, 7, 8, 2);
      const image = batch.squeeze<tf.Tensor3D>([0]);
      const { values, shape } = run(() => centerCrop(image, 4));
      expect(shape).toEqual([4, 4, 2]);
      expect(values).toEqual(crop(0, 1, 2, 4, 2, false));
      // Crop 3: H−3 = 4 → top 2; W−3 = 5 → left 2.
      expect(run(() => centerCrop(image, 3)).values).toEqual(crop(0, 2, 2, 3, 2, false));
      expect(image.isDisposed).toBe(false);
      tf.dispose([batch, image]);
    });

    it('crops a batch image by image', () => {
      const batch = labelled(3, 6, 5, 3);
      const { values, shape } = run(() => centerCropBatch(batch, 3));
      expect(shape).toEqual([3, 3, 3, 3]);
      expect(values).toEqual([0, 1, 2].flatMap((b) => crop(b, 1, 1, 3, 3, false)));
      batch.dispose();
    });

    it('refuses a crop that does not fit', () => {
      const image = tf.zeros([4, 6, 3]) as tf.Tensor3D;
      expect(() => centerCrop(image, 5)).toThrow(/does not fit/);
      expect(() => tenCrop(image, 0)).toThrow(/does not fit/);
      image.dispose();
    });
  });

  describe('tenCrop', () => {
    it("gives Caffe oversample's order: four corners, center, then the same five mirrored", () => {
      // 7×6 image, crop 4: corners at rows 0/3, columns 0/2; center at ⌊3/2⌋ = 1, ⌊2/2⌋ = 1.
      const batch = labelled(1, 7, 6, 2);
      const image = batch.squeeze<tf.Tensor3D>([0]);
      const { values, shape } = run(() => tenCrop(image, 4));
      expect(shape).toEqual([10, 4, 4, 2]);
      const origins: Array<[number, number]> = [
        [0, 0],
        [0, 2],
        [3, 0],
        [3, 2],
        [1, 1],
      ];
      const expected = [false, true].flatMap((mirrored) => origins.flatMap(([top, left]) => crop(0, top, left, 4, 2, mirrored)));
      expect(values).toEqual(expected);
      expect(TEN_CROP_VIEWS).toHaveLength(10);
      tf.dispose([batch, image]);
    });

    it('mirrors each crop in place: view 5 is the top-left crop flipped, not a crop of the flipped image', () => {
      const batch = labelled(1, 5, 5, 1);
      const image = batch.squeeze<tf.Tensor3D>([0]);
      const views = tenCrop(image, 3);
      const view5 = views.slice([5, 0, 0, 0], [1, 3, 3, 1]);
      // First row of the top-left crop is x = 0, 1, 2; mirrored it reads 2, 1, 0.
      expect(Array.from(view5.dataSync()).slice(0, 3)).toEqual([2, 1, 0]);
      tf.dispose([batch, image, views, view5]);
    });

    it('batched equals per image, image-major', () => {
      const batch = labelled(3, 6, 7, 3);
      const { values, shape } = run(() => tenCropBatch(batch, 4));
      expect(shape).toEqual([30, 4, 4, 3]);
      const perImage = [0, 1, 2].flatMap((b) => {
        const image = batch.slice([b, 0, 0, 0], [1, 6, 7, 3]).squeeze<tf.Tensor3D>([0]);
        const result = run(() => tenCrop(image, 4)).values;
        image.dispose();
        return result;
      });
      expect(values).toEqual(perImage);
      expect(batch.isDisposed).toBe(false);
      batch.dispose();
    });

    it('gives ten copies of the image when the crop is the whole image', () => {
      const batch = labelled(1, 3, 3, 1);
      const { values } = run(() => tenCropBatch(batch, 3));
      const whole = crop(0, 0, 0, 3, 1, false);
      const flipped = crop(0, 0, 0, 3, 1, true);
      expect(values).toEqual([...Array(5).fill(whole).flat(), ...Array(5).fill(flipped).flat()]);
      batch.dispose();
    });
  });

  describe('averageViews', () => {
    it("averages each image's consecutive view rows", () => {
      // Two images, two views each (views = 2 keeps the fixture small), three classes.
      const probabilities = tf.tensor2d([
        [0.6, 0.3, 0.1],
        [0.2, 0.4, 0.4],
        [1, 0, 0],
        [0, 0, 1],
      ]);
      const { values, shape } = run(() => averageViews(probabilities, 2));
      expect(shape).toEqual([2, 3]);
      [0.4, 0.35, 0.25, 0.5, 0, 0.5].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 6));
      expect(probabilities.isDisposed).toBe(false);
      probabilities.dispose();
    });

    it('defaults to ten views and refuses a partial group', () => {
      const rows = tf.tensor2d(Array.from({ length: 20 }, (_, i) => [i, 1]));
      const { values } = run(() => averageViews(rows));
      expect(values).toEqual([4.5, 1, 14.5, 1]);
      expect(() => averageViews(rows, 3)).toThrow(/whole number/);
      rows.dispose();
    });
  });
});
