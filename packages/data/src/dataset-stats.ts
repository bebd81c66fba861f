import { DatasetError } from './dataset-error.js';
import { join } from 'node:path';
import { z } from 'zod';
import { checkFinite, fileInside, readJsonFile, readRegularFile, validated, writeFileAtomic } from '@alexnet/files';
import { count, IMAGE_SIDE } from './dataset-schema.js';
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

const RGB = z.tuple([z.number(), z.number(), z.number()]);
const MATRIX_3X3 = z.tuple([RGB, RGB, RGB]);

const DATASET_STATS = z.object({
  split: z.string().max(64),
  meanImage: z.string(),
  size: IMAGE_SIDE,
  channelMean: RGB,
  covariance: MATRIX_3X3,
  eigenvalues: RGB,
  eigenvectors: MATRIX_3X3,
  pixelScale: z.literal(255),
  samples: count().min(1),
  pixels: count().min(1),
});

/**
 * Reads stats.json and the mean image it names: every number finite, the
 * mean image a plain file in the folder of exactly size×size×3 float32 values
 * (checked before it is read), and — when given — the size the dataset's
 * images have.
 */
export async function readDatasetStats(dir: string, expectedSize?: number): Promise<{ stats: DatasetStats; meanImage: Float32Array }> {
  const file = join(dir, STATS_FILE);
  const value = await readJsonFile(file).catch((error: Error) => {
    throw new DatasetError(`${error.message}; cannot read the dataset statistics`, dir, 'recompute-stats');
  });
  let stats: DatasetStats;
  try {
    stats = validated(DATASET_STATS, value, file, 'the statistics must be recomputed') as DatasetStats;
  } catch (error) {
    throw new DatasetError((error as Error).message, dir, 'recompute-stats');
  }
  if (expectedSize !== undefined && stats.size !== expectedSize) {
    throw new DatasetError(
      `${file}: statistics of ${stats.size}×${stats.size} images, but the dataset's are ${expectedSize}×${expectedSize}; the statistics must be recomputed`,
      dir,
      'recompute-stats',
    );
  }
  const meanFile = fileInside(dir, stats.meanImage, `${file}: meanImage`);
  const bytes = await readRegularFile(meanFile, { exactBytes: stats.size * stats.size * 3 * 4 });
  // Copy into an aligned buffer: a Buffer from readFile may sit at an odd offset of a shared pool.
  const meanImage = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(meanImage.buffer).set(bytes);
  checkFinite(meanImage, meanFile);
  return { stats, meanImage };
}
