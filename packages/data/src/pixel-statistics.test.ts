import { describe, expect, it } from 'vitest';
import { PixelStatistics } from './pixel-statistics.js';
import { gaussian, seededRandom } from './random.js';
import type { Rgb } from './rgb-eigen.js';

/** Angle between two directions in degrees, ignoring sign. */
function angle(a: Rgb, b: Rgb): number {
  const dot = Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (Math.hypot(...a) * Math.hypot(...b));
  return (Math.acos(Math.min(1, dot)) * 180) / Math.PI;
}

/** Columns of Rz(a)·Ry(b)·Rx(c): an exactly orthonormal basis in no special position. */
function rotation(a: number, b: number, c: number): [Rgb, Rgb, Rgb] {
  const [ca, sa, cb, sb, cc, sc] = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b), Math.cos(c), Math.sin(c)];
  return [
    [ca * cb, sa * cb, -sb],
    [ca * sb * sc - sa * cc, sa * sb * sc + ca * cc, cb * sc],
    [ca * sb * cc + sa * sc, sa * sb * cc - ca * sc, cb * cc],
  ];
}

function randomImages(count: number, size: number, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length: size * size * 3 }, () => Math.floor(random() * 256)));
}

/** Two-pass float64 covariance over all pixels, the reference formula. */
function referenceCovariance(images: Uint8Array[]): number[][] {
  const mean = [0, 0, 0];
  let n = 0;
  for (const image of images) for (let i = 0; i < image.length; i++) mean[i % 3]! += image[i]!;
  for (const image of images) n += image.length / 3;
  for (let c = 0; c < 3; c++) mean[c]! /= n;
  const cov = [0, 1, 2].map(() => [0, 0, 0]);
  for (const image of images) {
    for (let i = 0; i < image.length; i += 3) {
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) cov[a]![b]! += (image[i + a]! - mean[a]!) * (image[i + b]! - mean[b]!);
    }
  }
  return cov.map((row) => row.map((v) => v / n));
}

function expectMatrixClose(actual: number[][], expected: number[][], tolerance: number): void {
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(Math.abs(actual[a]![b]! - expected[a]![b]!)).toBeLessThan(tolerance);
}

