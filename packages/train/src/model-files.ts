import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@alexnet/data';

const MODEL_JSON = 'model.json';
const WEIGHTS = /^weights(-[0-9a-f]+)?\.bin$/;

/**
 * Saves a model in the tfjs layers format (model.json + one weights file)
 * without tfjs-node's file:// handler, so it works on every engine.
 *
 * Crash-safe without moving the folder: the weights go to a new uniquely
 * named file, synced; model.json, which names it, then replaces the old one
 * by an atomic rename; only then are older weights files removed. At every
 * instant model.json names a complete weights file. One save at a time per
 * folder: concurrent saves to the same folder are not supported.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  const folder = resolve(dir);
  await mkdir(folder, { recursive: true });
  const weightsFile = `weights-${randomBytes(6).toString('hex')}.bin`;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const parts = artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
      };
      await writeFileAtomic(join(folder, weightsFile), new Uint8Array(tf.io.concatenateArrayBuffers(parts)));
      await writeFileAtomic(join(folder, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  for (const name of await readdir(folder)) {
    if (WEIGHTS.test(name) && name !== weightsFile) await unlink(join(folder, name)).catch(() => undefined);
  }
}

/** Bytes one stored weight takes: its quantized dtype when quantized, else its own dtype. */
function bytesPerValue(spec: tf.io.WeightsManifestEntry): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  switch (dtype) {
    case 'uint8':
    case 'bool':
      return 1;
    case 'uint16':
    case 'float16':
      return 2;
    default:
      return 4;
  }
}

/** Loads a tfjs layers-format folder (as written by {@link saveModel}, or by tfjs's own handlers). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, MODEL_JSON);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
  } catch (error) {
    throw new Error(`${jsonPath}: cannot read model (${(error as Error).message})`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJson.weightsManifest ?? []) {
    for (const path of group.paths) {
      const bytes = await readFile(join(dir, path)).catch((error: Error) => {
        throw new Error(`${join(dir, path)}: cannot read weights (${error.message})`);
      });
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    specs.push(...group.weights);
  }
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  const expectedBytes = specs.reduce((sum, s) => sum + s.shape.reduce((p, d) => p * d, 1) * bytesPerValue(s), 0);
  if (weightData.byteLength !== expectedBytes) {
    throw new Error(`${dir}: weights hold ${weightData.byteLength} bytes, model.json describes ${expectedBytes} (truncated or mismatched files)`);
  }
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }));
}
