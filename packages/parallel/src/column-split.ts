import * as tf from '@tensorflow/tfjs';
import { LocalResponseNormalization } from '@alexnet/layers';
import type { Transport } from './transport.js';

/**
 * §3.2's column split over two ranks. Rank r holds column r of the two-column
 * network (as @alexnet/app's `alexNet({ columns: 2 })` builds it: layers conv1…fc8,
 * norm1/2, pool1/2/5): half of conv1's kernels, its own column's grouped conv2,
 * conv4 and conv5, half of conv3's kernels (reading both columns' pool2), half of
 * fc6 and fc7 (reading both halves of the layer below), and half of fc8's input
 * rows. The ranks exchange only where the paper's GPUs talk: pool2 (for conv3),
 * pool5 (fc6), fc6 (fc7) and fc8's partial sums forward, and the matching input
 * gradients backward. fc8 is split by its inputs rather than placed on one rank
 * (cuda-convnet2's choice): both ranks then do the same work and send B×classes
 * partial logits instead of B×2048 fc7 activations.
 */

/** One rank's weights: slices of the two-column model's, named by the layer they come from. */
export type ColumnWeights = Record<'conv1' | 'conv2' | 'conv3' | 'conv4' | 'conv5' | 'fc6' | 'fc7' | 'fc8', { kernel: tf.Variable; bias?: tf.Variable }>;

/** The stateless layers both ranks apply as the model does (LRN per column, max pooling). */
export interface ColumnOps {
  norm: (x: tf.Tensor4D) => tf.Tensor4D;
  pool1: (x: tf.Tensor4D) => tf.Tensor4D;
  pool2: (x: tf.Tensor4D) => tf.Tensor4D;
  pool5: (x: tf.Tensor4D) => tf.Tensor4D;
  conv1Stride: number;
  conv1Padding: 'valid' | 'same';
  /** ZeroPadding2D before conv1 (the paper's 224), as [[top, bottom], [left, right]]. */
  pad?: [[number, number], [number, number]];
  /** The model's seeded dropout after fc6 and fc7 (rate and mask-stream seeds), when it has one. */
  dropout?: { rate: number; seed6: number; seed7: number };
}

export const COLUMN_LAYERS = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7', 'fc8'] as const;
const LAYERS = COLUMN_LAYERS;
export type ColumnLayer = (typeof COLUMN_LAYERS)[number];

/** Which slice of each weight is rank r's: along the output channels/units, except fc8 (its input rows) and the grouped convs (their whole kernel is split by output). */
function sliceFor(
  layer: (typeof LAYERS)[number],
  which: 'kernel' | 'bias',
  shape: number[],
  rank: number,
): { axis: number; begin: number; size: number } | 'all' | 'none' {
  if (layer === 'fc8') {
    if (which === 'bias') return rank === 0 ? 'all' : 'none';
    const half = shape[0]! / 2;
    return { axis: 0, begin: rank * half, size: half };
  }
  const axis = shape.length - 1;
  const half = shape[axis]! / 2;
  return { axis, begin: rank * half, size: half };
}

/** Rank r's weights, copied out of the two-column model (its own variables, named `column<r>/<layer>/<weight>`). */
export function columnWeightsOf(model: tf.LayersModel, rank: 0 | 1): ColumnWeights {
  const out = {} as ColumnWeights;
  for (const name of LAYERS) {
    const [kernel, bias] = model.getLayer(name).getWeights();
    const take = (which: 'kernel' | 'bias', w: tf.Tensor | undefined) => {
      if (w === undefined) return undefined;
      const s = sliceFor(name, which, w.shape, rank);
      if (s === 'none') return undefined;
      const value = s === 'all' ? w.clone() : tf.tidy(() => sliceAlong(w, s.axis, s.begin, s.size));
      const variable = tf.variable(value, true, `column${rank}/${name}/${which}`);
      value.dispose();
      return variable;
    };
    const k = take('kernel', kernel)!;
    const b = take('bias', bias);
    out[name] = b === undefined ? { kernel: k } : { kernel: k, bias: b };
  }
  return out;
}

