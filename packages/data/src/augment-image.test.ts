import { describe, expect, it } from 'vitest';
import { centerView, cropFlipInto, drawLightingAlphas, lightingShift, randomView } from './augment-image.js';
import { gaussian, hashSeed, seededRandom } from './random.js';
import type { Rgb, RgbEigen } from './rgb-eigen.js';

// A 4×4 image whose red encodes 10·y + x, green 100 + red, blue 200 − red: every pixel is findable.
const SIZE = 4;
function grid(): Uint8Array {
  const image = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) image.set([10 * y + x, 100 + 10 * y + x, 200 - 10 * y - x], (y * SIZE + x) * 3);
  return image;
}

/** Red values of a crop as rows, for reading geometry. */
function reds(out: Float32Array, crop: number): number[][] {
  return Array.from({ length: crop }, (_, y) => Array.from({ length: crop }, (_, x) => out[(y * crop + x) * 3]!));
}

const EIGEN: RgbEigen = {
  eigenvalues: [4, 2, 1],
  eigenvectors: [
    [0.6, 0.8, 0],
    [-0.8, 0.6, 0],
    [0, 0, 1],
  ],
};

describe('lightingShift', () => {
  it('is Σ p_i·α_i·λ_i', () => {
    // 0.5·4·(0.6, 0.8, 0) − 1·2·(−0.8, 0.6, 0) + 2·1·(0, 0, 1) = (2.8, 0.4, 2)
    const shift = lightingShift(EIGEN, [0.5, -1, 2]);
    [2.8, 0.4, 2].forEach((v, c) => expect(shift[c]).toBeCloseTo(v, 12));
  });

  it('gives the same image change whatever the pixel scale of the statistics', () => {
    // A 0–255 covariance is 255² times the [0, 1] one; the shift, in pixel units, is 255 times larger.
    const unit = { ...EIGEN, pixelScale: 1 };
    const bytes = { ...EIGEN, eigenvalues: EIGEN.eigenvalues.map((l) => l * 255 * 255) as Rgb, pixelScale: 255 };
    const alphas: Rgb = [0.05, -0.1, 0.2];
    lightingShift(bytes, alphas).forEach((v, c) => expect(v).toBeCloseTo(255 * lightingShift(unit, alphas)[c]!, 9));
  });

  it('moves every pixel of an image by the same vector', () => {
    const image = grid();
    const shift = lightingShift(EIGEN, drawLightingAlphas(seededRandom(1)));
    const out = new Float32Array(image.length);
    cropFlipInto(out, 0, image, SIZE, centerView(SIZE, SIZE), { shift });
    for (let i = 0; i < image.length; i++) expect(out[i]! - image[i]!).toBeCloseTo(shift[i % 3]!, 4);
  });
});

describe('drawLightingAlphas and gaussian', () => {
  it('repeats under a seed and differs between seeds', () => {
    expect(drawLightingAlphas(seededRandom(5))).toEqual(drawLightingAlphas(seededRandom(5)));
    expect(drawLightingAlphas(seededRandom(5))).not.toEqual(drawLightingAlphas(seededRandom(6)));
  });

  it('consumes two uniforms per normal draw, six per alpha triple', () => {
    const random = seededRandom(11);
    drawLightingAlphas(random);
    const after = random();
    const reference = seededRandom(11);
    for (let i = 0; i < 6; i++) reference();
    expect(after).toBe(reference());
  });

  it('has the requested standard deviation', () => {
    const random = seededRandom(3);
    const draws = Array.from({ length: 20_000 }, () => drawLightingAlphas(random, 0.1)).flat();
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(Math.abs(sd - 0.1)).toBeLessThan(0.002);
    expect(Number.isFinite(gaussian(() => 0))).toBe(true); // u1 = 1 − 0 never hits log(0)
  });
});

