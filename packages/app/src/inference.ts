import * as tf from '@tensorflow/tfjs';
import { basename, join } from 'node:path';
import {
  centerView,
  cropFlipInto,
  readDatasetStats,
  readJsonFile,
  readPreparedIndex,
  validated,
  type DatasetStats,
  type PreparedIndex,
  type PreparedSplit,
} from '@alexnet/data';
import { z } from 'zod';
import { loadCheckpoint } from '@alexnet/train';
import { logitsOf } from './alexnet.js';
import { carriesPreprocessing, readClassNames } from './checkpoint-preprocessing.js';
// Registers LRN, grouped convolution and seeded dropout, so the checkpoint's model.json loads.
import '@alexnet/layers';

/** A trained network with the preprocessing it was trained with, ready to score images. */
export interface Inference {
  checkpoint: string;
  /** Name of the checkpoint's weights file: changes with every save, so it keys caches. */
  weightsId: string;
  model: tf.LayersModel;
  logits: tf.LayersModel;
  /** The last hidden layer (fc7, after ReLU): the 4096-d features of Figure 4. */
  features: tf.LayersModel;
  /** The prepared dataset it was trained on (or --data), when it is there: eval and similar read its images. */
  data?: string;
  index?: PreparedIndex;
  classes: string[];
  /** Human-readable names (synset words) when the dataset has them, else the class names. */
  names: string[];
  /** Side of the stored images, and of the crops fed to the network. */
  size: number;
  crop: number;
  /** What `normalize` subtracts (the mean image, the channel mean, or nothing) and the scale it multiplies by. */
  mean: 'image' | 'channel' | 'none';
  scale: number;
  /** The statistics and mean image `normalize` uses, as read (from the checkpoint or its dataset): export writes them out. */
  stats: DatasetStats;
  meanImage: Float32Array;
  /** (pixel − mean) · scale, as in training. */
  normalize(pixels: Uint8Array): tf.Tensor3D;
  /** Frees the model's weights (the logits and features models share them). */
  dispose(): void;
}

/** What inference needs from a checkpoint's saved settings, checked like the flags that set them. */
const INFERENCE_CONFIG = z
  .object({
    data: z.string().max(4096).optional(),
    crop: z.number().int().min(1).max(4096),
    mean: z.enum(['image', 'channel', 'none']).optional(),
    scale: z.number().positive().max(1e6),
  })
  .loose();

/**
 * Loads a checkpoint written by `alexnet train` or the demo with the
 * preprocessing it was trained with: the mean image and class names it carries
 * (older checkpoints: those of the dataset it records), and — when it is there —
 * the prepared dataset (`dataDir`, or the one recorded in the checkpoint).
 */