function sliceAlong(t: tf.Tensor, axis: number, begin: number, size: number): tf.Tensor {
  const b = t.shape.map((_, i) => (i === axis ? begin : 0));
  const s = t.shape.map((d, i) => (i === axis ? size : d));
  return tf.slice(t, b, s);
}

/** Rank r's part of a full-model gradient or weight (for comparing with a single device). */
export function columnSliceOf(layer: (typeof LAYERS)[number], which: 'kernel' | 'bias', full: tf.Tensor, rank: 0 | 1): tf.Tensor | undefined {
  const s = sliceFor(layer, which, full.shape, rank);
  if (s === 'none') return undefined;
  return s === 'all' ? full.clone() : sliceAlong(full, s.axis, s.begin, s.size);
}

/** The model's stateless layers, set up for one column (LRN over its own channels: the model's LRN normalises each column apart). */
export function columnOpsOf(model: tf.LayersModel): ColumnOps {
  const norm1 = model.getLayer('norm1') as LocalResponseNormalization;
  const config = { ...norm1.getConfig(), groups: 1, name: undefined } as ConstructorParameters<typeof LocalResponseNormalization>[0];
  const norm = new LocalResponseNormalization(config);
  const apply = (name: string) => {
    const layer = model.getLayer(name);
    return (x: tf.Tensor4D) => layer.apply(x) as tf.Tensor4D;
  };
  const conv1 = model.getLayer('conv1').getConfig() as { strides: number[]; padding: 'valid' | 'same' };
  const pad = model.layers.find((l) => l.getClassName() === 'ZeroPadding2D')?.getConfig().padding as [[number, number], [number, number]] | undefined;
  const drop = (name: string) => model.layers.find((l) => l.name === name)?.getConfig() as { rate?: number; seed?: number } | undefined;
  const [d6, d7] = [drop('drop6'), drop('drop7')];
  const dropout = d6?.rate && d6.seed !== undefined && d7?.seed !== undefined ? { rate: d6.rate, seed6: d6.seed, seed7: d7.seed } : undefined;
  return {
    ...(dropout ? { dropout } : {}),
    norm: (x) => norm.apply(x) as tf.Tensor4D,
    pool1: apply('pool1'),
    pool2: apply('pool2'),
    pool5: apply('pool5'),
    conv1Stride: conv1.strides[0]!,
    conv1Padding: conv1.padding,
    ...(pad ? { pad } : {}),
  };
}

const conv = (x: tf.Tensor4D, w: { kernel: tf.Tensor; bias?: tf.Tensor }, stride: number, padding: 'valid' | 'same') =>
  tf.relu(tf.add(tf.conv2d(x, w.kernel as tf.Tensor4D, stride, padding), w.bias!)) as tf.Tensor4D;
export const dense = (x: tf.Tensor2D, w: { kernel: tf.Tensor; bias?: tf.Tensor }) => tf.add(tf.matMul(x, w.kernel as tf.Tensor2D), w.bias!) as tf.Tensor2D;

/** Sends this rank's tensor to the other rank and receives the other's, of the same shape. */
export async function exchange(transport: Transport, tensor: tf.Tensor): Promise<tf.Tensor> {
  const peer = 1 - transport.rank;
  const [, received] = await Promise.all([transport.send(peer, (await tensor.data()) as Float32Array), transport.receive(peer, tensor.size)]);
  return tf.tensor(received, tensor.shape, 'float32');
}

export interface ColumnStepResult {
  loss: number;
  logits: tf.Tensor2D;
  /** Gradients of this rank's own weights, keyed like ColumnWeights (`conv1/kernel` …). */
  grads: Record<string, tf.Tensor>;
}

/**
 * This rank's half of the dropout mask SeededDropout draws at stream position
 * `step` for a [batch, units] layer (units = both halves): both ranks draw the
 * whole mask from the same seed and keep their own columns, so the split drops
 * exactly the units one device drops. Scaled by 1/(1 − rate), as the layer does.
 */
