import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkFinite, fileInside, openRegularFile, readJsonFile, validated, writeFileAtomic } from '@alexnet/data';
import { z } from 'zod';

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

/** Weights larger than this are refused before anything is read (AlexNet's are 244 MB). */
export const MAX_WEIGHT_BYTES = 4 * 2 ** 30;

const WEIGHT_SPEC = z.object({
  name: z.string().min(1).max(512),
  shape: z.array(z.number().int().nonnegative().max(2 ** 31)).max(8),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: z
    .object({ dtype: z.enum(['uint8', 'uint16', 'float16']), scale: z.number().optional(), min: z.number().optional() })
    .loose()
    .optional(),
});

const MODEL_JSON_SCHEMA = z
  .object({
    modelTopology: z.object({ config: z.object({ layers: z.array(z.object({ class_name: z.string(), config: z.record(z.string(), z.unknown()) }).loose()).max(10_000) }).loose() }).loose(),
    weightsManifest: z.array(z.object({ paths: z.array(z.string()).min(1).max(10_000), weights: z.array(WEIGHT_SPEC).max(100_000) })).max(10_000),
  })
  .loose();

/**
 * A layer that declares `units` or `filters` must find its kernel in the
 * manifest with that many outputs: tfjs allocates every layer's weights when it
 * builds the model, before the files replace them, so a topology asking for a
 * million units would allocate gigabytes that no weights file backs.
 */
function checkTopologyAgainstManifest(topology: z.infer<typeof MODEL_JSON_SCHEMA>['modelTopology'], specs: tf.io.WeightsManifestEntry[], file: string): void {
  for (const layer of topology.config.layers) {
    const name = layer.config.name;
    for (const key of ['units', 'filters'] as const) {
      const declared = layer.config[key];
      if (declared === undefined) continue;
      if (typeof name !== 'string' || typeof declared !== 'number' || !Number.isInteger(declared) || declared < 1) {
        throw new Error(`${file}: layer ${JSON.stringify(name)} has ${key} ${JSON.stringify(declared)}; expected a positive integer`);
      }
      const kernel = specs.find((s) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/kernel(_\\d+)?$`).test(s.name));
      if (kernel === undefined) throw new Error(`${file}: layer '${name}' declares ${key} ${declared} but the weights manifest has no '${name}/kernel'`);
      if (kernel.shape.at(-1) !== declared) {
        throw new Error(`${file}: layer '${name}' declares ${key} ${declared} but its kernel in the weights manifest has shape [${kernel.shape.join(', ')}]`);
      }
    }
  }
}

/**
 * Loads a tfjs layers-format folder (as written by {@link saveModel}, or by
 * tfjs's own handlers), validating it first: model.json's manifest types and
 * shapes, the topology's layer sizes against the manifest, weight file names
 * that stay in the folder, regular files whose sizes add up to what the
 * manifest describes (checked before they are read), and finite float weights.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, MODEL_JSON);
  const modelJson = validated(MODEL_JSON_SCHEMA, await readJsonFile(jsonPath), jsonPath);
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[];
  checkTopologyAgainstManifest(modelJson.modelTopology, specs, jsonPath);
  const expectedBytes = specs.reduce((sum, s) => sum + s.shape.reduce((p, d) => p * d, 1) * bytesPerValue(s), 0);
  if (expectedBytes > MAX_WEIGHT_BYTES) throw new Error(`${jsonPath}: describes ${expectedBytes} bytes of weights, more than the ${MAX_WEIGHT_BYTES} allowed`);
  // Open every file first: names, types and sizes are checked before a byte is read.
  const files = [];
  try {
    for (const [g, group] of modelJson.weightsManifest.entries()) {
      for (const name of group.paths) files.push(await openRegularFile(fileInside(dir, name, `${jsonPath}: weightsManifest[${g}].paths`), { maxBytes: expectedBytes }));
    }
    const onDisk = files.reduce((sum, f) => sum + f.size, 0);
    if (onDisk !== expectedBytes) throw new Error(`${dir}: weights hold ${onDisk} bytes, model.json describes ${expectedBytes} (truncated or mismatched files)`);
    const weightData = new Uint8Array(expectedBytes);
    let at = 0;
    for (const { handle, size } of files) {
      for (let done = 0; done < size; ) {
        const { bytesRead } = await handle.read(weightData, at + done, size - done, done);
        if (bytesRead === 0) throw new Error(`${dir}: a weights file changed while it was read`);
        done += bytesRead;
      }
      at += size;
    }
    let offset = 0;
    for (const spec of specs) {
      const bytes = spec.shape.reduce((p, d) => p * d, 1) * bytesPerValue(spec);
      if (spec.dtype === 'float32' && spec.quantization === undefined) {
        // After quantized weights of odd sizes, a float32 view may not be aligned: copy then.
        const values = offset % 4 === 0 ? new Float32Array(weightData.buffer, offset, bytes / 4) : new Float32Array(weightData.slice(offset, offset + bytes).buffer);
        checkFinite(values, `${dir}: weight '${spec.name}'`);
      }
      offset += bytes;
    }
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs: specs, weightData: weightData.buffer })).catch((error: Error) => {
      throw new Error(`${jsonPath}: cannot build the model (${error.message})`);
    });
  } finally {
    await Promise.all(files.map((f) => f.handle.close()));
  }
}
