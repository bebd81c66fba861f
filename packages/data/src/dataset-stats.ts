import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { PixelStatistics, type RgbStatistics } from './pixel-statistics.js';
import { PreparedSplit, readPreparedIndex, type PreparedIndex } from './prepared-dataset.js';

/** `<dir>/stats.json`: the training split's colour statistics (§2, §4.1), on the 0–255 scale. */
export interface DatasetStats extends RgbStatistics {
  /** The split they were computed from; `samples` says how many of its images. */
  split: string;
  /** The per-pixel mean image: float32 little-endian, size×size×3, channels last. */
  meanImage: string;
  size: number;
}

export interface StatsOptions {
  split?: string;
  /** Use only the first N images (the shards are shuffled, so this is a random sample). Default all. */
  sample?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export const STATS_FILE = 'stats.json';
export const MEAN_IMAGE_FILE = 'mean-image.f32';

/**
 * Streams a split of a prepared dataset once, accumulating in float64 the
 * per-pixel mean and the RGB covariance, and writes `mean-image.f32` and
 * then `stats.json` (atomically, so a half-written result never shows).
 */
export async function computeDatasetStats(dir: string, options: StatsOptions = {}, index?: PreparedIndex): Promise<DatasetStats> {
  index ??= await readPreparedIndex(dir);
  const splitName = options.split ?? 'train';
  const split = await PreparedSplit.open(dir, splitName, index);
  try {
    const total = Math.min(split.count, options.sample ?? Infinity);
    if (total < 1) throw new Error(`${dir}: split '${splitName}' has no images to compute statistics from`);
    const accumulator = new PixelStatistics(index.size);
    const scratch = Buffer.allocUnsafe(index.size * index.size * 3); // add() keeps nothing of the image
    for (let i = 0; i < total; i++) {
      options.signal?.throwIfAborted();
      accumulator.add(await split.pixels(i, scratch));
      options.onProgress?.(i + 1, total);
    }
    const rgb: RgbStatistics = accumulator.result();
    const meanImage = accumulator.meanImage();
    await writeFileAtomic(join(dir, MEAN_IMAGE_FILE), new Uint8Array(meanImage.buffer, meanImage.byteOffset, meanImage.byteLength));
    const stats: DatasetStats = { ...rgb, split: splitName, meanImage: MEAN_IMAGE_FILE, size: index.size };
    await writeFileAtomic(join(dir, STATS_FILE), JSON.stringify(stats, null, 2) + '\n');
    return stats;
  } finally {
    split.close();
  }
}

/** Reads stats.json and the mean image it names, checking the image's size. */
export async function readDatasetStats(dir: string): Promise<{ stats: DatasetStats; meanImage: Float32Array }> {
  const file = join(dir, STATS_FILE);
  let stats: DatasetStats;
  try {
    stats = JSON.parse(await readFile(file, 'utf8')) as DatasetStats;
  } catch (error) {
    throw new Error(`${file}: cannot read the dataset statistics (${(error as Error).message}); run \`alexnet stats ${dir}\``);
  }
  const meanFile = join(dir, stats.meanImage);
  const bytes = await readFile(meanFile);
  const expected = stats.size * stats.size * 3 * 4;
  if (bytes.byteLength !== expected) throw new Error(`${meanFile}: ${bytes.byteLength} bytes, expected ${expected} for a ${stats.size}×${stats.size}×3 float32 image`);
  // Copy into an aligned buffer: a Buffer from readFile may sit at an odd offset of a shared pool.
  const meanImage = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(meanImage.buffer).set(bytes);
  return { stats, meanImage };
}
