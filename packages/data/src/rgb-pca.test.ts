import { describe, expect, it } from 'vitest';
import { IMAGENET_PCA, type Rgb, type RgbEigen } from './rgb-eigen.js';
import { rgbPca } from './rgb-pca.js';

const dot = (a: Rgb, b: Rgb) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** Σ λ_i v_i v_iᵀ. */
function compose({ eigenvalues, eigenvectors }: RgbEigen): number[][] {
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => eigenvalues.reduce((sum, l, i) => sum + l * eigenvectors[i]![r]! * eigenvectors[i]![c]!, 0)));
}

function expectOrthonormal(vectors: [Rgb, Rgb, Rgb], tolerance: number): void {
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(Math.abs(dot(vectors[i]!, vectors[j]!) - (i === j ? 1 : 0))).toBeLessThan(tolerance);
}

function largestIsPositive(v: Rgb): boolean {
  const largest = v.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
  return largest > 0;
}

describe('rgbPca', () => {
  const covariance = [
    [70, 52, 41],
    [52, 65, 47],
    [41, 47, 60],
  ];

  it('returns descending eigenvalues with unit, orthogonal eigenvectors that rebuild the matrix', () => {
    const eigen = rgbPca(covariance);
    const [l1, l2, l3] = eigen.eigenvalues;
    expect(l1).toBeGreaterThan(l2);
    expect(l2).toBeGreaterThan(l3);
    expectOrthonormal(eigen.eigenvectors, 1e-12);
    const rebuilt = compose(eigen);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) expect(rebuilt[r]![c]).toBeCloseTo(covariance[r]![c]!, 10);
    // C·v = λ·v for each pair.
    eigen.eigenvectors.forEach((v, i) => {
      for (let r = 0; r < 3; r++) expect(dot(covariance[r] as Rgb, v)).toBeCloseTo(eigen.eigenvalues[i]! * v[r]!, 10);
    });
  });

  it('makes the largest-magnitude component of every eigenvector positive, whatever the input signs', () => {
    const eigen = rgbPca(covariance);
    for (const v of eigen.eigenvectors) expect(largestIsPositive(v)).toBe(true);
    // The same covariance built from sign-flipped vectors decomposes to the same answer.
    const flipped: RgbEigen = { eigenvalues: eigen.eigenvalues, eigenvectors: eigen.eigenvectors.map((v) => v.map((x) => -x) as Rgb) as [Rgb, Rgb, Rgb] };
    const again = rgbPca(compose(flipped));
    for (let i = 0; i < 3; i++) for (let c = 0; c < 3; c++) expect(again.eigenvectors[i]![c]).toBeCloseTo(eigen.eigenvectors[i]![c]!, 10);
  });

  it('sorts a diagonal matrix and picks the axes with positive signs', () => {
    const eigen = rgbPca([
      [1, 0, 0],
      [0, 3, 0],
      [0, 0, 2],
    ]);
    expect(eigen.eigenvalues).toEqual([3, 2, 1]);
    expect(eigen.eigenvectors.map((v) => v.map((x) => x + 0))).toEqual([
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });

  it('refuses matrices that are not symmetric 3×3', () => {
    expect(() =>
      rgbPca([
        [1, 0],
        [0, 1],
      ]),
    ).toThrow('3×3');
    expect(() =>
      rgbPca([
        [1, 2, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]),
    ).toThrow('not symmetric');
  });
});

describe('IMAGENET_PCA', () => {
  it('holds orthonormal eigenvectors (to the 4 published decimals)', () => {
    expectOrthonormal(IMAGENET_PCA.eigenvectors, 2e-4);
    expect(IMAGENET_PCA.pixelScale).toBe(1);
    expect(IMAGENET_PCA.eigenvalues).toEqual([0.2175, 0.0188, 0.0045]);
  });

  it('reads the published matrix by columns: that reading gives natural images’ positive channel correlations', () => {
    const columns = compose(IMAGENET_PCA);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) expect(columns[r]![c]).toBeGreaterThan(0);
    // The row reading (eigvec rows as the vectors) would make red and green anti-correlated.
    const [c0, c1, c2] = IMAGENET_PCA.eigenvectors;
    const rows: [Rgb, Rgb, Rgb] = [0, 1, 2].map((r) => [c0[r]!, c1[r]!, c2[r]!]) as [Rgb, Rgb, Rgb];
    expect(compose({ eigenvalues: IMAGENET_PCA.eigenvalues, eigenvectors: rows })[0]![1]).toBeLessThan(0);
    // And rgbPca gives the published vectors back, up to sign and their 4-decimal rounding (< 0.5°).
    const eigen = rgbPca(columns);
    eigen.eigenvectors.forEach((v, i) => expect(Math.abs(dot(v, IMAGENET_PCA.eigenvectors[i]!))).toBeGreaterThan(Math.cos((0.5 * Math.PI) / 180)));
  });
});
