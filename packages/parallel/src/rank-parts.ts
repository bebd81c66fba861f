import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from '@alexnet/layers';
import { sgdMomentum, trainableVariables, type SgdMomentumConfig, type SgdMomentumOptimizer } from '@alexnet/train';
import { columnOpsOf, columnSliceOf, columnStep, columnWeightsOf, COLUMN_LAYERS, type ColumnLayer, type ColumnWeights } from './column-split.js';
import { convTowerOf, hybridStep } from './hybrid.js';
import { allReduceTensors } from './data-parallel.js';
import type { Transport } from './transport.js';

export type PlacementKind = 'data' | 'columns' | 'hybrid';
export const PLACEMENT_KINDS: readonly PlacementKind[] = ['data', 'columns', 'hybrid'];

/** Where a rank's micro-batch rows sit in the whole micro-batch, and the dropout stream's position. */
export interface MicroBatch {
  offset: number;
  total: number;
  dropoutStep: number;
}

/**
 * One rank's share of a placement's step, the same code on rank 0 and on the
 * helpers: its gradients for a micro-batch (exchanging with the other ranks as
 * the placement does), its update, and the state it holds that the full model
 * does not (what `sync` gathers on rank 0).
 */
export interface RankPart {
  gradients(xs: tf.Tensor4D, ys: tf.Tensor1D, classes: number, batch: MicroBatch): Promise<{ loss: number; correct: number; grads: tf.NamedTensorMap }>;
  apply(grads: tf.NamedTensorMap, learningRate: number): void;
  /** The weights and optimizer velocities this rank holds apart from the model, in a fixed order (empty for data parallelism). */
  heldState(): tf.Tensor[];
  dispose(): void;
}

/** The variable behind a layer's kernel or bias (undefined: the layer has none). */
export function layerVariableOf(model: tf.LayersModel, layer: ColumnLayer, which: 'kernel' | 'bias'): tf.Variable | undefined {
  return model.getLayer(layer).weights[which === 'kernel' ? 0 : 1]?.read() as tf.Variable | undefined;
}

/** The logits of a model whose last layer is the softmax after fc8. */
export function logitsModelOf(model: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer('fc8').output as tf.SymbolicTensor });
}

/** The model's seeded dropout layers (fc6's and fc7's): their stream position is every placement's. */
export const dropoutLayers = (model: tf.LayersModel) => model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);

/** Data parallelism: a replica of the whole model on this rank's rows; gradients, loss and hits summed by a ring all-reduce. */
export function dataPart(transport: Transport, model: tf.LayersModel, optimizer: SgdMomentumOptimizer): RankPart {
  const logits = logitsModelOf(model);
  const variables = trainableVariables(model);
  const drops = dropoutLayers(model);
  return {
    async gradients(xs, ys, classes, batch) {
      for (const d of drops) {
        d.rows = { offset: batch.offset, total: batch.total };
        d.step = batch.dropoutStep;
      }
      let hits: tf.Scalar | undefined;
      const n = ys.shape[0];
      const { value, grads } = tf.tidy(() =>
        tf.variableGrads(() => {
          const out = logits.apply(xs, { training: true }) as tf.Tensor2D;
          hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), ys), 'int32'))) as tf.Scalar;
          return tf.losses.softmaxCrossEntropy(tf.oneHot(ys, classes), out) as tf.Scalar;
        }, variables),
      );
      for (const d of drops) d.rows = undefined;
      // One all-reduce: every gradient in model order, then this rank's loss sum and hits.
      const [lossSum, hitCount] = [(await value.data())[0]! * n, (await hits!.data())[0]!];
      // Each rank's gradient is the mean over its equal share: their mean is the whole micro-batch's.
      const summed = await allReduceTensors(
        transport,
        variables.map((v) => grads[v.name]!),
        { scale: 1 / transport.size, extras: [lossSum, hitCount] },
      );
      tf.dispose([value, hits!, ...Object.values(grads)]);
      const averaged = Object.fromEntries(variables.map((v, i) => [v.name, summed.tensors[i]!]));
      return { loss: summed.extras[0]! / batch.total, correct: summed.extras[1]!, grads: averaged };
    },
    apply(grads, learningRate) {
      optimizer.setLearningRate(learningRate);
      optimizer.applyGradients(grads);
    },
    heldState: () => [],
    dispose() {},
  };
}

type Which = 'kernel' | 'bias';
/** The (layer, weight) pairs a column part holds, in order. */
function heldPairs(weights: Partial<ColumnWeights>, layers: readonly ColumnLayer[]): Array<[ColumnLayer, Which, tf.Variable]> {
  return layers.flatMap((layer) =>
    (['kernel', 'bias'] as const).flatMap((which) => {
      const v = weights[layer]?.[which];
      return v ? [[layer, which, v] as [ColumnLayer, Which, tf.Variable]] : [];
    }),
  );
}

/** An optimizer over a rank's column variables, its velocities sliced from the full model's optimizer. */
async function columnOptimizer(
  config: SgdMomentumConfig,
  pairs: Array<[ColumnLayer, Which, tf.Variable]>,
  fullVelocity: (layer: ColumnLayer, which: Which) => tf.Tensor | undefined,
  rank: 0 | 1,
): Promise<SgdMomentumOptimizer> {
  const optimizer = sgdMomentum(config);
  const slots = pairs.flatMap(([layer, which, v]) => {
    const full = fullVelocity(layer, which);
    const mine = full ? columnSliceOf(layer, which, full, rank) : undefined;
    return mine ? [{ name: `${v.name}/velocity`, tensor: mine }] : [];
  });
  await optimizer.setWeights([{ name: 'iter', tensor: tf.scalar(0, 'int32') }, ...slots]);
  tf.dispose(slots.map((s) => s.tensor));
  return optimizer;
}

