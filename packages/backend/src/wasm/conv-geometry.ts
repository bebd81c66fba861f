import * as tf from '@tensorflow/tfjs';

/** The padding the forward convolution used, resolved to explicit numbers. */
export interface ResolvedConv {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
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

export function resolveConv(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvBackpropAttrs,
): ResolvedConv {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error("@alexnet/backend: wasm conv gradients support dataFormat 'NHWC' only");
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
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
  const begin = Math.max(0, -before);
  const padBefore = Math.max(0, before);
  const available = size - begin;
  const padAfter = needed - padBefore - available;
  if (padAfter >= 0) return { begin, size: available, padBefore, padAfter };
  return { begin, size: available + padAfter, padBefore, padAfter: 0 };
}
