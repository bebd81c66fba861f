import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PreparedSplit, writeFileAtomic } from '@alexnet/data';
import { averageViews, centerCropBatch, confusionHeatmapPng, ConfusionMatrix, csvField, tenCropBatch, terminalText, TopKMeter } from '@alexnet/eval';
import { alexnetCommand, backendOption, checkpointsOption, dataOption, parseCommandLine } from './command-line.js';
import { datasetOf, loadEnsemble, runDirOf, storedBatches, type Inference } from './inference.js';
import { Progress } from './progress.js';

export function defineEvalCommand() {
  return alexnetCommand('eval', 'top-1/top-5 error of a checkpoint, or of several averaged (§6), center crop or 10 crops, confusion matrix')
    .addOption(checkpointsOption().makeOptionMandatory())
    .addOption(dataOption('the prepared dataset [the one the checkpoint was trained on]'))
    .option('--split <name>', 'the split to score [val]', 'val')
    .option('--ten-crop', 'also the mean softmax of the ten views of §4.1 (corners + center, and their mirrors)')
    .option('--json', 'print the figures as JSON')
    .option(
      '--out <dir>',
      "where per-class.csv, confusion.csv and confusion.png go [<run>/eval-<split>, or eval-<split>-ensemble in the first checkpoint's run]",
    )
    .addOption(backendOption())
    .addHelpText(
      'after',
      "\nWith several --checkpoint, each model and their ensemble (the mean of their softmax outputs) are\nreported; the confusion matrix and per-class accuracy are the ensemble's.",
    );
}

/** Top-1/top-5 as fractions; top-5 is null with 5 classes or fewer (it would always be 100 %). */
export interface TopFigures {
  top1: number;
  top5: number | null;
  top1Error: number;
  top5Error: number | null;
}

export interface EvalFigures {
  /** The checkpoint, or the first of an ensemble. */
  checkpoint: string;
  split: string;
  images: number;
  /** The reported figures: the model's, or the ensemble's. */
  center: TopFigures;
  tenCrop?: TopFigures;
  /** With several checkpoints: each model's own figures. */
  models?: Array<{ checkpoint: string; center: TopFigures; tenCrop?: TopFigures }>;
  imagesPerSecond: number;
  perClass: Array<{ class: string; name: string; accuracy: number }>;
  out: string;
}

const figures = (meter: TopKMeter, classes: number): TopFigures => {
  const accuracy = meter.accuracy();
  const top1 = accuracy[1]!;
  const top5 = classes > 5 ? accuracy[5]! : null;
  return { top1, top5, top1Error: 1 - top1, top5Error: top5 === null ? null : 1 - top5 };
};

/** One model's probabilities for a batch of stored images: center crop, and the ten-view mean when asked. */
function scoreBatch(inference: Inference, pixels: Uint8Array[], tenCrop: boolean): { center: tf.Tensor2D; ten?: tf.Tensor2D } {
  return tf.tidy(() => {
    const images = tf.stack(pixels.map((p) => inference.normalize(p))) as tf.Tensor4D;
    const center = tf.softmax(inference.logits.predict(centerCropBatch(images, inference.crop)) as tf.Tensor2D);
    if (!tenCrop) return { center };
    const views = tf.softmax(inference.logits.predict(tenCropBatch(images, inference.crop)) as tf.Tensor2D);
    return { center, ten: averageViews(views, 10) };
  });
}

/** Meters for one model or the ensemble. */
class Scores {
  readonly center: TopKMeter;
  readonly ten: TopKMeter;
  constructor(classes: number) {
    const ks = [...new Set([1, Math.min(5, classes)])];
    this.center = new TopKMeter(classes, ks);
    this.ten = new TopKMeter(classes, ks);
  }
}

