import * as tf from '@tensorflow/tfjs';
import { Scratch, type WasmBackend } from './kernel-calls.js';
import { fitAxis, resolveConv, type ConvBackpropAttrs } from './conv-geometry.js';

/**
 * dx for a 2-D convolution, built from the wasm engine's own XNNPACK kernels
 * (its stock Conv2DBackpropInput is ~10× slower than the forward convolution).
 *
 * dx is a stride-1 convolution of dy — with s−1 zeros inserted between its
 * rows and columns for a forward stride s, and padded by K−1−pad — with the
 * filter flipped spatially and its in/out channels swapped.
 */
export function conv2dBackpropInput(args: {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: WasmBackend;
  attrs: ConvBackpropAttrs & { inputShape: [number, number, number, number] };
}): tf.TensorInfo {
  const { dy, filter } = args.inputs;
  const { inputShape } = args.attrs;
  const geo = resolveConv(inputShape, filter.shape as [number, number, number, number], args.attrs);
  const scratch = new Scratch(args.backend);
  const { batch, outHeight: oh, outWidth: ow, outChannels: co, strideHeight: sh, strideWidth: sw } = geo;

  // Zero insertion: [N,OH,1,OW,1,C] padded to [N,OH,sh,OW,sw,C] is dy with
  // sh−1 zero rows after every row (and likewise columns), trailing ones included.
  let spread = dy;
  if (sh > 1 || sw > 1) {
    const split = scratch.run('Reshape', { x: dy }, { shape: [batch, oh, 1, ow, 1, co] });
    const padded = scratch.run('PadV2', { x: split }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    spread = scratch.run('Reshape', { x: padded }, { shape: [batch, oh * sh, ow * sw, co] });
  }
  // The full correlation must produce exactly H×W rows and columns.
  const rows = fitAxis(oh * sh, geo.filterHeight - 1 - geo.padTop, geo.inHeight + geo.filterHeight - 1);
  const cols = fitAxis(ow * sw, geo.filterWidth - 1 - geo.padLeft, geo.inWidth + geo.filterWidth - 1);
  if (rows.begin !== 0 || cols.begin !== 0 || rows.size !== oh * sh || cols.size !== ow * sw) {
    spread = scratch.run('Slice', { x: spread }, {
      begin: [0, rows.begin, cols.begin, 0],
      size: [batch, rows.size, cols.size, co],
    });
  }
  const flipped = scratch.run('Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = scratch.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
  const dx = scratch.run('Conv2D', { x: spread, filter: swapped }, {
    strides: [1, 1],
    pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
  return scratch.finish(dx);
}
