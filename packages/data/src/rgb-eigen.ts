// The RGB principal components PCA lighting (§4.1) uses, and ImageNet's published ones: plain data, no ml-matrix.

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