export async function runEval(args: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<EvalFigures> {
  const values = parseCommandLine(defineEvalCommand(), args).opts();
  const models = await loadEnsemble(values.checkpoint, values.data);
  try {
    const first = models[0]!;
    const splitName = values.split;
    const { data, index } = datasetOf(first, '`alexnet eval`');
    const split = await PreparedSplit.open(data, splitName, index);
    const classes = first.classes.length;
    const tenCrop = values.tenCrop === true;
    const each = models.map(() => new Scores(classes));
    const ensemble = new Scores(classes);
    const confusion = new ConfusionMatrix(classes);
    const progress = new Progress(`eval ${splitName}`, split.count, 'img');
    const started = performance.now();
    try {
      for await (const { ids, pixels } of storedBatches(split)) {
        const labels = ids.map((i) => split.labels[i]!);
        const scored = models.map((m) => scoreBatch(m, pixels, tenCrop));
        // The ensemble of §6: the mean of the models' probabilities (of their ten-view means with --ten-crop).
        const mean = tf.tidy(() => ({
          center: tf.div(tf.addN(scored.map((s) => s.center)), models.length) as tf.Tensor2D,
          ...(tenCrop ? { ten: tf.div(tf.addN(scored.map((s) => s.ten!)), models.length) as tf.Tensor2D } : {}),
        }));
        for (const [i, s] of scored.entries()) {
          each[i]!.center.add(await s.center.data(), labels);
          if (s.ten) each[i]!.ten.add(await s.ten.data(), labels);
        }
        ensemble.center.add(await mean.center.data(), labels);
        if (mean.ten) ensemble.ten.add(await mean.ten.data(), labels);
        // The confusion matrix follows the reported prediction: 10-crop when asked, else the center crop.
        const predicted = tf.argMax(mean.ten ?? mean.center, 1);
        confusion.add(await predicted.data(), labels);
        tf.dispose([predicted, mean.center, ...(mean.ten ? [mean.ten] : []), ...scored.flatMap((s) => [s.center, ...(s.ten ? [s.ten] : [])])]);
        progress.update(ids.at(-1)! + 1);
      }
    } finally {
      split.close();
    }
    const seconds = (performance.now() - started) / 1000;
    // An ensemble's files go beside the first model's own, not over them.
    const out = resolve(values.out ?? join(runDirOf(first.checkpoint), `eval-${splitName}${models.length > 1 ? '-ensemble' : ''}`));
    await mkdir(out, { recursive: true });
    const perClass = confusion.perClassAccuracy().map((accuracy, i) => ({ class: first.classes[i]!, name: first.names[i]!, accuracy }));
    await writeFileAtomic(
      join(out, 'per-class.csv'),
      'class,name,accuracy\n' + perClass.map((r) => `${csvField(r.class)},${csvField(r.name)},${r.accuracy}`).join('\n') + '\n',
    );
    await writeFileAtomic(join(out, 'confusion.csv'), confusion.toCsv(first.names));
    await writeFileAtomic(join(out, 'confusion.png'), await confusionHeatmapPng(confusion, first.names));
    const result: EvalFigures = {
      checkpoint: first.checkpoint,
      split: splitName,
      images: split.count,
      center: figures(ensemble.center, classes),
      ...(tenCrop ? { tenCrop: figures(ensemble.ten, classes) } : {}),
      ...(models.length > 1
        ? {
            models: models.map((m, i) => ({
              checkpoint: m.checkpoint,
              center: figures(each[i]!.center, classes),
              ...(tenCrop ? { tenCrop: figures(each[i]!.ten, classes) } : {}),
            })),
          }
        : {}),
      imagesPerSecond: split.count / seconds,
      perClass,
      out,
    };
    if (values.json) write(JSON.stringify(result) + '\n');
    else write(formatEval(result));
    return result;
  } finally {
    for (const m of models) m.dispose();
  }
}

/** The figures as a table: one row per view, and per model with an ensemble. */
function formatEval(result: EvalFigures): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);
  const row = (who: string[], view: string, f: TopFigures) => [...who, view, pct(f.top1Error), pct(f.top5Error), pct(f.top1), pct(f.top5)];
  const ensemble = result.models !== undefined;
  const rows = [[...(ensemble ? ['model'] : []), 'view', 'top-1 error', 'top-5 error', 'top-1', 'top-5']];
  for (const [i, m] of (result.models ?? []).entries()) {
    rows.push(row([String(i + 1)], 'center crop', m.center));
    if (m.tenCrop) rows.push(row([String(i + 1)], '10 crops', m.tenCrop));
  }
  const who = ensemble ? ['ensemble'] : [];
  rows.push(row(who, 'center crop', result.center));
  if (result.tenCrop) rows.push(row(who, '10 crops', result.tenCrop));
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
  for (const [i, m] of (result.models ?? []).entries()) lines.push(`model ${i + 1}: ${terminalText(m.checkpoint)}`);
  const note = result.center.top5 === null ? ' (top-5 is n/a with 5 classes or fewer)' : '';
  lines.push(
    `${result.images} images of '${result.split}', ${result.imagesPerSecond.toFixed(1)} img/s${note}; per-class accuracy, confusion.csv and confusion.png in ${terminalText(result.out)}`,
  );
  return `${lines.join('\n')}\n`;
}
