import * as tf from '@tensorflow/tfjs';
import { dense, dropped, exchange, fcDropoutMasks, reduceInputGradients, type ColumnOps, type ColumnWeights } from './column-split.js';
import { allReduceTensors } from './data-parallel.js';
import type { Transport } from './transport.js';

/**
 * "One weird trick" (Krizhevsky 2014) on two ranks: the convolutional layers
 * data parallel — each rank runs the whole conv tower (its own replica of the
 * model's conv1…pool5) on its half of the batch — and the fully connected
 * layers model parallel, as in the column split, on the whole batch. The conv
 * layers hold ≈ 5 % of the parameters and most of the compute, the FC layers the
 * reverse, so each part is split the way that sends the least.
 *
 * Forward: the ranks all-gather pool5 (each sends its half-batch's), then fc6,
 * fc7 and fc8 as in the column split. Backward: fc8…fc6 as in the column split;
 * pool5's gradient is reduce-scattered (each rank keeps its half-batch's rows,
 * summed over both ranks' fc6 halves); the conv tower's gradients, each over a
 * half batch of the whole-batch mean loss, are summed across ranks. Both ranks
 * then apply the same conv update and each its own FC half.
 */
export interface HybridWeights {
  /** This rank's replica of the model: its conv layers are used (and updated) in full. */
  convTower: tf.LayersModel;
  /** The FC halves (columnWeightsOf's fc6, fc7, fc8 entries; the conv entries are not used). */
  fc: Pick<ColumnWeights, 'fc6' | 'fc7' | 'fc8'>;
}

/** The conv tower of a two-column model: input → pool5, sharing the model's weights. */
export function convTowerOf(model: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer('pool5').output as tf.SymbolicTensor });
}

export interface HybridStepResult {
  /** The loss over the whole batch (the same on both ranks). */
  loss: number;
  /** Top-1 hits over the whole batch. */
  correct: number;
  /** Summed over both ranks: the gradient of the conv tower's variables, by variable name. */
  convGrads: tf.NamedTensorMap;
  /** This rank's FC halves' gradients (`fc6/kernel` …). */
  fcGrads: Record<string, tf.Tensor>;
}

/**
 * One step of the hybrid on this rank. `xs`/`labels` are this rank's half of
 * the batch (rank 0 the first half); `batch` is the whole batch's size.
 */
