import type { Rgb, RgbEigen } from './rgb-eigen.js';
import { rgbPca } from './rgb-pca.js';

/** What `PixelStatistics.result()` reports: the training set's RGB mean, covariance and its PCA. */
export interface RgbStatistics extends RgbEigen {
  /** Mean over all pixels of all images, 0–255 scale. */
  channelMean: Rgb;
  /** 3×3 population covariance (divides by the pixel count), squared 0–255 scale. */
  covariance: number[][];
  pixelScale: 255;
  /** Number of images. */
  samples: number;
  /** Number of pixels (images × size²). */
  pixels: number;
}

/** Count, mean and co-moments M2 (Σ (x−x̄)(y−ȳ)) of a group of pixels; m2 holds rr, gg, bb, rg, rb, gb. */
interface Moments {
  images: number;
  pixels: number;
  mean: Rgb;
  m2: [number, number, number, number, number, number];
}

const PAIRS = [
  [0, 0],
  [1, 1],
  [2, 2],
  [0, 1],
  [0, 2],
  [1, 2],
] as const;

// Chan et al.'s pairwise update: exact algebra, no Σx² of the whole set, so no cancellation.
function combine(a: Moments, b: Moments): Moments {
  const pixels = a.pixels + b.pixels;
  const d = [b.mean[0] - a.mean[0], b.mean[1] - a.mean[1], b.mean[2] - a.mean[2]] as const;
  const w = b.pixels / pixels;
  const cross = (a.pixels * b.pixels) / pixels;
  return {
    images: a.images + b.images,
    pixels,
    mean: [a.mean[0] + d[0] * w, a.mean[1] + d[1] * w, a.mean[2] + d[2] * w],
    m2: a.m2.map((m, k) => m + b.m2[k]! + d[PAIRS[k]![0]] * d[PAIRS[k]![1]] * cross) as Moments['m2'],
  };
}

/**
 * Streaming mean image and RGB covariance over uint8 HWC RGB images of one size S×S
 * (the paper's mean image, §2, and the PCA behind its lighting noise, §4.1).
 *
 * Each image's sums are exact in float64 (integers); its co-moments come from n·Σxy − Σx·Σy, exact
 * while S ≤ 607. Images are then combined pairwise (a binary-counter stack of Chan merges), so
 * round-off grows with log(images), not with the 8·10¹⁰ pixels of ImageNet.
 * Workers can each fill one and `merge` them.
 */
export class PixelStatistics {
  readonly size: number;
  readonly #sums: Float64Array;
  // Partial results whose image counts shrink towards the top, like carries in a binary counter.
  readonly #stack: Moments[] = [];
  #images = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`PixelStatistics: size must be a positive integer, got ${size}`);
    this.size = size;
    this.#sums = new Float64Array(size * size * 3);
  }

  /** Images added so far (including merged ones). */
  get images(): number {
    return this.#images;
  }

  /** Adds one S×S×3 uint8 image (HWC, RGB). */
  add(image: Uint8Array): void {
    const length = this.#sums.length;
    if (image.length !== length) {
      throw new Error(`PixelStatistics: expected a ${this.size}×${this.size}×3 image (${length} bytes), got ${image.length}`);
    }
    const sums = this.#sums;
    let r = 0,
      g = 0,
      b = 0,
      rr = 0,
      gg = 0,
      bb = 0,
      rg = 0,
      rb = 0,
      gb = 0;
    for (let i = 0; i < length; i += 3) {
      const x = image[i]!,
        y = image[i + 1]!,
        z = image[i + 2]!;
      sums[i]! += x;
      sums[i + 1]! += y;
      sums[i + 2]! += z;
      r += x;
      g += y;
      b += z;
      rr += x * x;
      gg += y * y;
      bb += z * z;
      rg += x * y;
      rb += x * z;
      gb += y * z;
    }
    const n = length / 3;
    // n·Σxy − Σx·Σy is an exact integer (while below 2⁵³); one rounding in the division.
    const m2 = (sxy: number, sx: number, sy: number) => (n * sxy - sx * sy) / n;
    this.#push({
      images: 1,
      pixels: n,
      mean: [r / n, g / n, b / n],
      m2: [m2(rr, r, r), m2(gg, g, g), m2(bb, b, b), m2(rg, r, g), m2(rb, r, b), m2(gb, g, b)],
    });
  }

  /** Adds everything `other` has seen (same size); `other` is left unchanged. */
  merge(other: PixelStatistics): void {
    if (other.size !== this.size) throw new Error(`PixelStatistics: cannot merge size ${other.size} into size ${this.size}`);
    const moments = other.#total();
    if (moments === undefined) return;
    const sums = this.#sums;
    other.#sums.forEach((value, i) => (sums[i]! += value));
    this.#push(moments);
  }

  /** The mean image, S×S×3, HWC, 0–255 scale (subtract it before cropping, §2). */
  meanImage(): Float32Array {
    if (this.#images === 0) throw new Error('PixelStatistics: no images added');
    const images = this.#images;
    return Float32Array.from(this.#sums, (sum) => sum / images);
  }

  /** Channel mean, covariance and its principal components over every pixel seen. */
  result(): RgbStatistics {
    const total = this.#total();
    if (total === undefined) throw new Error('PixelStatistics: no images added');
    const [rr, gg, bb, rg, rb, gb] = total.m2.map((m) => m / total.pixels) as Moments['m2'];
    const covariance = [
      [rr, rg, rb],
      [rg, gg, gb],
      [rb, gb, bb],
    ];
    return { channelMean: [...total.mean], covariance, ...rgbPca(covariance), pixelScale: 255, samples: total.images, pixels: total.pixels };
  }

  #push(moments: Moments): void {
    const stack = this.#stack;
    stack.push(moments);
    this.#images += moments.images;
    // Merge while the group below is no bigger: keeps merges between similar-sized groups.
    while (stack.length > 1 && stack[stack.length - 2]!.images <= stack[stack.length - 1]!.images) {
      const top = stack.pop()!;
      stack.push(combine(stack.pop()!, top));
    }
  }

  #total(): Moments | undefined {
    const stack = this.#stack;
    let total = stack[stack.length - 1];
    for (let i = stack.length - 2; i >= 0; i--) total = combine(stack[i]!, total!);
    return total;
  }
}
