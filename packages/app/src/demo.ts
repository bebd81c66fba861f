import { join, resolve } from 'node:path';
import { prepareDataset, SHAPE_CLASSES, writeSyntheticShapes } from '@alexnet/data';
import type { DemoConfig } from './demo-config.js';
import { Progress, formatSeconds } from './progress.js';
import { freshRunFolder } from './run-folder.js';
import { train, type TrainResult } from './train-command.js';
import { trainConfigFrom } from './train-flags.js';

export interface DemoResult extends TrainResult {
  top1: number;
  top5: number;
  seconds: number;
}

/**
 * The whole pipeline on the built-in data: synthetic shapes as JPEG class
 * folders (once, cached) → prepared (resize shorter side, center crop) →
 * `alexnet train --recipe demo` → held-out top-1/top-5.
 */
export async function runDemo(config: DemoConfig, log: (line: string) => void = (l) => console.log(l)): Promise<DemoResult> {
  const started = performance.now();
  const seed = config.train.seed ?? 1;
  // The settings (and their checks) are train's, so a bad flag stops the demo before any work.
  const { config: trainConfig, explicit } = trainConfigFrom({ recipe: 'demo', ...config.train, data: '', force: false } as never);

  // 1. The dataset, written once as JPEG files in class folders.
  const imagesDir = resolve(config.cacheDir, `synthetic-shapes-${config.perClass}`);
  const genProgress = new Progress('generate', config.perClass * SHAPE_CLASSES.length, 'img');
  const generated = await writeSyntheticShapes(imagesDir, { perClass: config.perClass, seed: 2012, onProgress: (d) => genProgress.update(d) });
  log(`${generated.reused ? 'reused' : 'wrote'} ${generated.images} images in ${imagesDir}`);

  // 2. Prepared once per size, split and seed (a rerun finds the shards and stats complete).
  const preparedDir = resolve(config.cacheDir, `synthetic-shapes-${config.perClass}-prepared-${config.size}-val${config.valFraction}-seed${seed}`);
  let prepProgress: Progress | undefined;
  const prepared = await prepareDataset(imagesDir, preparedDir, {
    size: config.size,
    valFraction: config.valFraction,
    seed,
    onProgress: (stage, done, all) => {
      if (stage === 'images' && done < all) (prepProgress ??= new Progress('prepare', all, 'img')).update(done);
      else prepProgress?.update(done);
    },
  });
  if (prepared.writtenShards > 0) log(`prepared ${prepared.kept} images (${prepared.rejected.length} rejected) into ${preparedDir}`);

  // 3. Training: the same code as `alexnet train`, in a fresh run folder.
  const out = await freshRunFolder(config.runsDir, 'demo');
  const result = await train({ ...trainConfig, data: preparedDir, out }, explicit, log);
  if (result.stopped) return { ...result, top1: NaN, top5: NaN, seconds: (performance.now() - started) / 1000 };
  const { top1, top5 } = result.last!;
  const seconds = (performance.now() - started) / 1000;
  const rows: Array<[string, string]> = [
    ['engine', result.engine],
    ['held-out images', String(prepared.index.splits.val?.count ?? 0)],
    ['top-1', `${(100 * top1).toFixed(1)} %`],
    ['top-5', `${(100 * top5).toFixed(1)} %`],
    ['wall time', formatSeconds(seconds)],
    ['run folder', result.runDir],
    ['model', join(result.runDir, 'model')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  log('');
  for (const [key, value] of rows) log(`${key.padEnd(width)}  ${value}`);
  return { ...result, top1, top5, seconds };
}