export async function hybridStep(
  transport: Transport,
  weights: HybridWeights,
  ops: Pick<ColumnOps, 'dropout'>,
  xs: tf.Tensor4D,
  labels: tf.Tensor1D,
  classes: number,
  options: { training?: boolean; dropoutStep?: number } = {},
): Promise<HybridStepResult> {
  const rank = transport.rank;
  const { fc6, fc7, fc8 } = weights.fc;
  const keep: tf.Tensor[] = [];
  const hold = <T extends tf.Tensor>(t: T) => (keep.push(t), t);
  try {
    const local = xs.shape[0];
    const batch = 2 * local;
    const { mask6, mask7 } = fcDropoutMasks(ops, options, batch, weights.fc, rank);
    if (mask6) hold(mask6);
    if (mask7) hold(mask7);

    // Conv tower on this rank's half batch (data parallel), then pool5 all-gathered in batch order.
    const pool5 = hold(weights.convTower.apply(xs) as tf.Tensor4D);
    const pool5Other = hold(await exchange(transport, pool5));
    const pool5All = hold(tf.concat(rank === 0 ? [pool5, pool5Other] : [pool5Other, pool5], 0));
    const labelsOther = hold(await exchange(transport, tf.cast(labels, 'float32')));
    const labelsAll = hold(
      tf.cast(tf.concat(rank === 0 ? [tf.cast(labels, 'float32'), labelsOther] : [labelsOther, tf.cast(labels, 'float32')], 0), 'int32') as tf.Tensor1D,
    );

    // FC layers model parallel over the whole batch, as in the column split.
    const stage6 = (p: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
      dropped(tf.relu(dense(tf.reshape(p, [p.shape[0]!, -1]) as tf.Tensor2D, { kernel: k, bias: b })), mask6);
    const stage7 = (ha: tf.Tensor, hb: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
      dropped(tf.relu(dense(tf.concat([ha, hb], 1) as tf.Tensor2D, { kernel: k, bias: b })), mask7);
    const stage8 = (h: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
      const partial = tf.matMul(h as tf.Tensor2D, k as tf.Tensor2D);
      return b === undefined ? partial : tf.add(partial, b);
    };
    const h6 = hold(tf.tidy(() => stage6(pool5All, fc6.kernel, fc6.bias!)));
    const h6Other = hold(await exchange(transport, h6));
    const [h6a, h6b] = rank === 0 ? [h6, h6Other] : [h6Other, h6];
    const h7 = hold(tf.tidy(() => stage7(h6a, h6b, fc7.kernel, fc7.bias!)));
    const partial = hold(tf.tidy(() => stage8(h7, fc8.kernel, fc8.bias)));
    const partialOther = hold(await exchange(transport, partial));
    const logits = hold(tf.add(partial, partialOther));
    const targets = hold(tf.oneHot(labelsAll, classes));
    const lossFn = (z: tf.Tensor) => tf.losses.softmaxCrossEntropy(targets, z);
    const loss = (await tf.tidy(() => lossFn(logits)).data())[0]!;
    const correct = (await hold(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labelsAll), 'int32'))).data())[0]!;
    const dLogits = hold(tf.grad(lossFn)(logits));

    const fcGrads: Record<string, tf.Tensor> = {};
    const g8 = fc8.bias
      ? tf.grads(stage8)([h7, fc8.kernel, fc8.bias], dLogits)
      : tf.grads((h: tf.Tensor, k: tf.Tensor) => stage8(h, k))([h7, fc8.kernel], dLogits);
    fcGrads['fc8/kernel'] = g8[1]!;
    if (g8[2]) fcGrads['fc8/bias'] = g8[2];
    const g7 = tf.grads(stage7)([h6a, h6b, fc7.kernel, fc7.bias!], hold(g8[0]!));
    fcGrads['fc7/kernel'] = g7[2]!;
    fcGrads['fc7/bias'] = g7[3]!;
    const dH6 = hold(await reduceInputGradients(transport, g7[0]!, g7[1]!));
    const g6 = tf.grads(stage6)([pool5All, fc6.kernel, fc6.bias!], dH6);
    fcGrads['fc6/kernel'] = g6[1]!;
    fcGrads['fc6/bias'] = g6[2]!;
    // pool5's gradient over the whole batch from this rank's fc6 half: the other rank's rows go to it.
    const dPool5All = hold(g6[0]!);
    const [firstRows, secondRows] = tf.split(dPool5All, 2, 0);
    hold(firstRows!);
    hold(secondRows!);
    const dPool5 = hold(await reduceInputGradients(transport, firstRows!.clone(), secondRows!.clone()));

    // The conv tower's backward on this half batch: the vector-Jacobian product with dPool5, then summed over ranks.
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(weights.convTower.apply(xs) as tf.Tensor, dPool5)) as tf.Scalar);
    // In the tower's own weight order: the same on every rank, whatever suffixes tfjs gave the names.
    const names = weights.convTower.trainableWeights.map((w) => (w.read() as tf.Variable).name).filter((n) => grads[n] !== undefined);
    const summed = await allReduceTensors(
      transport,
      names.map((n) => grads[n]!),
    );
    const convGrads: tf.NamedTensorMap = Object.fromEntries(names.map((n, i) => [n, summed.tensors[i]!]));
    tf.dispose(Object.values(grads));
    return { loss, correct, convGrads, fcGrads };
  } finally {
    tf.dispose(keep);
  }
}

/** Floats one rank sends in a hybrid step on two ranks: pool5 and its gradient for its half batch, the labels, fc6's activations and gradients and fc8's partial sums for the whole batch, and the conv gradients' all-reduce. */
export function hybridStepFloats(shapes: { localBatch: number; pool5: number[]; fc6Half: number; classes: number; convParameters: number }): number {
  const pool5 = shapes.pool5.reduce((a, b) => a * b, 1);
  const batch = 2 * shapes.localBatch;
  // The ring all-reduce over 2 ranks sends half the array twice: all of it.
  return 2 * shapes.localBatch * pool5 + shapes.localBatch + 2 * batch * shapes.fc6Half + batch * shapes.classes + shapes.convParameters;
}
