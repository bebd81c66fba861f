import { createHash } from 'node:crypto';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-write.js';
import { listDataset, type DatasetFormat, type ImageSource } from './dataset-listing.js';
import { computeDatasetStats, MEAN_IMAGE_FILE, readDatasetStats, STATS_FILE, type DatasetStats } from './dataset-stats.js';
import { validated } from './file-schema.js';
import { lockFolder } from './folder-lock.js';
import { INDEX_FILE, type PreparedIndex } from './prepared-dataset.js';
import { seededRandom, shuffleInPlace } from './random.js';
import { rejectionReason, resizeAndCenterCrop, type DecodeInput } from './resize-crop.js';
import { readJsonFile } from './safe-files.js';
import { encodeShard, ShardReader, type ShardEncoding, type ShardHeader, type ShardRecord } from './shard-file.js';

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
}

interface PlannedShard {
  split: string;
  file: string;
  items: ImageSource[];
}

export const REJECTED_FILE = 'rejected.json';
const PLAN_FILE = 'prepare-plan.json';
const PLAN = z.object({ fingerprint: z.string(), settings: z.record(z.string(), z.unknown()) });

/** Thrown when a run is stopped by its AbortSignal; the shards written so far are kept. */
export class PrepareInterrupted extends Error {
  constructor(readonly out: string) {
    super(`prepare of ${out} interrupted; run the same command again to resume (finished shards are kept)`);
    this.name = 'PrepareInterrupted';
  }
}

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max}, got ${value}`);
  return value;
}

/**
 * Turns a dataset tree into shards of S×S images plus index.json, stats.json
 * and rejected.json. Resumable: the plan (which image goes into which shard)
 * is a pure function of the listing and the options, each shard is written
 * atomically, and a rerun skips the shards that are already complete — so an
 * interrupted run, rerun, gives the same files as an uninterrupted one.
 */
export async function prepareDataset(src: string, out: string, options: PrepareOptions = {}): Promise<PrepareSummary> {
  // What the readers accept (IMAGE_SIDE, a shard's image count): nothing is prepared that could not be read back.
  const size = positiveInteger('size', options.size ?? 256, 4096);
  const workers = positiveInteger('workers', options.workers ?? 4 * availableParallelism());
  const shardSize = positiveInteger('shard size', options.shardSize ?? 1024, 1 << 20);
  const encoding = options.encoding ?? 'raw';
  if (encoding !== 'raw' && encoding !== 'jpeg') throw new Error(`encoding must be raw or jpeg, got ${String(encoding)}`);
  const jpegQuality = options.jpegQuality ?? 90;
  const seed = options.seed ?? 1;
  const valFraction = options.valFraction ?? 0.1;

  const listing = await listDataset(src, { ...(options.format ? { format: options.format } : {}), valFraction, seed });
  const shards = planShards(listing.splits, shardSize, seed);

  // The plan's fingerprint ties the folder to one source and one set of options.
  const settings = { src: resolve(src), format: listing.format, size, encoding, jpegQuality, seed, valFraction: listing.heldOut ? valFraction : null, shardSize, statsSample: options.statsSample ?? null };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(settings))
    .update(JSON.stringify(shards.map((s) => [s.file, s.items.map((i) => [i.source, i.label])])))
    .digest('hex');
  await mkdir(out, { recursive: true });
  // One writer per folder: a second prepare into it is refused while this one runs.
  const lock = await lockFolder(out, 'alexnet prepare');
  try {
    await claimFolder(out, fingerprint, settings);

    const total = shards.reduce((n, s) => n + s.items.length, 0);
    let done = 0;
    const pending: PlannedShard[] = [];
    // What each finished shard holds: read from complete shards of an earlier run, or noted as it is written.
    const finished = new Map<PlannedShard, { count: number; rejected: Array<{ file: string; reason: string }> }>();
    for (const shard of shards) {
      const header = completeShardHeader(join(out, shard.file));
      // A shard of this plan holds its images at this size and encoding, one per planned item or rejection.
      if (header && header.size === size && header.encoding === encoding && header.count + header.rejected.length === shard.items.length) {
        finished.set(shard, { count: header.count, rejected: header.rejected });
        done += shard.items.length;
      } else pending.push(shard);
    }
    const reusedShards = finished.size;
    await removeStaleTemporaries(out);
    options.onProgress?.('images', done, total);

    // One pool of `workers` decodes across shard boundaries; a shard is written as soon as its last image is in.
    const work = pending.flatMap((shard) => shard.items.map((item, slot) => ({ shard, item, slot })));
    const results = new Map<PlannedShard, { records: Array<ShardRecord | undefined>; rejected: Array<{ file: string; reason: string } | undefined>; left: number }>();
    for (const shard of pending) results.set(shard, { records: [], rejected: [], left: shard.items.length });
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < work.length && !options.signal?.aborted && !failed) {
        const { shard, item, slot } = work[next++]!;
        const result = results.get(shard)!;
        let input: DecodeInput | undefined;
        try {
          input = await item.load();
          const image = await resizeAndCenterCrop(input, size);
          const bytes =
            encoding === 'raw'
              ? image.data
              : await sharp(image.data, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: jpegQuality, chromaSubsampling: '4:4:4' }).toBuffer();
          result.records[slot] = { label: item.label, source: item.source, bytes };
        } catch (error) {
          result.rejected[slot] = { file: item.source, reason: rejectionReason(error, input) };
        }
        done++;
        options.onProgress?.('images', done, total);
        if (--result.left === 0) {
          const records = result.records.filter((r): r is ShardRecord => r !== undefined);
          const rejected = result.rejected.filter((r): r is { file: string; reason: string } => r !== undefined);
          // A failed write (disk full …) stops the other workers too: nothing is written after the error.
          await writeFileAtomic(join(out, shard.file), encodeShard({ size, encoding, rejected }, records)).catch((error: Error) => {
            failed = true;
            throw new Error(`${error.message}; finished shards are kept, run again to resume`);
          });
          finished.set(shard, { count: records.length, rejected });
          results.delete(shard);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(workers, Math.max(1, work.length)) }, worker));
    if (options.signal?.aborted) throw new PrepareInterrupted(out);

    const splits: PreparedIndex['splits'] = {};
    const rejected = [...listing.rejected];
    for (const shard of shards) {
      const { count, rejected: lost } = finished.get(shard)!;
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
      size,
      encoding,
      classes: listing.classes,
      ...(listing.classNames ? { classNames: listing.classNames } : {}),
      source: { path: resolve(src), format: listing.format, heldOut: listing.heldOut, ...(listing.heldOut ? { valFraction } : {}), seed },
      splits,
      stats: STATS_FILE,
      meanImage: MEAN_IMAGE_FILE,
      rejected: REJECTED_FILE,
    };
    // stats.json is written only after every shard is complete, so one from an earlier run of this plan is current.
    const stats = (await readDatasetStats(out, size).then((s) => s.stats, () => undefined)) ?? await computeDatasetStats(
      out,
      {
        ...(options.statsSample !== undefined ? { sample: options.statsSample } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (d, t) => options.onProgress?.('stats', d, t),
      },
      index,
    );
    await writeFileAtomic(join(out, INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
    const kept = Object.values(splits).reduce((n, s) => n + s.count, 0);
    return { index, stats, kept, rejected, reusedShards, writtenShards: pending.length };
  } finally {
    await lock.release();
  }
}

/** Shuffles each split (seeded, so shards mix classes) and cuts it into shards. */
function planShards(splits: Record<string, ImageSource[]>, shardSize: number, seed: number): PlannedShard[] {
  const shards: PlannedShard[] = [];
  for (const [name, items] of Object.entries(splits)) {
    // Each split gets its own stream, so adding a split never reorders another.
    const order = shuffleInPlace([...items], seededRandom(seed ^ fnv1a(name)));
    for (let i = 0, k = 0; i < order.length; i += shardSize, k++) {
      shards.push({ split: name, file: `${name}-${String(k).padStart(5, '0')}.shard`, items: order.slice(i, i + shardSize) });
    }
  }
  return shards;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The header of a complete shard, or undefined when it is absent or damaged (then it is rebuilt). */
function completeShardHeader(path: string): ShardHeader | undefined {
  try {
    const reader = ShardReader.open(path);
    reader.close();
    return reader.header;
  } catch {
    return undefined;
  }
}

/** Records the plan's fingerprint in a new folder; refuses a folder prepared from something else. */
async function claimFolder(out: string, fingerprint: string, settings: object): Promise<void> {
  const file = join(out, PLAN_FILE);
  const present = await stat(file).then(() => true, () => false);
  const existing = present ? validated(PLAN, await readJsonFile(file), file, 'delete the folder and prepare again') : undefined;
  if (existing === undefined) {
    const names = (await readdir(out)).filter((n) => !n.startsWith('.'));
    if (names.length > 0) throw new Error(`${out} is not empty and was not made by \`alexnet prepare\`; choose a new --out folder`);
    await writeFileAtomic(file, JSON.stringify({ fingerprint, settings }, null, 2) + '\n');
  } else if (existing.fingerprint !== fingerprint) {
    throw new Error(
      `${out} holds a dataset prepared from other input or options (${JSON.stringify(existing.settings)}); ` +
        `now asked for ${JSON.stringify(settings)} — choose a new --out folder or delete this one`,
    );
  }
}

/** Leftovers of writes cut short by a crash (writeFileAtomic's `<file>.<random>.tmp`). */
async function removeStaleTemporaries(out: string): Promise<void> {
  for (const name of await readdir(out)) if (name.endsWith('.tmp')) await unlink(join(out, name)).catch(() => undefined);
}
