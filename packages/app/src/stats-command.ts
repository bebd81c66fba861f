import { Option } from '@commander-js/extra-typings';
import { computeDatasetStats, type DatasetStats } from '@alexnet/data';
import { alexnetCommand, dataOption, parseCommandLine } from './command-line.js';
import { UsageError } from './exit-codes.js';
import { numberValue } from './option-values.js';
import { Progress } from './progress.js';

export function defineStatsCommand() {
  return alexnetCommand('stats', "recompute a prepared dataset's mean image and RGB PCA (stats.json, mean-image.f32)")
    .argument('[dir]', 'the prepared dataset (or --data)')
    .addOption(dataOption())
    .option('--split <name>', 'the split whose images are averaged [train]')
    .addOption(new Option('--sample <n>', 'use the first N images of the (shuffled) shards [all]').argParser(numberValue({ integer: true, min: 1 })))
    .option('--json', 'print stats.json')
    .addHelpText(
      'after',
      "\nThe split's per-pixel mean image, per-channel mean and the eigen-decomposition of its RGB\ncovariance (0–255 scale, float64 accumulation).",
    );
}

export async function runStats(args: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<DatasetStats> {
  const command = parseCommandLine(defineStatsCommand(), args);
  const values = command.opts();
  const positional = command.args[0];
  if (positional !== undefined && values.data !== undefined && positional !== values.data)
    throw new UsageError(`stats: two datasets given (${positional} and --data ${values.data})`);
  const data = values.data ?? positional;
  if (data === undefined) throw new UsageError('stats needs the prepared dataset: alexnet stats --data <dir>');
  let bar: Progress | undefined;
  const stats = await computeDatasetStats(data, {
    ...(values.split ? { split: values.split } : {}),
    ...(values.sample ? { sample: values.sample } : {}),
    onProgress: (done, total) => (bar ??= new Progress('stats', total, 'img')).update(done),
  });
  if (values.json) write(`${JSON.stringify(stats, null, 2)}\n`);
  else {
    const f = (v: number[]) => v.map((x) => x.toFixed(4)).join(', ');
    write(
      [
        `images     ${stats.samples} of split '${stats.split}' (${stats.pixels} pixels), ${stats.size}×${stats.size}, 0–255 scale`,
        `mean       ${f(stats.channelMean)}`,
        `eigenvalue ${f(stats.eigenvalues)}`,
        ...stats.eigenvectors.map((v, i) => `vector ${i + 1}   ${f(v)}`),
        '',
      ].join('\n'),
    );
  }
  return stats;
}
