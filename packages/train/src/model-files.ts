import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkFinite, fileInside, openRegularFile, readJsonFile, validated, writeFileAtomic } from '@alexnet/files';
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
  shape: z
    .array(
      z
        .number()
        .int()
        .nonnegative()
        .max(2 ** 31),
    )
    .max(8),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: z
    .object({ dtype: z.enum(['uint8', 'uint16', 'float16']), scale: z.number().optional(), min: z.number().optional() })
    .loose()
    .optional(),
});

const MODEL_JSON_SCHEMA = z
  .object({
    modelTopology: z
      .object({
        class_name: z.string(),
        config: z
          .object({
            layers: z
              .array(z.object({ class_name: z.string(), config: z.record(z.string(), z.unknown()) }).loose())
              .min(1)
              .max(10_000),
          })
          .loose(),
      })
      .loose(),
    weightsManifest: z.array(z.object({ paths: z.array(z.string()).min(1).max(10_000), weights: z.array(WEIGHT_SPEC).max(100_000) })).max(10_000),
  })
  .loose();

type LayerConfig = Record<string, unknown>;
/** A layer class this loader reads: the weights it builds from its input shape, and its output shape (channels last, batch left out). */
interface LayerRule {
  weights(config: LayerConfig, input: readonly number[]): Array<[string, number[]]>;
  output(config: LayerConfig, input: readonly number[]): number[];
}

const pair = (value: unknown): number[] => (Array.isArray(value) ? value.map(Number) : [Number(value), Number(value)]);
const withBias = (config: LayerConfig, shape: number[], units: number): Array<[string, number[]]> =>
  config.use_bias === false
    ? [['kernel', shape]]
    : [
        ['kernel', shape],
        ['bias', [units]],
      ];
/** Output side of a convolution or pooling window over `size` (dilation 1). */
const windowed = (size: number, window: number, stride: number, padding: unknown) =>
  padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
const spatial = (config: LayerConfig, input: readonly number[], window: number[], channels: number): number[] => {
  if (config.data_format !== undefined && config.data_format !== 'channelsLast' && config.data_format !== 'channels_last')
    throw new Error('only channels-last layers are read');
  const strides = pair(config.strides ?? 1);
  return [windowed(input[0]!, window[0]!, strides[0]!, config.padding), windowed(input[1]!, window[1]!, strides[1]!, config.padding), channels];
};
const SAME_SHAPE: LayerRule = { weights: () => [], output: (_, input) => [...input] };
const CONV: LayerRule = {
  weights: (c, input) => withBias(c, [...pair(c.kernel_size), input.at(-1)! / Number(c.groups ?? 1), Number(c.filters)], Number(c.filters)),
  output: (c, input) => spatial(c, input, pair(c.kernel_size), Number(c.filters)),
};
const POOL: LayerRule = {
  weights: () => [],
  output: (c, input) => spatial({ ...c, strides: c.strides ?? c.pool_size }, input, pair(c.pool_size), input.at(-1)!),
};
/** Zeros added as [[top, bottom], [left, right]] (tfjs saves that form; a number or [rows, cols] means both sides). */
const zeroPadding = (value: unknown): number[] => {
  const sides =
    typeof value === 'number'
      ? [value, value, value, value]
      : Array.isArray(value) && value.length === 2
        ? value.flatMap((v: unknown) => (Array.isArray(v) ? v : [v, v]))
        : [];
  if (sides.length !== 4 || !sides.every((p) => Number.isSafeInteger(p) && p >= 0 && p <= 1 << 16))
    throw new Error(`padding ${JSON.stringify(value)} is not 4 whole numbers of zeros from 0 to 65536`);
  return sides as number[];
};
const ZERO_PADDING: LayerRule = {
  weights: () => [],
  output: (c, input) => {
    if (c.data_format !== undefined && c.data_format !== 'channelsLast' && c.data_format !== 'channels_last')
      throw new Error('only channels-last layers are read');
    if (input.length !== 3) throw new Error(`pads an image, but its input has shape [${input.join(', ')}]`);
    const [top, bottom, left, right] = zeroPadding(c.padding) as [number, number, number, number];
    return [input[0]! + top + bottom, input[1]! + left + right, input[2]!];
  },
};

/**
 * The layer classes this loader reads — AlexNet's and the plain blocks of small
 * models — with the weights each builds from its input shape (what tfjs
 * allocates, zero-filled, when it builds the model, before the files are read).
 */
