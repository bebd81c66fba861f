import * as tf from '@tensorflow/tfjs';
import { baseLayerArgs, type BaseLayerArgs } from './base-layer-args.js';

/** Arguments of {@link LocalResponseNormalization}; defaults are the paper's (§3.3). */
export interface LocalResponseNormalizationArgs extends BaseLayerArgs {
  /** n: channels in the window, centred on the channel normalized (odd). Default 5. */
  size?: number;
  /** k: additive constant. Default 2 (Caffe uses 1). */
  k?: number;
  /** α: scale of the sum of squares. Default 1e-4. */
  alpha?: number;
  /** β: exponent. Default 0.75. */
  beta?: number;
  /**
   * Divide α by n, as cuda-convnet2, Caffe and torch.nn.LocalResponseNorm do.
   * Default false: the paper's formula multiplies the plain sum by α.
   */
  alphaDividedBySize?: boolean;
  /**
   * Channel groups normalized separately: 2 for the paper's two GPU columns,
   * where each GPU normalized only its own kernels. Default 1.
   */
  groups?: number;
}

/**
 * Local response normalization across channels (AlexNet §3.3):
 * b_i = a_i / (k + α Σ_{j=max(0,i−⌊n/2⌋)}^{min(N−1,i+⌊n/2⌋)} a_j²)^β, channels last.
 */
export class LocalResponseNormalization extends tf.layers.Layer {
  static className = 'AlexNetLocalResponseNormalization';
  readonly size: number;
  readonly k: number;
  readonly alpha: number;
  readonly beta: number;
  readonly alphaDividedBySize: boolean;
  readonly groups: number;

  constructor(args: LocalResponseNormalizationArgs = {}) {
    super(baseLayerArgs(args));
    this.size = args.size ?? 5;
    this.k = args.k ?? 2;
    this.alpha = args.alpha ?? 1e-4;
    this.beta = args.beta ?? 0.75;
    this.alphaDividedBySize = args.alphaDividedBySize ?? false;
    this.groups = args.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups < 1) {
      throw new Error(`LocalResponseNormalization: groups must be a positive integer, got ${this.groups}`);
    }
    if (!Number.isInteger(this.size) || this.size < 1 || this.size % 2 === 0) {
      throw new Error(`LocalResponseNormalization: size must be an odd positive integer, got ${this.size}`);
    }
    if (!(this.k > 0)) throw new Error(`LocalResponseNormalization: k must be > 0, got ${this.k}`);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const alpha = this.alphaDividedBySize ? this.alpha / this.size : this.alpha;
      // tf's depthRadius r gives a window of 2r+1 channels; alpha is per element.
      const normalize = (part: tf.Tensor4D) => tf.localResponseNormalization(part, (this.size - 1) / 2, this.k, alpha, this.beta);
      if (this.groups === 1) return normalize(x);
      const channels = x.shape[3];
      if (channels % this.groups !== 0) {
        throw new Error(`LocalResponseNormalization '${this.name}': channels (${channels}) must be a multiple of groups (${this.groups})`);
      }
      return tf.concat(
        tf.split(x, this.groups, 3).map((part) => normalize(part as tf.Tensor4D)),
        3,
      );
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      size: this.size,
      k: this.k,
      alpha: this.alpha,
      beta: this.beta,
      alphaDividedBySize: this.alphaDividedBySize,
      groups: this.groups,
    };
  }
}

/** Factory for {@link LocalResponseNormalization}, in the style of tf.layers. */
export function lrn(args: LocalResponseNormalizationArgs = {}): LocalResponseNormalization {
  return new LocalResponseNormalization(args);
}
