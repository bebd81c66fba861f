import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/**
 * Saves a model in the tfjs layers format (model.json + weights.bin) without
 * tfjs-node's file:// handler, so it works on every engine. The folder is
 * written beside the target and renamed into place: a crash never leaves a
 * half-written model where a good one was.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  const staging = `${dir}.${process.pid}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(
        Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData],
      );
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
      };
      await writeFile(join(staging, WEIGHTS_BIN), new Uint8Array(weightData));
      await writeFile(join(staging, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  const old = `${dir}.${process.pid}.old`;
  await rm(old, { recursive: true, force: true });
  await rename(dir, old).catch(() => undefined);
  await rename(staging, dir);
  await rm(old, { recursive: true, force: true });
}

/** Loads a model written by {@link saveModel} (or any tfjs layers-format folder with one weights file group). */
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
  for (const group of modelJson.weightsManifest) {
    for (const path of group.paths) {
      const bytes = await readFile(join(dir, path));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    specs.push(...group.weights);
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData: tf.io.concatenateArrayBuffers(buffers),
  };
  const expectedBytes = specs.reduce((sum, s) => sum + s.shape.reduce((p, d) => p * d, 1) * 4, 0);
  if ((artifacts.weightData as ArrayBuffer).byteLength !== expectedBytes) {
    throw new Error(`${dir}: weights hold ${(artifacts.weightData as ArrayBuffer).byteLength} bytes, model.json describes ${expectedBytes} (truncated or mismatched files)`);
  }
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
