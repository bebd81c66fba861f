import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { lockFolder } from '@alexnet/files';
import { listDataset, type DatasetFormat } from './dataset-listing.js';
import type { DatasetStats } from './dataset-stats.js';
import { shardEncoder } from './encode-shard.js';
import { claimFolder, planPreparation, type PrepareSettings } from './prepare-plan.js';
import { smallDataWarnings } from './prepare-warnings.js';
import type { PreparedIndex } from './prepared-dataset.js';
import type { ShardEncoding } from './shard-file.js';
import { writeIndex } from './write-index.js';
import { writeShards } from './write-shards.js';

export interface PrepareOptions {
  /** Detected from the tree when not given. */
  format?: DatasetFormat;
  /** Side of the stored images: shorter side resized to it, then center-cropped. Default 256 (§2). */
  size?: number;
  /** Held-out fraction per class, for trees without their own val split. Default 0.1. */
  valFraction?: number;
  /** Seeds the held-out split and the order of images in the shards. Default 1. */
  seed?: number;
  /**
   * Images in flight at once; sharp decodes each on a libuv thread. Default: 4 per core —
   * each image also waits on file reads and the main thread, so one per core leaves cores
   * idle (measured: 2 in flight kept 1.45 of 2 cores busy). Set UV_THREADPOOL_SIZE at
   * least this high before anything async starts (the `alexnet` command does).
   */
  workers?: number;
  /** Images per shard. Default 1024. */
  shardSize?: number;
  /** 'raw' (default) or 'jpeg' (4:4:4 chroma; smaller on disk, decoded again on every read). */
  encoding?: ShardEncoding;
  /** Quality of the 'jpeg' encoding. Default 90. */
  jpegQuality?: number;
  /** Training images used for stats.json (first N of the shuffled order). Default all. */
  statsSample?: number;
  signal?: AbortSignal;
  onProgress?: (stage: 'images' | 'stats', done: number, total: number) => void;
}

export interface PrepareSummary {
  index: PreparedIndex;
  stats: DatasetStats;
  kept: number;
  rejected: Array<{ file: string; reason: string }>;
  /** Shards found complete from an earlier, interrupted run and not redone. */
  reusedShards: number;
  writtenShards: number;
  /** Why the prepared dataset may be too small to train or evaluate on (one class, a split with fewer images than classes, no val images); empty when none. */
  warnings: string[];
}

/** Thrown when a run is stopped by its AbortSignal; the shards written so far are kept. */
export class PrepareInterrupted extends Error {
  constructor(readonly out: string) {
    super(`prepare of ${out} interrupted; run the same command again to resume (finished shards are kept)`);
    this.name = 'PrepareInterrupted';
  }
}

/**
 * Turns a dataset tree into shards of S×S images plus index.json, stats.json
 * and rejected.json. Resumable: the plan (which image goes into which shard)
 * is a pure function of the listing and the options, each shard is written
 * atomically, and a rerun skips the shards that are already complete — so an
 * interrupted run, rerun, gives the same files as an uninterrupted one.
 */
export async function prepareDataset(src: string, out: string, options: PrepareOptions = {}): Promise<PrepareSummary> {
  const { settings, workers } = resolveOptions(options);
  // 1. List: every input image with its label and split (held out per class when the tree has no val split).
  const listing = await listDataset(src, { ...(options.format ? { format: options.format } : {}), valFraction: settings.valFraction, seed: settings.seed });
  // 2. Plan: which image goes into which shard, fingerprinted with the settings.
  const plan = planPreparation(src, listing, settings);
  await mkdir(out, { recursive: true });
  // One writer per folder: a second prepare into it is refused while this one runs.
  const lock = await lockFolder(out, 'alexnet prepare');
  try {
    // The fingerprint ties the folder to this plan: a folder prepared from something else is refused.
    await claimFolder(out, plan);
    // 3. Encode: how an image becomes a record (decoded, resized and center-cropped, stored raw or as JPEG); step 4's pool runs it.
    const encoder = shardEncoder(settings);
    // 4. Write: the shards not complete from an earlier run, each as soon as its last image is encoded.
    const shards = await writeShards(out, plan.shards, encoder, {
      workers,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (done, total) => options.onProgress?.('images', done, total),
    });
    if (options.signal?.aborted) throw new PrepareInterrupted(out);
    // 5. Index: rejected.json, stats.json, and last index.json, which marks the folder complete.
    const { index, stats, kept, rejected } = await writeIndex(out, plan, shards, {
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (done, total) => options.onProgress?.('stats', done, total),
    });
    return { index, stats, kept, rejected, reusedShards: shards.reused, writtenShards: shards.written, warnings: smallDataWarnings(src, index) };
  } finally {
    await lock.release();
  }
}

/** The options with their defaults, checked against what the readers accept (IMAGE_SIDE, a shard's image count). */
function resolveOptions(options: PrepareOptions): { settings: PrepareSettings; workers: number } {
  // Nothing is prepared that could not be read back.
  const size = positiveInteger('size', options.size ?? 256, 4096);
  const workers = positiveInteger('workers', options.workers ?? 4 * availableParallelism());
  const shardSize = positiveInteger('shard size', options.shardSize ?? 1024, 1 << 20);
  const encoding = options.encoding ?? 'raw';
  if (encoding !== 'raw' && encoding !== 'jpeg') throw new Error(`encoding must be raw or jpeg, got ${String(encoding)}`);
  const settings: PrepareSettings = {
    size,
    encoding,
    jpegQuality: options.jpegQuality ?? 90,
    seed: options.seed ?? 1,
    valFraction: options.valFraction ?? 0.1,
    shardSize,
  };
  if (options.statsSample !== undefined) settings.statsSample = options.statsSample;
  return { settings, workers };
}

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max}, got ${value}`);
  return value;
}
