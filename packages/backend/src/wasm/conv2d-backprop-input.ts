import * as tf from '@tensorflow/tfjs';
import { Scratch, type WasmBackend } from './kernel-calls.js';
import { cropToFit, fitAxis, resolveConv, type ConvBackpropAttrs } from './conv-geometry.js';

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
  const { strideHeight: sh, strideWidth: sw } = geo;
  // dy's own size is authoritative (see conv2d-backprop-filter.ts).
  const [batch, oh, ow, co] = dy.shape as [number, number, number, number];
  if (batch !== geo.batch || co !== geo.outChannels) {
    throw new Error(
      `Conv2DBackpropInput: dy of shape [${dy.shape.join(', ')}] cannot come from an input of shape [${inputShape.join(', ')}] and a filter of shape [${filter.shape.join(', ')}]`,
    );
  }
  // The full correlation must produce exactly H×W rows and columns.
  const rows = fitAxis(oh * sh, geo.filterHeight - 1 - geo.padTop, geo.inHeight + geo.filterHeight - 1);
  const cols = fitAxis(ow * sw, geo.filterWidth - 1 - geo.padLeft, geo.inWidth + geo.filterWidth - 1);
  return Scratch.use(args.backend, (scratch) => {
    if (rows.size === 0 || cols.size === 0) return scratch.run('Fill', {}, { shape: inputShape, value: 0, dtype: 'float32' });
    // Zero insertion: [N,OH,1,OW,1,C] padded to [N,OH,sh,OW,sw,C] is dy with
    // sh−1 zero rows after every row (and likewise columns), trailing ones included.
    let spread = dy;
    if (sh > 1 || sw > 1) {
      const split = scratch.run('Reshape', { x: dy }, { shape: [batch, oh, 1, ow, 1, co] });
      const padded = scratch.run(
        'PadV2',
        { x: split },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      spread = scratch.run('Reshape', { x: padded }, { shape: [batch, oh * sh, ow * sw, co] });
    }
    spread = cropToFit(scratch, spread, rows, cols);
    const flipped = scratch.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = scratch.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    return scratch.run(
      'Conv2D',
      { x: spread, filter: swapped },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [rows.padBefore, rows.padAfter],
          [cols.padBefore, cols.padAfter],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    );
  });
}
