import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '@alexnet/backend';
import { BatchLoader, prepareDataset, SHAPE_CLASSES, writeFileAtomic, writeSyntheticShapes } from '@alexnet/data';
import { saveModel, sgdMomentum, stepDecay, trainLoop, type EpochMetrics } from '@alexnet/train';
import { alexNet, logitsOf } from './alexnet.js';
import type { DemoConfig } from './demo-config.js';
import { Progress, epochProgress, formatSeconds } from './progress.js';

// Pixels minus the mean image, divided by 64: roughly unit variance, which He
// initialisation assumes (raw 0–255 values make the first steps diverge).
const PIXEL_SCALE = 1 / 64;

export interface DemoResult {
  runDir: string;
  top1: number;
  top5: number;
  seconds: number;
}

/**
 * The whole pipeline on the built-in data: synthetic shapes as JPEG class
 * folders (once, cached) → prepared (resize shorter side, center crop) →
 * a width-scaled AlexNet trained with SGD + momentum → held-out top-1/top-5.
 */
export async function runDemo(config: DemoConfig, log: (line: string) => void = (l) => console.log(l)): Promise<DemoResult> {
  const started = performance.now();
  const report = await initBackend({ prefer: config.backend });
  tf.env().set('PROD', true); // silence tfjs's console hints; errors still throw

  // 1. The dataset, written once as JPEG files in class folders.
  const imagesDir = resolve(config.cacheDir, `synthetic-shapes-${config.perClass}`);
  const total = config.perClass * SHAPE_CLASSES.length;
  const genProgress = new Progress('generate', total, 'img');
  const generated = await writeSyntheticShapes(imagesDir, { perClass: config.perClass, seed: 2012, onProgress: (d) => genProgress.update(d) });
  log(`${generated.reused ? 'reused' : 'wrote'} ${generated.images} images in ${imagesDir}`);

  // 2. Prepared once per size, split and seed (a rerun finds the shards and stats complete).
  const preparedDir = resolve(config.cacheDir, `synthetic-shapes-${config.perClass}-prepared-${config.size}-val${config.valFraction}-seed${config.seed}`);
  let prepProgress: Progress | undefined;
  const prepared = await prepareDataset(imagesDir, preparedDir, {
    size: config.size,
    valFraction: config.valFraction,
    seed: config.seed,
    onProgress: (stage, done, all) => {
      if (stage === 'images' && done < all) (prepProgress ??= new Progress('prepare', all, 'img')).update(done);
      else prepProgress?.update(done);
    },
  });
  if (prepared.writtenShards > 0) log(`prepared ${prepared.kept} images (${prepared.rejected.length} rejected) into ${preparedDir}`);
  const { index } = prepared;
  const classes = index.classes.length;
  // The paper's input pipeline (§4.1): mean image subtracted, random crops, mirrors and PCA lighting.
  const train = await BatchLoader.open(preparedDir, { split: 'train', batchSize: config.batchSize, crop: config.crop, seed: config.seed, scale: PIXEL_SCALE, lighting: config.lighting });
  const val = await BatchLoader.open(preparedDir, { split: 'val', batchSize: 64, crop: config.crop, scale: PIXEL_SCALE, workers: 1 });

  // 3. The run folder: config first, metrics as they come, the model at the end.
  const runDir = resolve(config.runsDir, `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(runDir, { recursive: true });
  // One column: the configuration whose time and accuracy docs/measurements.md records.
  const model = alexNet({ classes, inputSize: config.crop, width: config.width, columns: 1, init: config.init, seed: config.seed });
  await writeFileAtomic(
    join(runDir, 'config.json'),
    JSON.stringify({ demo: config, engine: report.engine, classes: index.classes, prepared: preparedDir, pixelScale: PIXEL_SCALE, params: model.countParams() }, null, 2) + '\n',
  );
  log(`AlexNet width ${config.width} at ${config.crop}×${config.crop}: ${model.countParams().toLocaleString('en-US')} parameters; ${train.count} training, ${val.count} held-out images; run folder ${runDir}`);

  // The library's training loop (@alexnet/train): SGD with momentum (PyTorch's rule without weight
  // decay is tf.train.momentum's update), ÷10 from lrDropEpoch, validation and a checkpoint per epoch.
  const optimizer = sgdMomentum({ learningRate: config.learningRate, momentum: config.momentum, weightDecay: 0, rule: 'pytorch' });
  const schedule = stepDecay({ initial: config.learningRate, every: config.lrDropEpoch - 1 });
  let last: EpochMetrics | undefined;
  try {
    await trainLoop({
      logits: logitsOf(model), model, optimizer, schedule, train, val, epochs: config.epochs, runDir,
      state: { epoch: 0, batchInEpoch: 0, step: 0, schedule: schedule.initialState(), dropoutSteps: {}, best: null, config: { demo: config, data: preparedDir, arch: 'alexnet', crop: config.crop, mean: 'image', scale: PIXEL_SCALE }, classes: index.classes },
      onBatch: epochProgress(config.epochs, config.batchSize),
      onEpoch: (m) => {
        last = m;
        log(`epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(3)}, held-out loss ${m.valLoss.toFixed(3)}, top-1 ${(100 * m.top1).toFixed(1)} %, ${m.imagesPerSecond.toFixed(0)} img/s`);
      },
    });
    await saveModel(model, join(runDir, 'model'));
  } finally {
    optimizer.dispose();
    await Promise.all([train.close(), val.close()]);
  }
  const { top1, top5 } = last!;

  const seconds = (performance.now() - started) / 1000;
  const rows: Array<[string, string]> = [
    ['engine', report.engine],
    ['held-out images', String(val.count)],
    ['top-1', `${(100 * top1).toFixed(1)} %`],
    ['top-5', `${(100 * top5).toFixed(1)} %`],
    ['wall time', formatSeconds(seconds)],
    ['run folder', runDir],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  log('');
  for (const [key, value] of rows) log(`${key.padEnd(width)}  ${value}`);
  return { runDir, top1, top5, seconds };
}