export function maskHalf(rate: number, seed: number, step: number, batch: number, units: number, rank: number): tf.Tensor2D {
  return tf.tidy(() => {
    const keep = tf.randomUniform([batch, units], 0, 1, 'float32', seed + step).greaterEqual(rate);
    return tf.div(tf.slice(keep.cast('float32'), [0, rank * (units / 2)], [batch, units / 2]), 1 - rate) as tf.Tensor2D;
  });
}

/** This rank's fc6 and fc7 dropout masks for a training step (none when not training or the model has no dropout). */
export function fcDropoutMasks(
  ops: Pick<ColumnOps, 'dropout'>,
  options: { training?: boolean; dropoutStep?: number },
  batch: number,
  fc: Pick<ColumnWeights, 'fc6' | 'fc7'>,
  rank: number,
): { mask6?: tf.Tensor2D; mask7?: tf.Tensor2D } {
  const drop = options.training ? ops.dropout : undefined;
  if (!drop) return {};
  const step = options.dropoutStep ?? 0;
  return {
    mask6: maskHalf(drop.rate, drop.seed6, step, batch, 2 * fc.fc6.kernel.shape[1]!, rank),
    mask7: maskHalf(drop.rate, drop.seed7, step, batch, 2 * fc.fc7.kernel.shape[1]!, rank),
  };
}

/** A layer's output with its dropout mask applied, when there is one. */
export const dropped = (h: tf.Tensor, mask: tf.Tensor | undefined) => (mask ? tf.mul(h, mask) : h);

/**
 * One forward and backward pass of the column split on this rank: the same
 * batch on both ranks (the paper's model parallelism splits the network, not the
 * data). With `training`, fc6 and fc7 drop the units the model's SeededDropout
 * layers would at stream position `dropoutStep` (the caller advances it per step).
 * Returns the loss and logits (equal on both ranks) and the gradients of this
 * rank's weights; applying them is the caller's (each rank updates only its own).
 */
