import * as tf from '@tensorflow/tfjs';
import { cropFlipBatch, shuffleInPlace, type PreparedSplit, type Random } from '@alexnet/data';
import { TopKMeter } from '@alexnet/eval';
import { Progress } from './progress.js';

export interface EpochOptions {
  crop: number;
  mean: [number, number, number];
  /** Multiplies pixels after mean subtraction. */
  scale: number;
  batchSize: number;
  random: Random;
  label: string;
}

/** One epoch of SGD over a shuffled split; returns the mean loss and images/s. */
export async function trainEpoch(
  logits: tf.LayersModel,
  optimizer: tf.Optimizer,
  split: PreparedSplit,
  classes: number,
  options: EpochOptions,
): Promise<{ loss: number; imagesPerSecond: number }> {
  const order = shuffleInPlace(Array.from({ length: split.count }, (_, i) => i), options.random);
  const progress = new Progress(options.label, split.count, 'img');
  const start = performance.now();
  let lossSum = 0;
  let seen = 0;
  for (let at = 0; at < order.length; at += options.batchSize) {
    const indices = order.slice(at, at + options.batchSize);
    // Crops, mirrors and mean subtraction happen on the CPU before the step.
    const batch = cropFlipBatch(split, indices, { crop: options.crop, mean: options.mean, scale: options.scale, augment: true, random: options.random });
    const loss = tf.tidy(() => {
      const xs = tf.tensor4d(batch.xs, [indices.length, options.crop, options.crop, 3]);
      const ys = tf.oneHot(tf.tensor1d(batch.ys, 'int32'), classes);
      // Forward with dropout on, cross-entropy on the logits, one SGD step.
      return optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(ys, logits.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      )!;
    });
    const value = (await loss.data())[0]!;
    loss.dispose();
    if (!Number.isFinite(value)) throw new Error(`loss became ${value} at image ${at} of ${options.label}; lower the learning rate`);
    lossSum += value * indices.length;
    seen += indices.length;
    progress.update(seen, `loss ${(lossSum / seen).toFixed(3)}`);
  }
  return { loss: lossSum / seen, imagesPerSecond: seen / ((performance.now() - start) / 1000) };
}

/** Center-crop evaluation: mean loss and top-1/top-5 accuracy (fractions). */
export async function evaluate(
  logits: tf.LayersModel,
  split: PreparedSplit,
  classes: number,
  options: Omit<EpochOptions, 'random' | 'label'>,
): Promise<{ loss: number; top1: number; top5: number }> {
  const meter = new TopKMeter(classes, [1, Math.min(5, classes)]);
  let lossSum = 0;
  for (let at = 0; at < split.count; at += options.batchSize) {
    const indices = Array.from({ length: Math.min(options.batchSize, split.count - at) }, (_, i) => at + i);
    const batch = cropFlipBatch(split, indices, { crop: options.crop, mean: options.mean, scale: options.scale, augment: false });
    const [scores, loss] = tf.tidy(() => {
      const xs = tf.tensor4d(batch.xs, [indices.length, options.crop, options.crop, 3]);
      const out = logits.apply(xs, { training: false }) as tf.Tensor;
      const ys = tf.oneHot(tf.tensor1d(batch.ys, 'int32'), classes);
      return [out, tf.losses.softmaxCrossEntropy(ys, out)];
    });
    meter.add(await scores.data(), batch.ys);
    lossSum += (await loss.data())[0]! * indices.length;
    tf.dispose([scores, loss]);
  }
  const accuracy = meter.accuracy();
  return { loss: lossSum / split.count, top1: accuracy[1]!, top5: accuracy[Math.min(5, classes)]! };
}

