import * as tf from '@tensorflow/tfjs';
import { Scratch, type WasmBackend } from './kernel-calls.js';
import { cropToFit, fitAxis, resolveConv, type ConvBackpropAttrs } from './conv-geometry.js';

/**
 * dW for a 2-D convolution, built from the wasm engine's own XNNPACK kernels.
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co]
 * is itself a convolution: take x as [Cin, H, W, N] (Cin is the batch, N the
 * channels) and dy as a filter [OH, OW, N, Cout]; a stride-1 convolution with
 * dilation s (the forward stride) yields [Cin, KH, KW, Cout].
 */
export function conv2dBackpropFilter(args: {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: WasmBackend;
  attrs: ConvBackpropAttrs & { filterShape: [number, number, number, number] };
}): tf.TensorInfo {
  const { x, dy } = args.inputs;
  const { filterShape } = args.attrs;
  const geo = resolveConv(x.shape as [number, number, number, number], filterShape, args.attrs);
  // The gradient tfjs hands over is authoritative: its size can differ from the
  // recomputed one (dimRoundingMode is not passed to gradients).
  const [, outHeight, outWidth] = dy.shape as [number, number, number, number];

  // The dilated "filter" (dy) spans (O−1)·s+1 rows, so the padded input must
  // have K + (O−1)·s rows for the output to have exactly K rows.
  const rows = fitAxis(geo.inHeight, geo.padTop, geo.filterHeight + (outHeight - 1) * geo.strideHeight);
  const cols = fitAxis(geo.inWidth, geo.padLeft, geo.filterWidth + (outWidth - 1) * geo.strideWidth);
  return Scratch.use(args.backend, (scratch) => {
    // Every output window lies in padding: the gradient is zero.
    if (rows.size === 0 || cols.size === 0) return scratch.run('Fill', {}, { shape: filterShape, value: 0, dtype: 'float32' });
    const input = cropToFit(scratch, x, rows, cols);
    const xT = scratch.run('Transpose', { x: input }, { perm: [3, 1, 2, 0] });
    const dyT = scratch.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const dwT = scratch.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [rows.padBefore, rows.padAfter],
          [cols.padBefore, cols.padAfter],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [geo.strideHeight, geo.strideWidth],
      },
    );
    return scratch.run('Transpose', { x: dwT }, { perm: [1, 2, 0, 3] });
  });
}
