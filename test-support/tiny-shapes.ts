import { join } from 'node:path';
import { prepareDataset, writeSyntheticShapes } from '@alexnet/data';
import { temporaryFolder } from './temporary-folder.js';

/**
 * The smallest dataset `alexnet train` runs on: the synthetic shapes, 3 images
 * per class, prepared at 72 px with a third held out (in temporary folders).
 */
export async function tinyPreparedShapes(label: string, seed: number): Promise<{ src: string; data: string }> {
  const src = await temporaryFolder(`${label}-src`);
  await writeSyntheticShapes(src, { perClass: 3, seed });
  const data = join(await temporaryFolder(`${label}-data`), 'prepared');
  await prepareDataset(src, data, { size: 72, valFraction: 0.34 });
  return { src, data };
}

/**
 * `alexnet train` flags for a network that trains in seconds on those images: 67 px crops of the
 * 72 px images, 1/16 width, batches of 6, He initialisation, pixels scaled by 1/64.
 */
export const TINY_TRAIN_FLAGS = ['--crop', '67', '--width', '0.0625', '--batch-size', '6', '--init', 'he', '--scale', '0.015625'] as const;
