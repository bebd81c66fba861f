import { join } from 'node:path';
import { lstat } from 'node:fs/promises';
import { MEAN_IMAGE_FILE, readDatasetStats, readJsonFile, STATS_FILE, validated, type DatasetStats, type PreparedIndex } from '@alexnet/data';
import { z } from 'zod';

/** Human-readable class names (synset words) a checkpoint carries when its dataset had them. */
export const CLASS_NAMES_FILE = 'class-names.json';

/**
 * What inference needs from the dataset a run was trained on, as files every
 * checkpoint carries: the dataset's stats.json and mean image (read back with
 * the same checks as the dataset's own) and its class names. With them,
 * `predict` and `filters` work after the dataset is moved or deleted.
 */
export async function preprocessingFiles(data: string, index: PreparedIndex): Promise<Record<string, string | Uint8Array>> {
  // Read through the dataset's checks: a checkpoint carries only what the dataset's reader accepts.
  const { stats, meanImage } = await readDatasetStats(data, index.size);
  return statsFilesOf(stats, meanImage, index.classNames);
}

/** stats.json, mean-image.f32 and (when there are names) class-names.json, from statistics already read. */
export function statsFilesOf(stats: DatasetStats, meanImage: Float32Array, names: string[] | undefined): Record<string, string | Uint8Array> {
  return {
    [STATS_FILE]: JSON.stringify({ ...stats, meanImage: MEAN_IMAGE_FILE }, null, 2) + '\n',
    [MEAN_IMAGE_FILE]: new Uint8Array(meanImage.buffer, meanImage.byteOffset, meanImage.byteLength),
    ...(names ? { [CLASS_NAMES_FILE]: JSON.stringify(names) + '\n' } : {}),
  };
}

/** Whether a checkpoint carries its preprocessing (checkpoints written before it did not). */
export async function carriesPreprocessing(checkpointDir: string): Promise<boolean> {
  // Only whether it is there: readDatasetStats reads and checks it.
  return lstat(join(checkpointDir, STATS_FILE)).then(
    () => true,
    () => false,
  );
}

/** The class names a checkpoint carries, checked against its classes; undefined when it has none. */
export async function readClassNames(checkpointDir: string, classes: number): Promise<string[] | undefined> {
  const file = join(checkpointDir, CLASS_NAMES_FILE);
  const value = await readJsonFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (value === undefined) return undefined;
  return validated(z.array(z.string().max(1000)).length(classes), value, file, 'the checkpoint is damaged') as string[];
}
