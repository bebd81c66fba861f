import * as tf from '@tensorflow/tfjs';
import { baseLayerArgs, type BaseLayerArgs } from './base-layer-args.js';

export interface SeededDropoutArgs extends BaseLayerArgs {
  /** Fraction of units zeroed during training. Default 0.5 (the paper's FC6/FC7). */
  rate?: number;
  /** Seed of the mask stream; omit for a fresh random stream. */
  seed?: number;
}

/**
 * Dropout whose masks are repeatable: the n-th training call draws its mask
 * from seed + n. (tf.layers.dropout with a seed draws the *same* mask at every
 * step, which turns dropout into fixed pruning.) Inverted scaling by
 * 1/(1−rate) during training, identity at inference. `step` is the position in
 * the stream, so a resumed run can continue it.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'AlexNetSeededDropout';
  readonly rate: number;
  readonly seed: number | undefined;
  step = 0;

  constructor(args: SeededDropoutArgs = {}) {
    super(baseLayerArgs(args));
    this.rate = args.rate ?? 0.5;
    this.seed = args.seed;
    if (!(this.rate >= 0 && this.rate < 1)) throw new Error(`SeededDropout: rate must be in [0, 1), got ${this.rate}`);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (kwargs.training !== true || this.rate === 0) return x.clone();
      const seed = this.seed === undefined ? undefined : this.seed + this.step;
      this.step++;
      const keep = tf.randomUniform(x.shape, 0, 1, 'float32', seed).greaterEqual(this.rate);
      return x.mul(keep.cast('float32')).div(1 - this.rate);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, ...(this.seed === undefined ? {} : { seed: this.seed }) };
  }
}

export function seededDropout(args: SeededDropoutArgs = {}): SeededDropout {
  return new SeededDropout(args);
}
