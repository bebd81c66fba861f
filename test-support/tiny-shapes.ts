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