describe('hashSeed', () => {
  it('derives distinct, repeatable, order-sensitive seeds from (seed, epoch, position)', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 3; seed++)
      for (let epoch = 0; epoch < 5; epoch++) for (let position = 0; position < 200; position++) seen.add(hashSeed(seed, epoch, position));
    expect(seen.size).toBe(3000);
    expect(hashSeed(1, 2, 3)).toBe(hashSeed(1, 2, 3));
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1));
    expect(hashSeed(1)).not.toBe(hashSeed(1, 0));
    expect(hashSeed(2 ** 40)).not.toBe(hashSeed(0));
    expect(seededRandom(hashSeed(0, 0, 0))()).not.toBe(seededRandom(hashSeed(0, 0, 1))());
    expect(() => hashSeed(1.5)).toThrow('safe integers');
  });
});

describe('randomView and centerView', () => {
  it('keeps crops in bounds, reaches every position, flips about half the time, repeats under a seed', () => {
    const random = seededRandom(7);
    const positions = new Set<string>();
    let flips = 0;
    for (let i = 0; i < 1000; i++) {
      const view = randomView(random, 5, 3);
      expect(view.crop).toBe(3);
      expect(view.top).toBeGreaterThanOrEqual(0);
      expect(view.left).toBeGreaterThanOrEqual(0);
      expect(view.top + 3).toBeLessThanOrEqual(5);
      expect(view.left + 3).toBeLessThanOrEqual(5);
      positions.add(`${view.top},${view.left}`);
      if (view.flip) flips++;
    }
    expect(positions.size).toBe(9);
    expect(flips).toBeGreaterThan(430);
    expect(flips).toBeLessThan(570);
    const a = seededRandom(9);
    const b = seededRandom(9);
    for (let i = 0; i < 20; i++) expect(randomView(a, 256, 227)).toEqual(randomView(b, 256, 227));
  });

  it('draws top, then left, then the flip; without flips it takes only two uniforms and never mirrors', () => {
    const random = seededRandom(4);
    const [u1, u2, u3] = [random(), random(), random()];
    expect(randomView(seededRandom(4), 10, 3)).toEqual({ crop: 3, top: Math.floor(u1 * 8), left: Math.floor(u2 * 8), flip: u3 < 0.5 });
    const noFlip = seededRandom(4);
    for (let i = 0; i < 50; i++) expect(randomView(noFlip, 10, 3, false).flip).toBe(false);
    const counted = seededRandom(4);
    randomView(counted, 10, 3, false);
    expect(counted()).toBe(u3);
  });

  it('centres at ⌊(size − crop)/2⌋ for even and odd differences', () => {
    expect(centerView(6, 4)).toEqual({ crop: 4, top: 1, left: 1, flip: false });
    expect(centerView(7, 4)).toEqual({ crop: 4, top: 1, left: 1, flip: false });
    expect(centerView(5, 4)).toEqual({ crop: 4, top: 0, left: 0, flip: false });
    expect(centerView(256, 227).top).toBe(14);
    expect(centerView(4, 4).top).toBe(0);
  });

  it('refuses crops that do not fit', () => {
    expect(() => randomView(seededRandom(1), 4, 5)).toThrow('crop 5 does not fit in a 4×4 image');
    expect(() => centerView(4, 0)).toThrow('crop 0 does not fit');
  });
});

