import * as tf from '@tensorflow/tfjs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchSource } from './batch-source.js';
import { saveCheckpoint, STATE_FILE, trainableVariables, type TrainState } from './checkpoint.js';
import { evaluateLoader, type Evaluation } from './evaluate.js';
import type { LrSchedule } from './lr-schedules.js';
import { appendMetrics, keepMetricsUpTo } from './metrics-files.js';
import { GradientSums } from './gradient-sums.js';

/** An optimizer whose learning rate can change between steps (sgdMomentum, tf.train.momentum …). */
export type SteppableOptimizer = tf.Optimizer & { setLearningRate(learningRate: number): void };

/**
 * Where a step's arithmetic happens. The default computes on this engine; a
 * placement over several devices (@alexnet/parallel's column split, data
 * parallelism, hybrid) supplies its own, with `model` and `optimizer` brought
 * up to date by `sync` before validation and checkpoints.
 */
export interface StepPlacement {
  /** One micro-batch's mean loss, its number of correct top-1 predictions, and gradients to sum over the step's micro-batches. */
  gradients(xs: tf.Tensor4D, ys: tf.Tensor1D, classes: number): Promise<{ loss: number; correct: number; grads: tf.NamedTensorMap }>;
  /** One SGD step with the step's gradients (averaged over its micro-batches) at this learning rate. */
  apply(grads: tf.NamedTensorMap, learningRate: number): Promise<void>;
  /** Makes `model` and `optimizer` hold the current weights and optimizer state. */
  sync(): Promise<void>;
  /** The last step's communication: seconds spent waiting on other ranks and bytes this rank sent, by what they carried. */
  lastStep?(): StepCommunication;
}

export interface StepCommunication {
  commSeconds: number;
  /** Activations, gradients and weights exchanged by the placement's own scheme (what GUIDE §2's formulas count). */
  bytesSent: number;
  /** Images and labels handed from rank 0 to the others (this machine's loader runs on rank 0). */
  inputBytesSent: number;
}

export interface TrainLoopOptions {
  /** The network up to its logits (a model sharing weights with the softmax model is fine). */
  logits: tf.LayersModel;
  /** What is saved in checkpoints (usually the softmax model). */
  model: tf.LayersModel;
  optimizer: SteppableOptimizer;
  schedule: LrSchedule;
  /** The training batches (a BatchLoader of @alexnet/data, or any BatchSource). */
  train: BatchSource;
  val: BatchSource;
  /** Train until this many epochs are complete. */
  epochs: number;
  /** Micro-batches whose gradients are averaged into one step (a batch that does not fit at once). Default 1. */
  accumulate?: number;
  /** metrics.jsonl, metrics.csv and checkpoints/{last,best} go here. */
  runDir: string;
  /** Where to start: a fresh state, or one read from a checkpoint. */
  state: TrainState;
  /** Stops at the next optimizer step and saves `last` (SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Files every checkpoint carries beside the model and state (e.g. the preprocessing inference needs). */
  checkpointFiles?: Record<string, string | Uint8Array>;
  /** Where steps are computed (default: on this engine, with `logits` and `optimizer`). */
  placement?: StepPlacement;
  onBatch?: (info: { epoch: number; batch: number; batches: number; loss: number; images: number; step?: StepTiming }) => void;
  /** After each epoch's metrics and checkpoints are written (awaited: e.g. to draw curves.png). */
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
}

/** One step's wall time, split into computing and waiting on other ranks (placements only). */
export interface StepTiming extends StepCommunication {
  seconds: number;
  computeSeconds: number;
}

export interface EpochMetrics extends Evaluation {
  epoch: number;
  learningRate: number;
  trainLoss: number;
  /** Top-1 error on the epoch's training batches (augmented, dropout on), as Keras reports accuracy. */
  trainTop1Error: number;
  imagesPerSecond: number;
  seconds: number;
  /** With a placement over several devices: per-step means of its time and traffic in this epoch. */
  parallel?: { stepSeconds: number; computeSeconds: number; commSeconds: number; bytesSentPerRank: number; inputBytesSent: number };
}

