import type { InitScheme } from '@alexnet/train';

/** What shapes an AlexNet; defaults are the paper's (§3.5). */
export interface AlexNetConfig {
  /** Output classes. Default 1000. */
  classes: number;
  /** Square input side in pixels. Default 227 (224 in the paper's text; 227 makes its 55×55 arithmetic hold). */
  inputSize: number;
  /** Multiplies every layer's width (96-256-384-384-256 conv, 4096 FC). Default 1. */
  width: number;
  /** Dropout rate on FC6 and FC7. Default 0.5. */
  dropout: number;
  /**
   * 2: the paper's two GPU columns — conv2, conv4 and conv5 see only their own
   * column's channels (grouped convolution, 60,965,224 parameters at 227 with
   * 1000 classes); 1: one column with the same widths (62,378,344).
   */
  columns: 1 | 2;
  /** Local response normalization after conv1 and conv2 (§3.3). Default true. */
  lrn: boolean;
  /**
   * Weight initialisation (@alexnet/train's schemes): 'paper' N(0, 0.01²) with biases of 1 in
   * conv2/4/5 and FC6/7; 'caffe' (bias 0.1, FC6/7 std 0.005); 'he' (better for small, short
   * runs); 'glorot'.
   */
  init: InitScheme;
  /** Seed for the initial weights. */
  seed: number;
}

export const PAPER_ALEXNET: AlexNetConfig = {
  classes: 1000,
  inputSize: 227,
  width: 1,
  dropout: 0.5,
  columns: 2,
  lrn: true,
  init: 'paper',
  seed: 1,
};

/** Convolution widths, kernel sizes and strides of §3.5; `perColumn` layers read only their own column (§3.2). */
export const CONV_LAYERS = [
  { name: 'conv1', filters: 96, kernel: 11, stride: 4, padding: 'valid', perColumn: false },
  { name: 'conv2', filters: 256, kernel: 5, stride: 1, padding: 'same', perColumn: true },
  { name: 'conv3', filters: 384, kernel: 3, stride: 1, padding: 'same', perColumn: false },
  { name: 'conv4', filters: 384, kernel: 3, stride: 1, padding: 'same', perColumn: true },
  { name: 'conv5', filters: 256, kernel: 3, stride: 1, padding: 'same', perColumn: true },
] as const;
export const FC_WIDTH = 4096;

/** A layer's width times the multiplier, rounded to a whole number of units per column; a layer left empty is an error. */
export function scaledWidth(base: number, width: number, columns = 1): number {
  const perColumn = Math.round((base * width) / columns);
  if (perColumn < 1) {
    throw new Error(`width ${width} leaves a layer of ${base} units empty (${base} × ${width}${columns > 1 ? ` / ${columns} columns` : ''} rounds to 0)`);
  }
  return columns * perColumn;
}

/** Spatial size after each stage, or an error naming the stage that vanishes. */
export function featureSizes(inputSize: number): { conv1: number; pool1: number; pool2: number; pool5: number } {
  const pool = (n: number) => Math.floor((n - 3) / 2) + 1;
  const conv1 = Math.floor((inputSize - 11) / 4) + 1;
  const pool1 = pool(conv1);
  const pool2 = pool(pool1);
  const pool5 = pool(pool2);
  if (inputSize < 11 || pool5 < 1) {
    throw new Error(`input size ${inputSize} is too small for AlexNet: need at least 67 pixels so that pool5 is 1×1 or larger`);
  }
  return { conv1, pool1, pool2, pool5 };
}

/** Seed of the n-th (1-based) seeded dropout layer's mask stream for a model seed. */
export function dropoutSeed(seed: number, stream: number): number {
  return seed * 7919 + stream * 104729;
}