describe('cropFlipInto', () => {
  it('copies a view and mirrors it exactly', () => {
    const image = grid();
    const plain = new Float32Array(12);
    cropFlipInto(plain, 0, image, SIZE, { crop: 2, top: 1, left: 2, flip: false });
    expect(reds(plain, 2)).toEqual([
      [12, 13],
      [22, 23],
    ]);
    expect(Array.from(plain.subarray(0, 3))).toEqual([12, 112, 188]);
    const mirrored = new Float32Array(12);
    cropFlipInto(mirrored, 0, image, SIZE, { crop: 2, top: 1, left: 2, flip: true });
    expect(reds(mirrored, 2)).toEqual(reds(plain, 2).map((row) => [...row].reverse()));
    expect(Array.from(mirrored.subarray(0, 3))).toEqual([13, 113, 187]); // whole pixels move, not channels
  });

  it('writes at an offset, subtracts a per-channel mean, adds the shift and scales', () => {
    const out = new Float32Array(2 + 3).fill(-1);
    cropFlipInto(out, 2, grid(), SIZE, { crop: 1, top: 3, left: 1, flip: false }, { mean: [1, 100, 0], shift: [0.5, 0, -1], scale: 2 });
    // pixel (3, 1): (31, 131, 169) → ((31 − 1 + 0.5)·2, (131 − 100)·2, (169 − 0 − 1)·2)
    expect(Array.from(out)).toEqual([-1, -1, 61, 62, 336]);
  });

  it('subtracts the mean image at the source position, mirrored or not', () => {
    const image = grid();
    // The mean image equal to the image itself cancels every pixel exactly, wherever it is read.
    const same = Float32Array.from(image);
    const random = seededRandom(2);
    for (let i = 0; i < 20; i++) {
      const out = new Float32Array(3 * 3 * 3).fill(NaN);
      cropFlipInto(out, 0, image, SIZE, randomView(random, SIZE, 3), { mean: same });
      expect(Array.from(out).every((v) => v === 0)).toBe(true);
    }
    // A mean image holding its own position (100·y + x in red) shows which source pixel was used.
    const mean = new Float32Array(image.length);
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) mean[(y * SIZE + x) * 3] = 100 * y + x;
    const out = new Float32Array(12);
    cropFlipInto(out, 0, image, SIZE, { crop: 2, top: 2, left: 1, flip: true }, { mean });
    // Output (0, 0) reads source (2, 2): red 22 − 202 = −180; output (1, 1) reads source (3, 1): 31 − 301.
    expect(reds(out, 2)).toEqual([
      [22 - 202, 21 - 201],
      [32 - 302, 31 - 301],
    ]);
  });

  it('refuses views, images, means and outputs that do not fit', () => {
    const image = grid();
    const out = new Float32Array(27);
    expect(() => cropFlipInto(out, 0, image, SIZE, { crop: 3, top: 2, left: 0, flip: false })).toThrow(
      'a 3×3 view at top 2, left 0 does not fit in a 4×4 image',
    );
    expect(() => cropFlipInto(out, 0, image, SIZE, { crop: 3, top: -1, left: 0, flip: false })).toThrow('does not fit');
    expect(() => cropFlipInto(out, 0, image, SIZE, { crop: 3, top: 0.5, left: 0, flip: false })).toThrow('does not fit');
    expect(() => cropFlipInto(out, 1, image, SIZE, { crop: 3, top: 0, left: 0, flip: false })).toThrow('27 values at offset 1 do not fit in an output of 27');
    expect(() => cropFlipInto(out, 0, image.subarray(3), SIZE, centerView(SIZE, 3))).toThrow('expected a 4×4×3 image (48 bytes), got 45');
    expect(() => cropFlipInto(out, 0, image, SIZE, centerView(SIZE, 3), { mean: new Float32Array(3) })).toThrow('the mean image has 3 values, the image 48');
    expect(() => cropFlipInto(out, 0, image, SIZE, { crop: 5, top: 0, left: 0, flip: false })).toThrow('crop 5 does not fit');
  });

  it('gives the same batch under the same seed', () => {
    const image = grid();
    const batch = (seed: number) => {
      const random = seededRandom(seed);
      const out = new Float32Array(8 * 27);
      for (let b = 0; b < 8; b++) {
        const view = randomView(random, SIZE, 3);
        const shift: Rgb = lightingShift(EIGEN, drawLightingAlphas(random));
        cropFlipInto(out, b * 27, image, SIZE, view, { shift });
      }
      return out;
    };
    expect(batch(13)).toEqual(batch(13));
    expect(batch(13)).not.toEqual(batch(14));
  });
});
