/**
 * Weight layouts between tfjs (channels last) and ONNX / PyTorch (channels first).
 * Both directions are pure permutations, so a round trip is exact.
 */

/** tfjs conv kernel [kh, kw, in, out] → ONNX Conv weight [out, in, kh, kw]. */
export function convKernelToOnnx(kernel: Float32Array, dims: readonly number[]): Float32Array {
  const [kh, kw, cin, cout] = dims as [number, number, number, number];
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o]!;
  return out;
}

/** ONNX Conv weight [out, in, kh, kw] → tfjs conv kernel [kh, kw, in, out]. */
export function convKernelFromOnnx(weight: Float32Array, dims: readonly number[]): Float32Array {
  const [cout, cin, kh, kw] = dims as [number, number, number, number];
  const out = new Float32Array(weight.length);
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++)
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((y * kw + x) * cin + i) * cout + o] = weight[((o * cin + i) * kh + y) * kw + x]!;
  return out;
}

/**
 * tfjs dense kernel [in, units] → ONNX Gemm weight [units, in] (transB = 1, as torch.nn.Linear).
 * `chw`: the first dense layer after a flatten, whose input rows tfjs orders (h, w, c) and ONNX's
 * Flatten of an NCHW tensor (c, h, w); its rows are reordered to match.
 */
export function denseKernelToOnnx(kernel: Float32Array, dims: readonly number[], chw?: { h: number; w: number; c: number }): Float32Array {
  const [inputs, units] = dims as [number, number];
  const out = new Float32Array(kernel.length);
  for (let r = 0; r < inputs; r++) {
    const row = chw ? hwcToChw(r, chw) : r;
    for (let u = 0; u < units; u++) out[u * inputs + row] = kernel[r * units + u]!;
  }
  return out;
}

/** ONNX Gemm weight [units, in] (transB = 1) → tfjs dense kernel [in, units]; `chw` as in {@link denseKernelToOnnx}. */
export function denseKernelFromOnnx(weight: Float32Array, dims: readonly number[], chw?: { h: number; w: number; c: number }): Float32Array {
  const [units, inputs] = dims as [number, number];
  const out = new Float32Array(weight.length);
  for (let r = 0; r < inputs; r++) {
    const row = chw ? hwcToChw(r, chw) : r;
    for (let u = 0; u < units; u++) out[r * units + u] = weight[u * inputs + row]!;
  }
  return out;
}

/** The (c, h, w) flat index of the element at (h, w, c) flat index `i`. */
function hwcToChw(i: number, { h, w, c }: { h: number; w: number; c: number }): number {
  const channel = i % c;
  const pixel = (i - channel) / c;
  return channel * h * w + pixel;
}

/** NHWC pixels → NCHW (an image batch for an ONNX runtime). */
export function nhwcToNchw(values: Float32Array, dims: readonly number[]): Float32Array {
  const [n, h, w, c] = dims as [number, number, number, number];
  const out = new Float32Array(values.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = values[((b * h + y) * w + x) * c + k]!;
  return out;
}
