import * as tf from '@tensorflow/tfjs';
import type { Scratch } from './kernel-calls.js';

/** The padding the forward convolution used, resolved to explicit numbers. */
export interface ResolvedConv {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

export interface ConvBackpropAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function resolveConv(xShape: [number, number, number, number], filterShape: [number, number, number, number], attrs: ConvBackpropAttrs): ResolvedConv {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error("@alexnet/backend: wasm conv gradients support dataFormat 'NHWC' only");
  }
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** How one spatial axis of a stride-1 convolution's input is sliced and padded. */
export interface AxisFit {
  /** first input row kept */
  begin: number;
  /** number of input rows kept */
  size: number;
  /** zero rows added before and after what is kept */
  padBefore: number;
  padAfter: number;
}

/**
 * A stride-1 convolution must see exactly `needed` rows: the input's `size`
 * rows with `before` zero rows in front of them and zeros or nothing after.
 * Explicit padding cannot be negative, so a negative `before` or a too-long
 * input turns into a slice of the input instead.
 */
export function fitAxis(size: number, before: number, needed: number): AxisFit {
  const begin = Math.min(size, Math.max(0, -before));
  // Padding alone can fill the window (every output sees only zeros): clamp.
  const padBefore = Math.min(needed, Math.max(0, before));
  const kept = Math.max(0, Math.min(size - begin, needed - padBefore));
  return { begin, size: kept, padBefore, padAfter: needed - padBefore - kept };
}

/** Slices an NHWC tensor to the rows and columns the fits keep (no kernel runs when it keeps everything). */
export function cropToFit(scratch: Scratch, x: tf.TensorInfo, rows: AxisFit, cols: AxisFit): tf.TensorInfo {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  if (rows.begin === 0 && cols.begin === 0 && rows.size === height && cols.size === width) return x;
  return scratch.run('Slice', { x }, { begin: [0, rows.begin, cols.begin, 0], size: [batch, rows.size, cols.size, channels] });
}
