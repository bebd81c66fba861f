import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASET_FORMATS, prepareDataset, PrepareInterrupted, type PrepareOptions, type PrepareSummary } from '@alexnet/data';
import { choiceFlag, numberFlag } from './flag-values.js';
import { Progress, formatSeconds } from './progress.js';
import { stopOnSignals } from './stop-signals.js';

export const PREPARE_USAGE = `usage: alexnet prepare <src> --out <dir> [flags]
  <src>               class folders (<src>/<class>/<image>), train/ + val/ class folders, an ILSVRC tree
                      (train/<wnid>/, val/ with LOC_val_solution.csv or the devkit's ground truth), or
                      Fashion-MNIST IDX / CIFAR-10 binary files
  --out DIR           where shards, index.json, stats.json, mean-image.f32 and rejected.json go (required)
  --format F          auto|${DATASET_FORMATS.join('|')} [auto]
  --size S            shorter side resized to S, then center crop S×S [256]
  --workers N         images in flight, decoded by sharp on all cores [${4 * availableParallelism()} = 4 per core]
  --val-fraction X    held out per class when the source has no val split [0.1]
  --seed N            held-out split and shard order [1]
  --shard-size N      images per shard [1024]
  --encoding E        raw|jpeg: raw pixels (fastest to read) or JPEG (smaller) [raw]
  --jpeg-quality Q    for --encoding jpeg [90]
  --stats-sample N    training images used for stats.json [all]
Interrupted runs resume: run the same command again.
`;

export function parsePrepareFlags(args: string[]): { src: string; out: string; options: PrepareOptions } {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      out: { type: 'string' }, format: { type: 'string' }, size: { type: 'string' }, workers: { type: 'string' },
      'val-fraction': { type: 'string' }, seed: { type: 'string' }, 'shard-size': { type: 'string' },
      encoding: { type: 'string' }, 'jpeg-quality': { type: 'string' }, 'stats-sample': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new Error(`prepare takes one source folder, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${PREPARE_USAGE}`);
  if (values.out === undefined) throw new Error(`prepare needs --out <dir>\n\n${PREPARE_USAGE}`);
  const format = values.format === 'auto' ? undefined : choiceFlag('format', values.format, DATASET_FORMATS);
  const entries: Array<[keyof PrepareOptions, unknown]> = [
    ['format', format],
    ['size', numberFlag('size', values.size, { integer: true, min: 1, below: 4097 })],
    ['workers', numberFlag('workers', values.workers, { integer: true, min: 1 })],
    ['valFraction', numberFlag('val-fraction', values['val-fraction'], { above: 0, below: 1 })],
    ['seed', numberFlag('seed', values.seed, { integer: true })],
    ['shardSize', numberFlag('shard-size', values['shard-size'], { integer: true, min: 1, below: 1048577 })],
    ['encoding', choiceFlag('encoding', values.encoding, ['raw', 'jpeg'] as const)],
    ['jpegQuality', numberFlag('jpeg-quality', values['jpeg-quality'], { integer: true, min: 1 })],
    ['statsSample', numberFlag('stats-sample', values['stats-sample'], { integer: true, min: 1 })],
  ];
  if (values['jpeg-quality'] !== undefined && Number(values['jpeg-quality']) > 100) throw new Error(`--jpeg-quality: expected 1–100, got '${values['jpeg-quality']}'`);
  const options = Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as PrepareOptions;
  return { src: positionals[0]!, out: values.out, options };
}

/** `alexnet prepare`: shows progress, stops cleanly on Ctrl-C (a second Ctrl-C exits at once), prints a summary. */
export async function runPrepare(args: string[], log: (line: string) => void = (l) => console.log(l)): Promise<PrepareSummary | undefined> {
  const { src, out, options } = parsePrepareFlags(args);
  const stop = stopOnSignals('stopping after the images in flight');
  const bars: Partial<Record<'images' | 'stats', Progress>> = {};
  const started = performance.now();
  try {
    const summary = await prepareDataset(src, out, {
      ...options,
      signal: stop.signal,
      onProgress: (stage, done, total) => (bars[stage] ??= new Progress(stage === 'images' ? 'prepare' : 'stats', total, 'img')).update(done),
    });
    const seconds = (performance.now() - started) / 1000;
    const { index, stats } = summary;
    let bytes = 0;
    for (const info of Object.values(index.splits)) for (const shard of info.shards) bytes += (await stat(join(out, shard.file))).size;
    const round = (v: number[]) => v.map((x) => Number(x.toFixed(4)));
    log(`kept ${summary.kept} images (${Object.entries(index.splits).map(([n, s]) => `${n} ${s.count}`).join(', ')}), rejected ${summary.rejected.length} (${join(out, index.rejected)})`);
    log(`${index.classes.length} classes, ${index.size}×${index.size} ${index.encoding}, ${(bytes / Math.max(1, summary.kept) / 1024).toFixed(1)} KiB per image on disk`);
    log(`shards: ${summary.writtenShards} written, ${summary.reusedShards} reused from an earlier run; ${formatSeconds(seconds)}`);
    log(`stats (${stats.samples} training images, 0–255): channel mean ${JSON.stringify(round(stats.channelMean))}, eigenvalues ${JSON.stringify(round(stats.eigenvalues))}`);
    return summary;
  } catch (error) {
    if (error instanceof PrepareInterrupted) {
      log(error.message);
      process.exitCode = 130;
      return undefined;
    }
    throw error;
  } finally {
    stop.release();
  }
}