export async function columnStep(
  transport: Transport,
  weights: ColumnWeights,
  ops: ColumnOps,
  xs: tf.Tensor4D,
  labels: tf.Tensor1D,
  classes: number,
  options: { training?: boolean; dropoutStep?: number } = {},
): Promise<ColumnStepResult> {
  const rank = transport.rank;
  const w = weights;
  const keep: tf.Tensor[] = [];
  const hold = <T extends tf.Tensor>(t: T) => (keep.push(t), t);
  try {
    const batch = xs.shape[0];
    const { mask6, mask7 } = fcDropoutMasks(ops, options, batch, w, rank);
    if (mask6) hold(mask6);
    if (mask7) hold(mask7);
    // Stage 1: conv1, LRN, pool, conv2 (own column), LRN, pool → pool2 of this column.
    const stage1 = (k1: tf.Tensor, b1: tf.Tensor, k2: tf.Tensor, b2: tf.Tensor) => {
      const input = ops.pad ? (tf.pad(xs, [[0, 0], ops.pad[0], ops.pad[1], [0, 0]]) as tf.Tensor4D) : xs;
      const c1 = ops.pool1(ops.norm(conv(input, { kernel: k1, bias: b1 }, ops.conv1Stride, ops.conv1Padding)));
      return ops.pool2(ops.norm(conv(c1, { kernel: k2, bias: b2 }, 1, 'same')));
    };
    // Stage 2: conv3 (reads both columns), conv4, conv5 (own), pool → pool5 of this column.
    const stage2 = (pa: tf.Tensor, pb: tf.Tensor, k3: tf.Tensor, b3: tf.Tensor, k4: tf.Tensor, b4: tf.Tensor, k5: tf.Tensor, b5: tf.Tensor) => {
      const c3 = conv(tf.concat([pa, pb], 3) as tf.Tensor4D, { kernel: k3, bias: b3 }, 1, 'same');
      return ops.pool5(conv(conv(c3, { kernel: k4, bias: b4 }, 1, 'same'), { kernel: k5, bias: b5 }, 1, 'same'));
    };
    // Stage 3: fc6 half (reads both pool5 halves, flattened as the model's Flatten does: channels last).
    const stage3 = (pa: tf.Tensor, pb: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => {
      const joined = tf.concat([pa, pb], 3);
      return dropped(tf.relu(dense(tf.reshape(joined, [joined.shape[0]!, -1]) as tf.Tensor2D, { kernel: k, bias: b })), mask6);
    };
    // Stage 4: fc7 half (reads both fc6 halves).
    const stage4 = (ha: tf.Tensor, hb: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
      dropped(tf.relu(dense(tf.concat([ha, hb], 1) as tf.Tensor2D, { kernel: k, bias: b })), mask7);
    // Stage 5: fc8's partial sum over this rank's half of its inputs (rank 0 adds the bias).
    const stage5 = (h: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
      const partial = tf.matMul(h as tf.Tensor2D, k as tf.Tensor2D);
      return b === undefined ? partial : tf.add(partial, b);
    };

    // Forward, exchanging at pool2, pool5, fc6 and fc8.
    const pool2 = hold(tf.tidy(() => stage1(w.conv1.kernel, w.conv1.bias!, w.conv2.kernel, w.conv2.bias!)));
    const pool2Other = hold(await exchange(transport, pool2));
    const [p2a, p2b] = rank === 0 ? [pool2, pool2Other] : [pool2Other, pool2];
    const pool5 = hold(tf.tidy(() => stage2(p2a, p2b, w.conv3.kernel, w.conv3.bias!, w.conv4.kernel, w.conv4.bias!, w.conv5.kernel, w.conv5.bias!)));
    const pool5Other = hold(await exchange(transport, pool5));
    const [p5a, p5b] = rank === 0 ? [pool5, pool5Other] : [pool5Other, pool5];
    const fc6 = hold(tf.tidy(() => stage3(p5a, p5b, w.fc6.kernel, w.fc6.bias!)));
    const fc6Other = hold(await exchange(transport, fc6));
    const [h6a, h6b] = rank === 0 ? [fc6, fc6Other] : [fc6Other, fc6];
    const fc7 = hold(tf.tidy(() => stage4(h6a, h6b, w.fc7.kernel, w.fc7.bias!)));
    const partial = hold(tf.tidy(() => stage5(fc7, w.fc8.kernel, w.fc8.bias)));
    const partialOther = hold(await exchange(transport, partial));
    const logits = tf.tidy(() => tf.add(partial, partialOther)) as tf.Tensor2D;

    // The loss and its gradient at the logits: the same on both ranks, computed by each.
    const targets = hold(tf.oneHot(labels, classes));
    const lossFn = (z: tf.Tensor) => tf.losses.softmaxCrossEntropy(targets, z);
    const loss = (await tf.tidy(() => lossFn(logits)).data())[0]!;
    const dLogits = hold(tf.grad(lossFn)(logits));

    // Backward, stage by stage: each stage's gradient for the other rank's input is sent to it,
    // and the one it sends back is added to this rank's own (cuda-convnet2's IActGradReducer).
    const grads: Record<string, tf.Tensor> = {};
    const store = (layer: string, k: tf.Tensor, b?: tf.Tensor) => {
      grads[`${layer}/kernel`] = k;
      if (b !== undefined) grads[`${layer}/bias`] = b;
    };
    const g5 = w.fc8.bias
      ? tf.grads(stage5)([fc7, w.fc8.kernel, w.fc8.bias], dLogits)
      : tf.grads((h: tf.Tensor, k: tf.Tensor) => stage5(h, k))([fc7, w.fc8.kernel], dLogits);
    store('fc8', g5[1]!, g5[2]);
    const dFc7 = hold(g5[0]!);
    const g4 = tf.grads(stage4)([h6a, h6b, w.fc7.kernel, w.fc7.bias!], dFc7);
    store('fc7', g4[2]!, g4[3]!);
    const dFc6 = hold(await reduceInputGradients(transport, g4[0]!, g4[1]!));
    const g3 = tf.grads(stage3)([p5a, p5b, w.fc6.kernel, w.fc6.bias!], dFc6);
    store('fc6', g3[2]!, g3[3]!);
    const dPool5 = hold(await reduceInputGradients(transport, g3[0]!, g3[1]!));
    const g2 = tf.grads(stage2)([p2a, p2b, w.conv3.kernel, w.conv3.bias!, w.conv4.kernel, w.conv4.bias!, w.conv5.kernel, w.conv5.bias!], dPool5);
    store('conv3', g2[2]!, g2[3]!);
    store('conv4', g2[4]!, g2[5]!);
    store('conv5', g2[6]!, g2[7]!);
    const dPool2 = hold(await reduceInputGradients(transport, g2[0]!, g2[1]!));
    const g1 = tf.grads(stage1)([w.conv1.kernel, w.conv1.bias!, w.conv2.kernel, w.conv2.bias!], dPool2);
    store('conv1', g1[0]!, g1[1]!);
    store('conv2', g1[2]!, g1[3]!);
    return { loss, logits, grads };
  } finally {
    tf.dispose(keep);
  }
}

/**
 * A stage read both columns' inputs: `da` and `db` are this rank's gradients for
 * column 0's and column 1's input. The other column's goes to the other rank;
 * what it sends back (its gradient for this column's input) is added to this
 * rank's own. Returns the total gradient of this rank's input; frees da and db.
 */
export async function reduceInputGradients(transport: Transport, da: tf.Tensor, db: tf.Tensor): Promise<tf.Tensor> {
  const [mine, theirs] = transport.rank === 0 ? [da, db] : [db, da];
  const received = await exchange(transport, theirs);
  const total = tf.add(mine, received);
  tf.dispose([da, db, received]);
  return total;
}

/** Floats one rank sends per image in a column step: pool2, pool5, fc6 and their gradients, and fc8's partial logits. */
export function columnStepFloatsPerImage(shapes: { pool2: number[]; pool5: number[]; fc6: number; classes: number }): number {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return 2 * (size(shapes.pool2) + size(shapes.pool5) + shapes.fc6) + shapes.classes;
}

/**
 * The inverse of columnWeightsOf: both ranks' weights written back into the
 * two-column model, so a column-split run saves the same model.json and weights
 * as a single-device one (and either resumes the other's checkpoint).
 */
export function assembleColumns(model: tf.LayersModel, columns: [ColumnWeights, ColumnWeights], layers: readonly ColumnLayer[] = LAYERS): void {
  for (const name of layers) {
    const layer = model.getLayer(name);
    const [kernel, bias] = layer.getWeights();
    const joined = [kernel, bias].flatMap((full, i) => {
      if (full === undefined) return [];
      const which = i === 0 ? 'kernel' : 'bias';
      return [joinColumns(name, which, full.shape, [columns[0][name][which], columns[1][name][which]])];
    });
    layer.setWeights(joined);
    tf.dispose(joined);
  }
}

/** One weight of the two-column model (or its optimizer slot) from both ranks' parts: columnSliceOf's inverse. */
export function joinColumns(layer: ColumnLayer, which: 'kernel' | 'bias', shape: number[], parts: [tf.Tensor | undefined, tf.Tensor | undefined]): tf.Tensor {
  const s = sliceFor(layer, which, shape, 0);
  if (s === 'none' || parts[0] === undefined) throw new Error(`joinColumns: ${layer}/${which} has no part on rank 0`);
  if (s === 'all') return parts[0].clone();
  if (parts[1] === undefined) throw new Error(`joinColumns: ${layer}/${which} has no part on rank 1`);
  return tf.concat([parts[0], parts[1]], s.axis);
}
