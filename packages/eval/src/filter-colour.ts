import type * as tf from '@tensorflow/tfjs';

/**
 * How coloured each first-layer kernel is (§6.1: one column's kernels come out
 * largely colour-agnostic, the other's colour-specific). Each kernel is first
 * contrast-normalised as `filterGridPng` draws it (its min → 0, max → 1); its
 * chroma is then the mean over its pixels of max(R, G, B) − min(R, G, B): 0 for
 * a gray kernel, up to 1 for saturated colours. `kernel` is [kh, kw, 3, filters];
 * it is read, not disposed.
 */
export function kernelChroma(kernel: tf.Tensor4D): Float32Array {
  const [kh, kw, channels, filters] = kernel.shape;
  if (channels !== 3) throw new Error(`kernelChroma: expected 3 (RGB) input channels, got kernel shape [${kernel.shape.join(', ')}]`);
  const values = kernel.dataSync();
  const at = (p: number, c: number, f: number) => values[(p * 3 + c) * filters + f]!;
  const out = new Float32Array(filters);
  for (let f = 0; f < filters; f++) {
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < kh * kw; p++)
      for (let c = 0; c < 3; c++) {
        const v = at(p, c, f);
        if (v < min) min = v;
        if (v > max) max = v;
      }
    const range = max - min;
    if (!(range > 0)) continue; // a constant kernel is gray
    let sum = 0;
    for (let p = 0; p < kh * kw; p++) {
      const [r, g, b] = [at(p, 0, f), at(p, 1, f), at(p, 2, f)];
      sum += (Math.max(r, g, b) - Math.min(r, g, b)) / range;
    }
    out[f] = sum / (kh * kw);
  }
  return out;
}

/** The mean chroma of each column's kernels (the kernels split into `columns` equal, consecutive groups). */
export function columnChroma(kernel: tf.Tensor4D, columns: number): number[] {
  const chroma = kernelChroma(kernel);
  if (!(Number.isInteger(columns) && columns >= 1 && chroma.length % columns === 0)) {
    throw new Error(`columnChroma: ${chroma.length} kernels do not split into ${columns} columns`);
  }
  const per = chroma.length / columns;
  return Array.from({ length: columns }, (_, c) => chroma.subarray(c * per, (c + 1) * per).reduce((a, b) => a + b, 0) / per);
}
