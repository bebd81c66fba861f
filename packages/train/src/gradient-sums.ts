import * as tf from '@tensorflow/tfjs';

/**
 * A step's gradients summed over its micro-batches, then averaged: the one
 * arithmetic trainLoop and every rank of a placement use, so they stay equal
 * bit for bit. `add` takes ownership of `grads`.
 */
export class GradientSums {
  private sums: tf.NamedTensorMap = {};
  private count = 0;

  get micro(): number {
    return this.count;
  }

  add(grads: tf.NamedTensorMap): void {
    if (this.count === 0) this.sums = grads;
    else {
      const total = this.sums;
      this.sums = tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(total[k]!, g)])));
      tf.dispose([...Object.values(grads), ...Object.values(total)]);
    }
    this.count++;
  }

  /** Hands the mean over the micro-batches to `use`, then frees it and starts the next step. */
  async takeMean(use: (mean: tf.NamedTensorMap) => void | Promise<void>): Promise<void> {
    const { sums, count } = this;
    const mean = count === 1 ? sums : tf.tidy(() => Object.fromEntries(Object.entries(sums).map(([k, g]) => [k, tf.div(g, count)])));
    try {
      await use(mean);
    } finally {
      tf.dispose([...new Set([...Object.values(mean), ...Object.values(sums)])]);
      this.sums = {};
      this.count = 0;
    }
  }

  dispose(): void {
    tf.dispose(Object.values(this.sums));
    this.sums = {};
    this.count = 0;
  }
}