describe('PixelStatistics', () => {
  it('recovers the principal components of pixels drawn from a known covariance', () => {
    const vectors = rotation(0.7, -0.4, 1.1);
    const eigenvalues: Rgb = [900, 100, 25];
    const centre: Rgb = [128, 120, 132];
    const random = seededRandom(2012);
    const size = 64;
    const stats = new PixelStatistics(size);
    let clamped = 0;
    for (let image = 0; image < 50; image++) {
      const pixels = new Uint8Array(size * size * 3); // 50 × 4096 = 204,800 pixels
      for (let p = 0; p < size * size; p++) {
        const z = eigenvalues.map((l) => gaussian(random, Math.sqrt(l)));
        for (let c = 0; c < 3; c++) {
          const v = Math.round(centre[c]! + z[0]! * vectors[0][c]! + z[1]! * vectors[1][c]! + z[2]! * vectors[2][c]!);
          if (v < 0 || v > 255) clamped++;
          pixels[p * 3 + c] = Math.min(255, Math.max(0, v));
        }
      }
      stats.add(pixels);
    }
    expect(clamped).toBeLessThan(20); // the draws stay inside 0–255, so clamping biases nothing
    const result = stats.result();
    expect(result.samples).toBe(50);
    expect(result.pixels).toBe(204_800);
    expect(result.pixelScale).toBe(255);
    const angles = [0, 1, 2].map((i) => angle(result.eigenvectors[i]!, vectors[i]!));
    for (const a of angles) expect(a).toBeLessThan(1);
    // Rounding to integers adds variance 1/12 in every direction; well inside the tolerance.
    for (let i = 0; i < 3; i++) expect(Math.abs(result.eigenvalues[i]! / eigenvalues[i]! - 1)).toBeLessThan(0.03);
    for (let c = 0; c < 3; c++) expect(Math.abs(result.channelMean[c]! - centre[c]!)).toBeLessThan(0.3);
  });

  it('gives the float64 covariance and its PCA on a hand example, per image or pooled', () => {
    // Pixels (0,0,0), (2,2,0), (4,0,2), (2,2,2): mean (2,1,1), covariance [[2,0,1],[0,1,0],[1,0,1]].
    const pixels = [0, 0, 0, 2, 2, 0, 4, 0, 2, 2, 2, 2];
    const oneImage = new PixelStatistics(2);
    oneImage.add(Uint8Array.from(pixels));
    const fourImages = new PixelStatistics(1);
    for (let p = 0; p < 4; p++) fourImages.add(Uint8Array.from(pixels.slice(p * 3, p * 3 + 3)));
    const expected = [
      [2, 0, 1],
      [0, 1, 0],
      [1, 0, 1],
    ];
    for (const stats of [oneImage, fourImages]) {
      const result = stats.result();
      expect(result.channelMean).toEqual([2, 1, 1]);
      expectMatrixClose(result.covariance, expected, 1e-15);
      expect(result.pixels).toBe(4);
      // The r–b block [[2,1],[1,1]] has eigenvalues (3 ± √5)/2; green alone has 1.
      const [l1, l2, l3] = result.eigenvalues;
      expect(l1).toBeCloseTo((3 + Math.sqrt(5)) / 2, 12);
      expect(l2).toBeCloseTo(1, 12);
      expect(l3).toBeCloseTo((3 - Math.sqrt(5)) / 2, 12);
      expect(result.eigenvectors[1][1]).toBeCloseTo(1, 12);
    }
    expect(oneImage.result().samples).toBe(1);
    expect(fourImages.result().samples).toBe(4);
  });

  it('matches the two-pass reference on random images', () => {
    const images = randomImages(37, 5, 4);
    const stats = new PixelStatistics(5);
    images.forEach((image) => stats.add(image));
    expectMatrixClose(stats.result().covariance, referenceCovariance(images), 1e-9);
  });

  it('merging two halves equals one pass, and leaves the other half unchanged', () => {
    const images = randomImages(23, 4, 8);
    const whole = new PixelStatistics(4);
    const first = new PixelStatistics(4);
    const second = new PixelStatistics(4);
    images.forEach((image, i) => {
      whole.add(image);
      (i < 9 ? first : second).add(image);
    });
    const before = second.result();
    first.merge(second);
    expect(second.result()).toEqual(before);
    expect(first.images).toBe(23);
    const merged = first.result();
    const single = whole.result();
    expect(merged.samples).toBe(single.samples);
    expect(merged.pixels).toBe(single.pixels);
    for (let c = 0; c < 3; c++) expect(merged.channelMean[c]).toBeCloseTo(single.channelMean[c]!, 10);
    expectMatrixClose(merged.covariance, single.covariance, 1e-9);
    expect(first.meanImage()).toEqual(whole.meanImage());
    // Merging an empty accumulator changes nothing.
    first.merge(new PixelStatistics(4));
    expect(first.result()).toEqual(merged);
  });

  it('computes the mean image exactly', () => {
    const stats = new PixelStatistics(2);
    stats.add(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
    stats.add(Uint8Array.from([255, 1, 0, 3, 4, 6, 6, 7, 8, 9, 10, 12]));
    expect(Array.from(stats.meanImage())).toEqual([127.5, 1, 1, 3, 4, 5.5, 6, 7, 8, 9, 10, 11.5]);
    expect(stats.images).toBe(2);
  });

  it('stays exact for bright images with tiny variance over many images', () => {
    // Red alternates 254/255 inside each image (variance 1/4); blue is 254 or 255 per image (variance 1/4).
    const size = 16;
    const stats = new PixelStatistics(size);
    for (let n = 0; n < 4096; n++) {
      const image = new Uint8Array(size * size * 3).fill(255);
      for (let p = 0; p < size * size; p++) {
        if (p % 2 === 0) image[p * 3] = 254;
        if (n % 2 === 0) image[p * 3 + 2] = 254;
      }
      stats.add(image);
    }
    const { covariance, channelMean } = stats.result();
    expect(channelMean).toEqual([254.5, 255, 254.5]);
    expectMatrixClose(
      covariance,
      [
        [0.25, 0, 0],
        [0, 0, 0],
        [0, 0, 0.25],
      ],
      1e-13,
    );
  });

  it('refuses images of the wrong length, mismatched merges and empty results', () => {
    const stats = new PixelStatistics(2);
    expect(() => stats.add(new Uint8Array(11))).toThrow('expected a 2×2×3 image (12 bytes), got 11');
    expect(() => stats.merge(new PixelStatistics(3))).toThrow('cannot merge size 3 into size 2');
    expect(() => stats.result()).toThrow('no images added');
    expect(() => stats.meanImage()).toThrow('no images added');
    expect(() => new PixelStatistics(0)).toThrow('positive integer');
  });
});
