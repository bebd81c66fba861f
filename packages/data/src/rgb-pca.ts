import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { Rgb, RgbEigen } from './rgb-eigen.js';

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