/** One device: gradients by tf.variableGrads on `logits`, steps by `optimizer`. */
function localPlacement(logits: tf.LayersModel, optimizer: SteppableOptimizer, variables: tf.Variable[]): StepPlacement {
  return {
    async gradients(xs, ys, classes) {
      let hits: tf.Scalar | undefined;
      const { value, grads } = tf.tidy(() => {
        const targets = tf.oneHot(ys, classes);
        return tf.variableGrads(() => {
          const out = logits.apply(xs, { training: true }) as tf.Tensor2D;
          // Training accuracy as Keras reports it: on the augmented batch, dropout on.
          hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), ys), 'int32'))) as tf.Scalar;
          return tf.losses.softmaxCrossEntropy(targets, out) as tf.Scalar;
        }, variables);
      });
      const [loss, correct] = [(await value.data())[0]!, (await hits!.data())[0]!];
      tf.dispose([value, hits!]);
      return { loss, correct, grads };
    },
    async apply(grads, learningRate) {
      optimizer.setLearningRate(learningRate);
      optimizer.applyGradients(grads);
    },
    async sync() {},
  };
}

/** Thrown when the loss stops being a number; the last checkpoint on disk is the last good one. */
export class NonFiniteLossError extends Error {
  constructor(
    value: number,
    epoch: number,
    batch: number,
    /** The last checkpoint on disk, written before the loss went bad (undefined: none yet). */
    readonly lastCheckpoint: string | undefined,
  ) {
    super(
      `loss became ${value} at epoch ${epoch}, batch ${batch}: training stopped; ` +
        (lastCheckpoint ? `${lastCheckpoint} is the last good checkpoint` : 'no checkpoint was written yet') +
        ' (a lower learning rate usually helps)',
    );
    this.name = 'NonFiniteLossError';
  }
}

/** Layers that keep a position in a random stream (SeededDropout's `step`): saved so a resumed run draws the same masks. */
function streamLayers(model: tf.LayersModel): Array<tf.layers.Layer & { step: number }> {
  return model.layers.filter((l): l is tf.layers.Layer & { step: number } => typeof (l as { step?: unknown }).step === 'number');
}

export function dropoutSteps(model: tf.LayersModel): Record<string, number> {
  return Object.fromEntries(streamLayers(model).map((l) => [l.name, l.step]));
}

export function restoreDropoutSteps(model: tf.LayersModel, steps: Record<string, number>): void {
  for (const layer of streamLayers(model)) layer.step = steps[layer.name] ?? 0;
}

/**
 * The training procedure of §5, written out: for each epoch, SGD steps over
 * the loader's batches (gradients of `accumulate` micro-batches averaged),
 * the learning rate from the schedule before every step, validation at the
 * end of the epoch, then the schedule's update and a checkpoint. Returns the
 * final state; stops early, after saving, when `signal` fires.
 */
