import type * as tf from '@tensorflow/tfjs';

/**
 * What trainLoop and evaluateLoader read batches from: @alexnet/data's
 * BatchLoader, or any loader of the same shape. An epoch yields image batches
 * (NHWC float32) with int32 labels; the receiver disposes both.
 */
export interface BatchSource {
  /** Images in the split. */
  readonly count: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  /** The batches of `epoch` (its order and augmentation may depend on it), skipping the first `skip`. */
  epoch(epoch: number, skip?: number): AsyncIterable<{ xs: tf.Tensor4D; ys: tf.Tensor1D }>;
}
