import { gaussian, randomInt, type Random } from './random.js';
import type { Rgb, RgbEigen } from './rgb-eigen.js';

/** Where a crop×crop view sits in an S×S image, and whether it is mirrored left–right. */
export interface CropView {
  crop: number;
  top: number;
  left: number;
  flip: boolean;
}

/** How each pixel value is mapped: (value − mean + shift) · scale. */
export interface PixelTransform {
  /** An S×S×3 mean image (subtracted at the source position) or a per-channel [r, g, b] mean. Default 0. */
  mean?: Float32Array | Rgb;
  /** Added to every pixel, e.g. `lightingShift(...)`. Default [0, 0, 0]. */
  shift?: Rgb;
  /** Multiplies the result. Default 1. */
  scale?: number;
}

/**
 * The PCA lighting shift (§4.1) added to every pixel of one image:
 * [p1 p2 p3]·[α1λ1 α2λ2 α3λ3]ᵀ, in the pixel units of `eigen.pixelScale`.
 *
 * The paper does not say on which intensity scale the formula is meant. We
 * follow fb.resnet.torch and ChainerCV, whose ImageNet constants are used on
 * [0, 1] intensities (eigval 0.2175, …) and on 0–255 (55.46 = 255 × 0.2175,
 * …): the formula is evaluated on [0, 1] and scaled back. Eigenvalues of a
 * 0–255 covariance are 255² times their [0, 1] values, so the shift is
 * Σ_i p_i·α_i·λ_i / pixelScale — the same image change on either scale.
 */
export function lightingShift(eigen: RgbEigen, alphas: Rgb): Rgb {
  const shift: Rgb = [0, 0, 0];
  const scale = eigen.pixelScale ?? 1;
  for (let i = 0; i < 3; i++) {
    const weight = (alphas[i]! * eigen.eigenvalues[i]!) / scale;
    const vector = eigen.eigenvectors[i]!;
    for (let c = 0; c < 3; c++) shift[c]! += vector[c]! * weight;
  }
  return shift;
}

/** α1, α2, α3 ~ N(0, sigma²), once per image per use (§4.1). Consumes 6 uniforms: α1's pair, α2's, α3's. */
export function drawLightingAlphas(random: Random, sigma = 0.1): Rgb {
  const a1 = gaussian(random, sigma);
  const a2 = gaussian(random, sigma);
  return [a1, a2, gaussian(random, sigma)];
}

/**
 * A uniformly random crop position (every origin 0…size−crop in each axis) and, if `flip`,
 * a mirror with p = 0.5. Consumes top, then left, then (only when `flip`) one uniform for the mirror.
 */
export function randomView(random: Random, size: number, crop: number, flip = true): CropView {
  checkCrop(size, crop);
  const top = randomInt(random, 0, size - crop);
  const left = randomInt(random, 0, size - crop);
  return { crop, top, left, flip: flip && random() < 0.5 };
}

/** The centre view: origin ⌊(size − crop)/2⌋ in both axes, not mirrored. */
export function centerView(size: number, crop: number): CropView {
  checkCrop(size, crop);
  const origin = Math.floor((size - crop) / 2);
  return { crop, top: origin, left: origin, flip: false };
}

/**
 * Writes one crop×crop×3 view of an S×S×3 uint8 HWC image into `out` at `outOffset` (float32, HWC):
 * out[y, x, c] = (image[src, c] − mean[src, c] + shift[c]) · scale, with src = (top + y, left + x′)
 * and x′ = flip ? crop − 1 − x : x. The mean image is indexed at the source pixel, as the paper
 * subtracts the mean of the 256×256 image before cropping.
 */
export function cropFlipInto(out: Float32Array, outOffset: number, image: Uint8Array, size: number, view: CropView, pixel: PixelTransform = {}): void {
  const { crop, top, left, flip } = view;
  checkCrop(size, crop);
  if (image.length !== size * size * 3) throw new Error(`cropFlipInto: expected a ${size}×${size}×3 image (${size * size * 3} bytes), got ${image.length}`);
  if (!Number.isInteger(top) || !Number.isInteger(left) || top < 0 || left < 0 || top + crop > size || left + crop > size) {
    throw new Error(`cropFlipInto: a ${crop}×${crop} view at top ${top}, left ${left} does not fit in a ${size}×${size} image`);
  }
  if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + crop * crop * 3 > out.length) {
    throw new Error(`cropFlipInto: ${crop * crop * 3} values at offset ${outOffset} do not fit in an output of ${out.length}`);
  }
  const { mean, shift = [0, 0, 0], scale = 1 } = pixel;
  const meanImage = mean instanceof Float32Array ? mean : undefined;
  if (meanImage !== undefined && meanImage.length !== image.length) {
    throw new Error(`cropFlipInto: the mean image has ${meanImage.length} values, the image ${image.length}`);
  }
  // A per-channel mean folds into the shift; a mean image is read per source pixel below.
  const channel = meanImage === undefined && mean !== undefined ? mean : [0, 0, 0];
  const add0 = shift[0] - channel[0]!,
    add1 = shift[1] - channel[1]!,
    add2 = shift[2] - channel[2]!;
  // Four loops (mirrored or not, mean image or not) keep per-pixel branches out of the hot path.
  let o = outOffset;
  for (let y = 0; y < crop; y++) {
    const first = ((top + y) * size + left) * 3;
    const last = first + (crop - 1) * 3;
    const step = flip ? -3 : 3;
    const start = flip ? last : first;
    if (meanImage === undefined) {
      for (let x = 0, p = start; x < crop; x++, p += step, o += 3) {
        out[o] = (image[p]! + add0) * scale;
        out[o + 1] = (image[p + 1]! + add1) * scale;
        out[o + 2] = (image[p + 2]! + add2) * scale;
      }
    } else {
      for (let x = 0, p = start; x < crop; x++, p += step, o += 3) {
        out[o] = (image[p]! - meanImage[p]! + add0) * scale;
        out[o + 1] = (image[p + 1]! - meanImage[p + 1]! + add1) * scale;
        out[o + 2] = (image[p + 2]! - meanImage[p + 2]! + add2) * scale;
      }
    }
  }
}

function checkCrop(size: number, crop: number): void {
  if (!Number.isInteger(size) || !Number.isInteger(crop) || crop < 1 || crop > size) {
    throw new Error(`crop ${crop} does not fit in a ${size}×${size} image`);
  }
}