export async function loadInference(checkpointDir: string, dataDir?: string): Promise<Inference> {
  const checkpoint = await loadCheckpoint(checkpointDir);
  try {
    const stateFile = join(checkpoint.dir, 'state.json');
    const config = validated(
      z.object({ config: INFERENCE_CONFIG }),
      { config: checkpoint.state.config },
      stateFile,
      'written by an older version, or damaged',
    ).config;
    const classes = checkpoint.state.classes;
    const own = dataDir === undefined && (await carriesPreprocessing(checkpoint.dir));
    // The dataset: required when asked for or when the checkpoint carries no preprocessing; otherwise read if it is still there.
    const data = dataDir ?? config.data;
    if (data === undefined && !own) throw new Error(`${checkpoint.dir} does not record its dataset; pass --data <prepared dir>`);
    const index = data === undefined ? undefined : await readPreparedIndex(data).catch((error: Error) => (own ? undefined : Promise.reject(error)));
    if (index && (classes.length !== index.classes.length || classes.some((c, i) => c !== index.classes[i]))) {
      throw new Error(`${checkpoint.dir} was trained on other classes than ${data} holds (${classes.length} vs ${index.classes.length})`);
    }
    const { stats, meanImage } = own ? await readDatasetStats(checkpoint.dir) : await readDatasetStats(data!, index!.size);
    const names = (own ? await readClassNames(checkpoint.dir, classes.length) : index!.classNames) ?? classes;
    const size = stats.size;
    const scale = config.scale;
    const meanMode = config.mean ?? 'image';
    const mean = meanMode === 'image' ? meanImage : meanMode === 'channel' ? stats.channelMean : undefined;
    // The loader's own pixel transform, over the whole image: (pixel − mean) · scale.
    const whole = centerView(size, size);
    const normalize = (pixels: Uint8Array): tf.Tensor3D => {
      const out = new Float32Array(pixels.length);
      cropFlipInto(out, 0, pixels, size, whole, { scale, ...(mean ? { mean } : {}) });
      return tf.tensor3d(out, [size, size, 3]);
    };
    const model = checkpoint.model;
    // The network must be the one state.json describes: its input the crop, its output the classes.
    const [inputSide, outputWidth] = [model.inputs[0]!.shape[1], model.outputs[0]!.shape.at(-1)];
    if (inputSide !== config.crop)
      throw new Error(`${stateFile}: config.crop is ${config.crop}, but the model in ${checkpoint.dir} takes ${String(inputSide)}×${String(inputSide)} images`);
    if (outputWidth !== classes.length)
      throw new Error(`${stateFile}: ${classes.length} classes, but the model in ${checkpoint.dir} has ${String(outputWidth)} outputs`);
    if (config.crop > size) throw new Error(`${stateFile}: config.crop ${config.crop} is larger than the images it was trained on (${size}×${size})`);
    if (index && index.size !== size)
      throw new Error(
        `${data} holds ${index.size}×${index.size} images, but ${checkpoint.dir} was trained on ${size}×${size} (pass the dataset it was trained on)`,
      );
    if (!model.layers.some((l) => l.name === 'fc7') || !model.layers.some((l) => l.name === 'fc8'))
      throw new Error(`${checkpoint.dir}: the model has no fc7 and fc8 layers; not an AlexNet checkpoint`);
    // The weights file model.json names (loadModel has validated it): a new name with every save.
    const manifest = (await readJsonFile(join(checkpoint.dir, 'model.json'))) as { weightsManifest: Array<{ paths: string[] }> };
    const weightsId = basename(manifest.weightsManifest[0]?.paths[0] ?? 'weights', '.bin');
    const logits = logitsOf(model);
    const features = tf.model({ inputs: model.inputs, outputs: model.getLayer('fc7').output as tf.SymbolicTensor });
    return {
      checkpoint: checkpoint.dir,
      weightsId,
      model,
      logits,
      features,
      ...(index && data !== undefined ? { data, index } : {}),
      classes,
      names,
      size,
      crop: config.crop,
      mean: meanMode,
      scale,
      stats,
      meanImage,
      normalize,
      dispose() {
        model.dispose();
      },
    };
  } catch (error) {
    checkpoint.model.dispose(); // nothing holds it but the error
    throw error;
  }
}

/** The dataset a command reads images from (eval: its validation split; similar: its training split), or a clear error when it is gone. */
export function datasetOf(inference: Inference, command: string): { data: string; index: PreparedIndex } {
  if (inference.data !== undefined && inference.index !== undefined) return { data: inference.data, index: inference.index };
  throw new Error(`${command} reads the images of the dataset ${inference.checkpoint} was trained on, which is not where it was: pass --data <prepared dir>`);
}

/** Images per forward pass when scoring: small enough for any engine, large enough to be efficient. */
export const INFERENCE_BATCH = 32;

/** A split's stored images in file order, normalised as in training, INFERENCE_BATCH at a time; the caller disposes `images`. */
export async function* normalizedBatches(inference: Inference, split: PreparedSplit): AsyncGenerator<{ ids: number[]; images: tf.Tensor4D }> {
  for (let at = 0; at < split.count; at += INFERENCE_BATCH) {
    const ids = Array.from({ length: Math.min(INFERENCE_BATCH, split.count - at) }, (_, i) => at + i);
    const stored = await Promise.all(ids.map((i) => split.pixels(i)));
    yield { ids, images: tf.tidy(() => tf.stack(stored.map((p) => inference.normalize(p))) as tf.Tensor4D) };
  }
}

/**
 * Several checkpoints scored together (an ensemble, §6): all read the same
 * dataset — `dataDir`, else the first checkpoint's — and must have been trained
 * on its classes. Frees what it loaded if one fails.
 */
export async function loadEnsemble(checkpointDirs: string[], dataDir?: string): Promise<Inference[]> {
  const loaded: Inference[] = [];
  try {
    for (const dir of checkpointDirs) loaded.push(await loadInference(dir, dataDir));
    return loaded;
  } catch (error) {
    for (const inference of loaded) inference.dispose();
    throw error;
  }
}

/** A split's stored images in file order, INFERENCE_BATCH at a time, as raw pixels (each model normalises its own way). */
export async function* storedBatches(split: PreparedSplit): AsyncGenerator<{ ids: number[]; pixels: Uint8Array[] }> {
  for (let at = 0; at < split.count; at += INFERENCE_BATCH) {
    const ids = Array.from({ length: Math.min(INFERENCE_BATCH, split.count - at) }, (_, i) => at + i);
    yield { ids, pixels: await Promise.all(ids.map((i) => split.pixels(i))) };
  }
}

/** The run folder of a checkpoint at <run>/checkpoints/<name>. */
export function runDirOf(checkpointDir: string): string {
  return join(checkpointDir, '..', '..');
}
