import { parseArgs } from 'node:util';
import { computeDatasetStats, type DatasetStats } from '@alexnet/data';
import { numberFlag } from './flag-values.js';
import { Progress } from './progress.js';

export const STATS_USAGE = `usage: alexnet stats <prepared dir> [--split train] [--sample N] [--json]
  Recomputes <dir>/stats.json and mean-image.f32: the split's per-pixel mean image, per-channel
  mean and the eigen-decomposition of its RGB covariance (0–255 scale, float64 accumulation).
  --sample N   use the first N images of the (shuffled) shards [all]
  --json       print stats.json
`;

export async function runStats(args: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<DatasetStats> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { split: { type: 'string' }, sample: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new Error(`stats takes one prepared folder\n\n${STATS_USAGE}`);
  const sample = numberFlag('sample', values.sample, { integer: true, min: 1 });
  let bar: Progress | undefined;
  const stats = await computeDatasetStats(positionals[0]!, {
    ...(values.split ? { split: values.split } : {}),
    ...(sample ? { sample } : {}),
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