export async function trainLoop(options: TrainLoopOptions): Promise<{ state: TrainState; stopped: boolean }> {
  const { logits, model, optimizer, schedule, train, val, runDir } = options;
  const accumulate = options.accumulate ?? 1;
  const classes = options.state.classes.length;
  const variables = trainableVariables(model);
  const stepsPerEpoch = Math.floor(train.batchesPerEpoch / accumulate);
  if (stepsPerEpoch < 1) throw new Error(`an epoch of ${train.count} images has no full step of ${accumulate}×${train.batchSize} images`);
  const lastDir = join(runDir, 'checkpoints', 'last');
  let state: TrainState = { ...options.state };
  if (state.batchInEpoch > stepsPerEpoch) {
    throw new Error(
      `the run's state is at step ${state.batchInEpoch} of epoch ${state.epoch + 1}, past the ${stepsPerEpoch} steps an epoch has here (a checkpoint from another dataset or batch size?)`,
    );
  }
  restoreDropoutSteps(model, state.dropoutSteps);
  // A resumed run's metrics go up to its checkpoint's epoch: what came after is trained again.
  await keepMetricsUpTo(runDir, state.epoch);

  const placement = options.placement ?? localPlacement(logits, optimizer, variables);
  // `best` is a model to use: it leaves out the optimizer's velocities (as large as the weights).
  const checkpoint = async (dir: string, withOptimizer = true) =>
    saveCheckpoint(dir, model, withOptimizer ? optimizer : null, { ...state, dropoutSteps: dropoutSteps(model) }, options.checkpointFiles);

  while (state.epoch < options.epochs) {
    const epoch = state.epoch + 1;
    const started = performance.now();
    let lossSum = 0;
    let hitSum = 0;
    let seen = 0;
    const sums = new GradientSums();
    let learningRate = NaN;
    const traffic: StepTiming[] = [];
    let stepStarted = performance.now();
    // A resumed run starts at the first micro-batch of the next step it had not taken.
    let batch = state.batchInEpoch * accumulate;
    for await (const { xs, ys } of train.epoch(epoch, Math.min(batch, train.batchesPerEpoch))) {
      // 1. Forward with dropout on, cross-entropy on the logits, gradients of this micro-batch.
      const { loss, correct, grads } = await placement.gradients(xs, ys, classes);
      const n = ys.shape[0];
      tf.dispose([xs, ys]);
      // 2. The guard: a NaN or Inf loss stops before it reaches the weights or a checkpoint.
      if (!Number.isFinite(loss)) {
        tf.dispose(Object.values(grads));
        sums.dispose();
        const saved = await stat(join(lastDir, STATE_FILE)).then(
          () => true,
          () => false,
        );
        throw new NonFiniteLossError(loss, epoch, batch, saved ? lastDir : undefined);
      }
      // 3. Sum gradients over the micro-batches of one step.
      sums.add(grads);
      lossSum += loss * n;
      hitSum += correct;
      seen += n;
      batch++;
      if (sums.micro < accumulate) continue;
      // 4. One SGD step with the schedule's learning rate for this step.
      learningRate = schedule.learningRate(state.schedule as never, { epoch, step: state.batchInEpoch });
      await sums.takeMean((mean) => placement.apply(mean, learningRate));
      state = { ...state, step: state.step + 1, batchInEpoch: state.batchInEpoch + 1 };
      const timing = stepTiming(placement, performance.now() - stepStarted);
      stepStarted = performance.now();
      if (timing) traffic.push(timing);
      options.onBatch?.({ epoch, batch: state.batchInEpoch, batches: stepsPerEpoch, loss: lossSum / seen, images: seen, ...(timing ? { step: timing } : {}) });
      // Let the event loop run: a step can finish with promises that are already resolved, and
      // without a turn of the loop a SIGINT handler (which fires `signal`) never gets to run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      // The epoch's last step goes on to validation (which checks the signal after its checkpoint).
      if (state.batchInEpoch === stepsPerEpoch) break;
      if (options.signal?.aborted) {
        await placement.sync();
        await checkpoint(lastDir);
        return { state, stopped: true };
      }
    }
    sums.dispose();

    // 5. Validation (center crops, dropout off), then the schedule's end-of-epoch update.
    const seconds = (performance.now() - started) / 1000;
    await placement.sync();
    const evaluation = await evaluateLoader(logits, val, classes);
    const metrics: EpochMetrics = {
      epoch,
      learningRate,
      trainLoss: lossSum / Math.max(seen, 1),
      trainTop1Error: 1 - hitSum / Math.max(seen, 1),
      ...evaluation,
      imagesPerSecond: seen / seconds,
      seconds,
      ...(traffic.length > 0 ? { parallel: meanTraffic(traffic) } : {}),
    };
    await appendMetrics(runDir, metrics);
    const improved = state.best === null || evaluation.top1Error < state.best.top1Error;
    state = {
      ...state,
      epoch,
      batchInEpoch: 0,
      schedule: schedule.endEpoch(state.schedule as never, { epoch, valError: evaluation.top1Error }),
      best: improved ? { top1Error: evaluation.top1Error, epoch } : state.best,
    };
    // 6. Checkpoints: `last` every epoch, `best` when validation improved.
    await checkpoint(lastDir);
    if (improved) await checkpoint(join(runDir, 'checkpoints', 'best'), false);
    // After the checkpoints: whatever the callback does, this epoch's training is saved.
    await options.onEpoch?.(metrics);
    if (options.signal?.aborted) return { state, stopped: true };
  }
  return { state, stopped: false };
}

function stepTiming(placement: StepPlacement, ms: number): StepTiming | undefined {
  const comm = placement.lastStep?.();
  if (!comm) return undefined;
  const seconds = ms / 1000;
  return { seconds, computeSeconds: Math.max(0, seconds - comm.commSeconds), ...comm };
}

function meanTraffic(steps: StepTiming[]): NonNullable<EpochMetrics['parallel']> {
  const mean = (pick: (s: StepTiming) => number) => steps.reduce((a, s) => a + pick(s), 0) / steps.length;
  return {
    stepSeconds: mean((s) => s.seconds),
    computeSeconds: mean((s) => s.computeSeconds),
    commSeconds: mean((s) => s.commSeconds),
    bytesSentPerRank: mean((s) => s.bytesSent),
    inputBytesSent: mean((s) => s.inputBytesSent),
  };
}
