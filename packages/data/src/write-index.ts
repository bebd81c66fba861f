import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@alexnet/files';
import { computeDatasetStats, MEAN_IMAGE_FILE, readDatasetStats, STATS_FILE, type DatasetStats } from './dataset-stats.js';
import type { Rejection } from './encode-shard.js';
import type { PreparePlan } from './prepare-plan.js';
import { INDEX_FILE, type PreparedIndex } from './prepared-dataset.js';
import type { WrittenShards } from './write-shards.js';

/** The list of inputs not used, in a prepared folder. */
export const REJECTED_FILE = 'rejected.json';

export interface IndexOptions {
  signal?: AbortSignal;
  /** Images of the statistics pass done of all. */
  onProgress?: (done: number, total: number) => void;
}

export interface WrittenIndex {
  index: PreparedIndex;
  stats: DatasetStats;
  /** Images in the shards, all splits. */
  kept: number;
  /** Inputs refused while listing or encoding, sorted by file. */
  rejected: Rejection[];
}

/**
 * Completes a prepared folder once every shard of the plan is in it: writes
 * rejected.json, stats.json (unless current from an earlier run of this plan)
 * and, last, index.json, whose presence means the folder is complete.
 */
export async function writeIndex(out: string, plan: PreparePlan, shards: WrittenShards, options: IndexOptions = {}): Promise<WrittenIndex> {
  const { src, listing, settings } = plan;
  const splits: PreparedIndex['splits'] = {};
  const rejected = [...listing.rejected];
  for (const shard of plan.shards) {
    const { count, rejected: lost } = shards.finished.get(shard)!;
    const info = (splits[shard.split] ??= { count: 0, shards: [] });
    info.count += count;
    info.shards.push({ file: shard.file, count });
    rejected.push(...lost);
  }
  for (const name of ['train', 'val']) splits[name] ??= { count: 0, shards: [] };
  if (splits.train!.count === 0) throw new Error(`${src}: no usable training images (see ${join(out, REJECTED_FILE)})`);
  rejected.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  await writeFileAtomic(join(out, REJECTED_FILE), JSON.stringify(rejected, null, 2) + '\n');

  const index: PreparedIndex = {
    format: 'alexnet-prepared',
    version: 2,
    size: settings.size,
    encoding: settings.encoding,
    classes: listing.classes,
    ...(listing.classNames ? { classNames: listing.classNames } : {}),
    source: {
      path: resolve(src),
      format: listing.format,
      heldOut: listing.heldOut,
      ...(listing.heldOut ? { valFraction: settings.valFraction } : {}),
      seed: settings.seed,
    },
    splits,
    stats: STATS_FILE,
    meanImage: MEAN_IMAGE_FILE,
    rejected: REJECTED_FILE,
  };
  // stats.json is written only after every shard is complete, so one from an earlier run of this plan is current.
  const stats =
    (await readDatasetStats(out, settings.size).then(
      (s) => s.stats,
      () => undefined,
    )) ??
    (await computeDatasetStats(
      out,
      {
        ...(settings.statsSample !== undefined ? { sample: settings.statsSample } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
      index,
    ));
  await writeFileAtomic(join(out, INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
  const kept = Object.values(splits).reduce((n, s) => n + s.count, 0);
  return { index, stats, kept, rejected };
}