/** A column part's state for sync: its weights, then each one's velocity (zeros before its first step). */
function columnState(pairs: Array<[ColumnLayer, Which, tf.Variable]>, optimizer: SgdMomentumOptimizer): tf.Tensor[] {
  return [...pairs.map(([, , v]) => v.clone()), ...pairs.map(([, , v]) => optimizer.velocity(v.name)?.clone() ?? tf.zerosLike(v))];
}

export interface ColumnPartOptions {
  rank: 0 | 1;
  optimizer: SgdMomentumConfig;
  /** The full model's velocity of a layer's weight (a checkpoint's, when resuming). */
  fullVelocity: (layer: ColumnLayer, which: Which) => tf.Tensor | undefined;
}

/** §3.2's column split: this rank's column of the two-column model, the whole micro-batch. */
export async function columnPart(transport: Transport, model: tf.LayersModel, options: ColumnPartOptions): Promise<RankPart> {
  const weights = columnWeightsOf(model, options.rank);
  const ops = columnOpsOf(model);
  const pairs = heldPairs(weights, COLUMN_LAYERS);
  const optimizer = await columnOptimizer(options.optimizer, pairs, options.fullVelocity, options.rank);
  const names = Object.fromEntries(pairs.map(([layer, which, v]) => [`${layer}/${which}`, v.name]));
  return {
    async gradients(xs, ys, classes, batch) {
      const { loss, logits, grads } = await columnStep(transport, weights, ops, xs, ys, classes, { training: true, dropoutStep: batch.dropoutStep });
      const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), ys), 'int32')).dataSync()[0]!);
      logits.dispose();
      return { loss, correct, grads };
    },
    apply(grads, learningRate) {
      optimizer.setLearningRate(learningRate);
      optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [names[k]!, g])));
    },
    heldState: () => columnState(pairs, optimizer),
    dispose() {
      optimizer.dispose();
      tf.dispose(pairs.map(([, , v]) => v));
    },
  };
}

export interface HybridPartOptions extends ColumnPartOptions {
  /** Updates the conv tower (rank 0: the run's optimizer over the model; a helper: its replica's own). */
  convOptimizer: SgdMomentumOptimizer;
}

/** One weird trick: the conv tower data parallel (this rank's rows), fc6–fc8 column-split (the whole micro-batch). */
export async function hybridPart(transport: Transport, model: tf.LayersModel, options: HybridPartOptions): Promise<RankPart> {
  const all = columnWeightsOf(model, options.rank);
  for (const layer of ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'] as const) tf.dispose([all[layer].kernel, all[layer].bias!]);
  const fc = { fc6: all.fc6, fc7: all.fc7, fc8: all.fc8 };
  const convTower = convTowerOf(model);
  const ops = columnOpsOf(model);
  const pairs = heldPairs(fc, ['fc6', 'fc7', 'fc8']);
  const fcOptimizer = await columnOptimizer(options.optimizer, pairs, options.fullVelocity, options.rank);
  const names = Object.fromEntries(pairs.map(([layer, which, v]) => [`${layer}/${which}`, v.name]));
  const FC = 'column:';
  return {
    async gradients(xs, ys, classes, batch) {
      const r = await hybridStep(transport, { convTower, fc }, ops, xs, ys, classes, { training: true, dropoutStep: batch.dropoutStep });
      const grads: tf.NamedTensorMap = { ...r.convGrads };
      for (const [k, g] of Object.entries(r.fcGrads)) grads[FC + k] = g;
      return { loss: r.loss, correct: r.correct, grads };
    },
    apply(grads, learningRate) {
      const conv: tf.NamedTensorMap = {};
      const mine: tf.NamedTensorMap = {};
      for (const [k, g] of Object.entries(grads)) {
        if (k.startsWith(FC)) mine[names[k.slice(FC.length)]!] = g;
        else conv[k] = g;
      }
      options.convOptimizer.setLearningRate(learningRate);
      options.convOptimizer.applyGradients(conv);
      fcOptimizer.setLearningRate(learningRate);
      fcOptimizer.applyGradients(mine);
    },
    heldState: () => columnState(pairs, fcOptimizer),
    dispose() {
      fcOptimizer.dispose();
      tf.dispose(pairs.map(([, , v]) => v));
    },
  };
}

/** The (layer, weight, shape) of each weight a rank's part holds apart from the model, in heldState's order (its velocities follow in the same order). */
export function heldLayout(kind: PlacementKind, model: tf.LayersModel, rank: 0 | 1): Array<[ColumnLayer, Which, number[]]> {
  if (kind === 'data') return [];
  const layers = kind === 'columns' ? COLUMN_LAYERS : (['fc6', 'fc7', 'fc8'] as const);
  return layers.flatMap((layer) => {
    const [kernel, bias] = model.getLayer(layer).getWeights();
    return (['kernel', 'bias'] as const).flatMap((which) => {
      const full = which === 'kernel' ? kernel : bias;
      const part = full ? columnSliceOf(layer, which, full, rank) : undefined;
      if (!part) return [];
      part.dispose();
      return [[layer, which, part.shape] as [ColumnLayer, Which, number[]]];
    });
  });
}
