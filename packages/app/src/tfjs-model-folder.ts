import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { writeFileAtomic } from '@alexnet/files';
import { saveModel } from '@alexnet/train';
import type { OnnxPreprocessing } from './onnx/onnx-metadata.js';

/** Beside model.json in a tfjs model folder: crop, scale, mean mode, classes and names. */
export const PREPROCESSING_FILE = 'preprocessing.json';

/**
 * A tfjs model folder (`alexnet export --format tfjs`, and `train`'s model/): model.json and
 * weights, the preprocessing files, and preprocessing.json, so a page or a program can prepare
 * images as training did.
 */
export async function writeTfjsModel(
  dir: string,
  model: tf.LayersModel,
  files: Record<string, string | Uint8Array>,
  preprocessing: Omit<OnnxPreprocessing, 'stats'>,
): Promise<void> {
  await saveModel(model, dir);
  for (const [name, content] of Object.entries(files)) await writeFileAtomic(join(dir, name), content);
  await writeFileAtomic(join(dir, PREPROCESSING_FILE), JSON.stringify(preprocessing, null, 2) + '\n');
}
