import * as tf from '@tensorflow/tfjs';
import type { BatchLoader } from '@alexnet/data';
import { TopKMeter } from '@alexnet/eval';
import { Progress } from './progress.js';

/** One epoch of SGD over the loader's batches; returns the mean loss and images/s. */
export async function trainEpoch(
  logits: tf.LayersModel,
  optimizer: tf.Optimizer,
  loader: BatchLoader,
  epoch: number,
  classes: number,
  label: string,
): Promise<{ loss: number; imagesPerSecond: number }> {
  const progress = new Progress(label, loader.batchesPerEpoch * loader.batchSize, 'img');
  const start = performance.now();
  let lossSum = 0;
  let seen = 0;
  // The loader's worker threads crop, mirror, light and normalise the next batches meanwhile.
  for await (const { xs, ys } of loader.epoch(epoch)) {
    const n = ys.shape[0];
    const loss = tf.tidy(() => {
      const targets = tf.oneHot(ys, classes);
      // Forward with dropout on, cross-entropy on the logits, one SGD step.
      return optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(targets, logits.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      )!;
    });
    tf.dispose([xs, ys]);
    const value = (await loss.data())[0]!;
    loss.dispose();
    if (!Number.isFinite(value)) throw new Error(`loss became ${value} at image ${seen} of ${label}; lower the learning rate`);
    lossSum += value * n;
    seen += n;
    progress.update(seen, `loss ${(lossSum / seen).toFixed(3)}`);
  }
  return { loss: lossSum / seen, imagesPerSecond: seen / ((performance.now() - start) / 1000) };
}

/** Center-crop evaluation over a validation loader: mean loss and top-1/top-5 accuracy (fractions). */
export async function evaluate(logits: tf.LayersModel, loader: BatchLoader, classes: number): Promise<{ loss: number; top1: number; top5: number }> {
  const meter = new TopKMeter(classes, [1, Math.min(5, classes)]);
  let lossSum = 0;
  let seen = 0;
  for await (const { xs, ys } of loader.epoch(0)) {
    const [scores, loss] = tf.tidy(() => {
      const out = logits.apply(xs, { training: false }) as tf.Tensor;
      return [out, tf.losses.softmaxCrossEntropy(tf.oneHot(ys, classes), out)];
    });
    meter.add(await scores.data(), await ys.data());
    lossSum += (await loss.data())[0]! * ys.shape[0];
    seen += ys.shape[0];
    tf.dispose([scores, loss, xs, ys]);
  }
  const accuracy = meter.accuracy();
  return { loss: lossSum / seen, top1: accuracy[1]!, top5: accuracy[Math.min(5, classes)]! };
}
