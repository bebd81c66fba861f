import * as tf from '@tensorflow/tfjs';
import type { BatchSource } from './batch-source.js';
import { TopKMeter } from '@alexnet/eval';

/** Validation figures as the paper reports them (error) and as accuracy. */
export interface Evaluation {
  valLoss: number;
  top1: number;
  top5: number;
  top1Error: number;
  top5Error: number;
}

/** Mean cross-entropy and top-1/top-5 over a loader's batches (dropout off), ties counted against the model. */
export async function evaluateLoader(logits: tf.LayersModel, loader: BatchSource, classes: number): Promise<Evaluation> {
  const k5 = Math.min(5, classes);
  const meter = new TopKMeter(classes, [1, k5]);
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
  if (seen === 0) throw new Error('the validation split has no images to evaluate');
  const accuracy = meter.accuracy();
  const top1 = accuracy[1]!;
  const top5 = accuracy[k5]!;
  return { valLoss: lossSum / seen, top1, top5, top1Error: 1 - top1, top5Error: 1 - top5 };
}
