import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PreparedSplit, writeFileAtomic } from '@alexnet/data';
import { averageViews, centerCropBatch, ConfusionMatrix, csvField, tenCropBatch, TopKMeter } from '@alexnet/eval';
import { loadInference, normalizedBatches, runDirOf, type Inference } from './inference.js';
import { Progress } from './progress.js';

export const EVAL_USAGE = `usage: alexnet eval --checkpoint <dir> [--data <prepared dir>] [--split val] [--ten-crop] [--json] [--out <dir>]
  Top-1/top-5 error and accuracy of a checkpoint on a prepared split: the center crop, and with
  --ten-crop the mean softmax of the ten views of §4.1 (corners + center, and their mirrors).
  Writes per-class.csv, confusion.csv and confusion.png to --out [<run>/eval-<split>].
  --data defaults to the dataset the checkpoint was trained on.
`;

export interface EvalFigures {
  checkpoint: string;
  split: string;
  images: number;
  center: { top1: number; top5: number; top1Error: number; top5Error: number };
  tenCrop?: { top1: number; top5: number; top1Error: number; top5Error: number };
  imagesPerSecond: number;
  perClass: Array<{ class: string; name: string; accuracy: number }>;
  out: string;
}

const figures = (meter: TopKMeter) => {
  const accuracy = meter.accuracy();
  const k5 = meter.ks[1]!;
  return { top1: accuracy[1]!, top5: accuracy[k5]!, top1Error: 1 - accuracy[1]!, top5Error: 1 - accuracy[k5]! };
};

/** Scores one batch of stored images: center-crop probabilities, and the ten-view mean when asked. */
function scoreBatch(inference: Inference, images: tf.Tensor4D, tenCrop: boolean): { center: tf.Tensor2D; ten?: tf.Tensor2D } {
  return tf.tidy(() => {
    const center = tf.softmax(inference.logits.predict(centerCropBatch(images, inference.crop)) as tf.Tensor2D);
    if (!tenCrop) return { center };
    const views = tf.softmax(inference.logits.predict(tenCropBatch(images, inference.crop)) as tf.Tensor2D);
    return { center, ten: averageViews(views, 10) };
  });
}

export async function runEval(args: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<EvalFigures> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { checkpoint: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, 'ten-crop': { type: 'boolean' }, json: { type: 'boolean' }, out: { type: 'string' } },
  });
  if (values.checkpoint === undefined) throw new Error(`eval needs --checkpoint <dir>\n\n${EVAL_USAGE}`);
  const inference = await loadInference(values.checkpoint, values.data);
  try {
    const splitName = values.split ?? 'val';
    const split = await PreparedSplit.open(inference.data, splitName, inference.index);
    const classes = inference.classes.length;
    const ks = [1, Math.min(5, classes)];
    const center = new TopKMeter(classes, ks);
    const ten = new TopKMeter(classes, ks);
    const confusion = new ConfusionMatrix(classes);
    const tenCrop = values['ten-crop'] === true;
    const progress = new Progress(`eval ${splitName}`, split.count, 'img');
    const started = performance.now();
    try {
      for await (const { ids, images } of normalizedBatches(inference, split)) {
        const scores = scoreBatch(inference, images, tenCrop);
        const labels = ids.map((i) => split.labels[i]!);
        center.add(await scores.center.data(), labels);
        // The confusion matrix follows the reported prediction: 10-crop when asked, else the center crop.
        const reported = scores.ten ?? scores.center;
        const predicted = reported.argMax(1);
        confusion.add(await predicted.data(), labels);
        predicted.dispose();
        if (scores.ten) ten.add(await scores.ten.data(), labels);
        tf.dispose([images, scores.center, ...(scores.ten ? [scores.ten] : [])]);
        progress.update(ids.at(-1)! + 1);
      }
    } finally {
      split.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const out = resolve(values.out ?? join(runDirOf(inference.checkpoint), `eval-${splitName}`));
    await mkdir(out, { recursive: true });
    const perClass = confusion.perClassAccuracy().map((accuracy, i) => ({ class: inference.classes[i]!, name: inference.names[i]!, accuracy }));
    await writeFileAtomic(join(out, 'per-class.csv'), 'class,name,accuracy\n' + perClass.map((r) => `${csvField(r.class)},${csvField(r.name)},${r.accuracy}`).join('\n') + '\n');
    await writeFileAtomic(join(out, 'confusion.csv'), confusion.toCsv(inference.names));
    await writeFileAtomic(join(out, 'confusion.png'), await confusion.heatmapPng(inference.names));
    const result: EvalFigures = {
      checkpoint: inference.checkpoint,
      split: splitName,
      images: split.count,
      center: figures(center),
      ...(tenCrop ? { tenCrop: figures(ten) } : {}),
      imagesPerSecond: split.count / seconds,
      perClass,
      out,
    };
    if (values.json) write(JSON.stringify(result) + '\n');
    else {
      const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
      const rows = [
        ['view', 'top-1 error', 'top-5 error', 'top-1', 'top-5'],
        ['center crop', pct(result.center.top1Error), pct(result.center.top5Error), pct(result.center.top1), pct(result.center.top5)],
        ...(result.tenCrop ? [['10 crops', pct(result.tenCrop.top1Error), pct(result.tenCrop.top5Error), pct(result.tenCrop.top1), pct(result.tenCrop.top5)]] : []),
      ];
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      write(rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n') + '\n');
      write(`${split.count} images of '${splitName}', ${result.imagesPerSecond.toFixed(1)} img/s; per-class accuracy, confusion.csv and confusion.png in ${out}\n`);
    }
    return result;
  } finally {
    inference.dispose();
  }
}
