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
  /**
   * Data parallelism: this replica's rows of a larger batch. The mask is drawn
   * for all `total` rows and rows `offset`… kept, so the replicas together drop
   * exactly what one device drops on the whole batch. Unset: the batch is whole.
   */
  rows: { offset: number; total: number } | undefined = undefined;

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
      const n = x.shape[0]!;
      const rows = this.rows ?? { offset: 0, total: n };
      if (rows.offset < 0 || rows.offset + n > rows.total) {
        throw new Error(`SeededDropout: rows ${rows.offset}…${rows.offset + n - 1} of a batch of ${rows.total} do not fit`);
      }
      const drawn = tf.randomUniform([rows.total, ...x.shape.slice(1)], 0, 1, 'float32', seed);
      const mine = rows.total === n ? drawn : tf.slice(drawn, [rows.offset, ...x.shape.slice(1).map(() => 0)], x.shape);
      const keep = mine.greaterEqual(this.rate);
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
