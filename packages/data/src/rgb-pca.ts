import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** Three numbers in R, G, B order. */
export type Rgb = [number, number, number];

/** The principal components of an RGB covariance, as used by PCA lighting (§4.1). */
export interface RgbEigen {
  /** λ1 ≥ λ2 ≥ λ3, on the squared pixel scale of the data they came from. */
  eigenvalues: Rgb;
  /** eigenvectors[i] is the unit eigenvector p_i belonging to eigenvalues[i]. */
  eigenvectors: [Rgb, Rgb, Rgb];
  /** The pixel scale the covariance was taken on: 255 for 0–255 pixels, 1 for [0, 1]. Default 1. */
  pixelScale?: number;
}

/**
 * Eigen-decomposition of a symmetric 3×3 RGB covariance (ml-matrix, symmetric path).
 *
 * - Sorted by eigenvalue, descending; tiny negative eigenvalues from round-off are clamped to 0.
 * - Each eigenvector has unit length.
 * - Sign convention: each eigenvector's component of largest magnitude is positive (on an
 *   exact tie, the first such component in R, G, B order). The sign is arbitrary for PCA
 *   lighting, whose α is symmetric about 0; fixing it makes results reproducible and comparable.
 */
export function rgbPca(covariance: number[][]): RgbEigen {
  if (covariance.length !== 3 || covariance.some((row) => row.length !== 3)) {
    throw new Error('rgbPca needs a 3×3 covariance matrix');
  }
  const c = covariance as Rgb[];
  const magnitude = Math.max(...c.flat().map(Math.abs));
  if (!Number.isFinite(magnitude)) throw new Error('rgbPca: covariance has non-finite entries');
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(c[i]![j]! - c[j]![i]!) > 1e-9 * magnitude) throw new Error('rgbPca: covariance is not symmetric');
    }
  }
  const evd = new EigenvalueDecomposition(new Matrix(covariance), { assumeSymmetric: true });
  const vectors = evd.eigenvectorMatrix; // columns are eigenvectors
  const pairs = evd.realEigenvalues.map((value, k) => ({ value: Math.max(0, value), vector: normalizeSign(vectors.getColumn(k)) }));
  pairs.sort((a, b) => b.value - a.value);
  const [p1, p2, p3] = pairs as [(typeof pairs)[0], (typeof pairs)[0], (typeof pairs)[0]];
  return { eigenvalues: [p1.value, p2.value, p3.value], eigenvectors: [p1.vector, p2.vector, p3.vector] };
}

// Unit length, largest-magnitude component positive.
function normalizeSign(column: number[]): Rgb {
  const [x = 0, y = 0, z = 0] = column;
  const length = Math.hypot(x, y, z);
  let largest = x;
  if (Math.abs(y) > Math.abs(largest)) largest = y;
  if (Math.abs(z) > Math.abs(largest)) largest = z;
  const s = (largest < 0 ? -1 : 1) / length;
  return [x * s, y * s, z * s];
}

/**
 * The published ImageNet RGB PCA (fb.resnet.torch, datasets/imagenet.lua), pixels on a [0, 1] scale.
 *
 * fb.resnet.torch writes `eigvec` as a 3×3 whose COLUMNS are the eigenvectors: its Lighting
 * transform computes rgb = eigvec · (α ⊙ eigval), i.e. `eigvec:cmul(alpha:view(1,3)…):sum(2)`.
 * The numbers can't tell the readings apart by orthonormality (the matrix is orthogonal, so its rows
 * are orthonormal too); the column reading is the one that fits natural images: the first column
 * (-0.5675, -0.5808, -0.5836) is the brightness direction, and only that reading gives a covariance
 * with all-positive R/G/B correlations (checked in the test). Signs are kept as published (they do
 * not follow `rgbPca`'s convention; irrelevant to lighting).
 */
export const IMAGENET_PCA: RgbEigen & { pixelScale: 1 } = {
  pixelScale: 1,
  eigenvalues: [0.2175, 0.0188, 0.0045],
  eigenvectors: [
    [-0.5675, -0.5808, -0.5836],
    [0.7192, -0.0045, -0.6948],
    [0.4009, -0.814, 0.4203],
  ],
};
