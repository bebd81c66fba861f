import * as tf from '@tensorflow/tfjs';

export interface OverlappingMaxPoolArgs {
  /** z: window size. Default 3 (the paper's overlapping pooling). */
  poolSize?: number;
  /** s: stride. Default 2. */
  strides?: number;
  name?: string;
}

/** AlexNet's overlapping max pooling (§3.4): 3×3 windows every 2 pixels, no padding. */
export function overlappingMaxPool(args: OverlappingMaxPoolArgs = {}): tf.layers.Layer {
  return tf.layers.maxPooling2d({
    poolSize: args.poolSize ?? 3,
    strides: args.strides ?? 2,
    padding: 'valid',
    ...(args.name === undefined ? {} : { name: args.name }),
  });
}

/** The non-overlapping 2×2 stride-2 pooling the paper compares against (−0.4% top-1). */
export function nonOverlappingMaxPool(args: Omit<OverlappingMaxPoolArgs, 'poolSize' | 'strides'> = {}): tf.layers.Layer {
  return overlappingMaxPool({ ...args, poolSize: 2, strides: 2 });
}