const LAYER_RULES: Record<string, LayerRule> = {
  InputLayer: SAME_SHAPE,
  Conv2D: CONV,
  AlexNetGroupedConv2D: { ...CONV, weights: (c, input) => CONV.weights({ ...c, groups: c.groups ?? 2 }, input) },
  Dense: {
    weights: (c, input) => withBias(c, [input.at(-1)!, Number(c.units)], Number(c.units)),
    output: (c, input) => [...input.slice(0, -1), Number(c.units)],
  },
  MaxPooling2D: POOL,
  AveragePooling2D: POOL,
  ZeroPadding2D: ZERO_PADDING,
  Flatten: { weights: () => [], output: (_, input) => [input.reduce((a, b) => a * b, 1)] },
  Dropout: SAME_SHAPE,
  Activation: SAME_SHAPE,
  ReLU: SAME_SHAPE,
  AlexNetSeededDropout: SAME_SHAPE,
  AlexNetLocalResponseNormalization: SAME_SHAPE,
};

const SIDE = z
  .number()
  .int()
  .min(1)
  .max(1 << 16);

/**
 * Works out, from the topology alone, every weight tfjs will allocate when it
 * builds the model, and requires the manifest to describe exactly those
 * (names and shapes): a topology asking for a million units or a giant input,
 * which no weights file backs, is refused before tfjs allocates anything.
 * Only Sequential models of the classes in LAYER_RULES are read.
 */
function checkTopologyAgainstManifest(topology: z.infer<typeof MODEL_JSON_SCHEMA>['modelTopology'], specs: tf.io.WeightsManifestEntry[], file: string): void {
  if (topology.class_name !== 'Sequential')
    throw new Error(`${file}: a ${String(topology.class_name)} model; this loader reads Sequential models (as saveModel writes them)`);
  const layers = topology.config.layers;
  const first = layers[0]?.config.batch_input_shape;
  const shape = validated(
    z.tuple([z.null(), SIDE, SIDE, SIDE]).or(z.tuple([z.null(), SIDE])),
    first,
    file,
    'modelTopology.config.layers[0].config.batch_input_shape',
  );
  let input: number[] = shape.slice(1) as number[];
  const expected = new Map<string, number[]>();
  for (const [i, layer] of layers.entries()) {
    const rule = LAYER_RULES[layer.class_name];
    const name = layer.config.name;
    if (rule === undefined) throw new Error(`${file}: layer ${i} is a ${layer.class_name}; this loader reads only ${Object.keys(LAYER_RULES).join(', ')}`);
    if (typeof name !== 'string') throw new Error(`${file}: layer ${i} has no name`);
    for (const [suffix, dims] of rule.weights(layer.config, input)) {
      if (!dims.every((d) => Number.isSafeInteger(d) && d >= 1 && d <= 1 << 20)) {
        throw new Error(`${file}: layer '${name}' would have a ${suffix} of shape [${dims.join(', ')}]`);
      }
      expected.set(`${name}/${suffix}`, dims);
    }
    try {
      input = rule.output(layer.config, input);
    } catch (error) {
      throw new Error(`${file}: layer '${name}' (${layer.class_name}): ${(error as Error).message}`);
    }
    if (!input.every((d) => Number.isSafeInteger(d) && d >= 1)) throw new Error(`${file}: layer '${name}' gives an output of shape [${input.join(', ')}]`);
  }
  const canonical = (n: string) => n.replace(/_\d+$/, '');
  for (const spec of specs) {
    const dims = expected.get(canonical(spec.name));
    if (dims === undefined) throw new Error(`${file}: the weights manifest has '${spec.name}', which no layer of the topology has`);
    if (dims.join() !== spec.shape.join())
      throw new Error(
        `${file}: '${spec.name}' has shape [${spec.shape.join(', ')}] in the weights manifest, but the topology's layer makes it [${dims.join(', ')}]`,
      );
    expected.delete(canonical(spec.name));
  }
  const missing = [...expected.keys()];
  if (missing.length > 0) throw new Error(`${file}: the weights manifest lacks ${missing.join(', ')}`);
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
      for (const name of group.paths)
        files.push(await openRegularFile(fileInside(dir, name, `${jsonPath}: weightsManifest[${g}].paths`), { maxBytes: expectedBytes }));
    }
    const onDisk = files.reduce((sum, f) => sum + f.size, 0);
    if (onDisk !== expectedBytes)
      throw new Error(`${dir}: weights hold ${onDisk} bytes, model.json describes ${expectedBytes} (truncated or mismatched files)`);
    const weightData = new Uint8Array(expectedBytes);
    let at = 0;
    for (const { handle, size } of files) {
      for (let done = 0; done < size;) {
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
        const values =
          offset % 4 === 0 ? new Float32Array(weightData.buffer, offset, bytes / 4) : new Float32Array(weightData.slice(offset, offset + bytes).buffer);
        checkFinite(values, `${dir}: weight '${spec.name}'`);
      }
      offset += bytes;
    }
    return await tf
      .loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs: specs, weightData: weightData.buffer }))
      .catch((error: Error) => {
        throw new Error(`${jsonPath}: cannot build the model (${error.message})`);
      });
  } finally {
    await Promise.all(files.map((f) => f.handle.close()));
  }
}
