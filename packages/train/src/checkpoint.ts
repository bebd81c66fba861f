import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkFinite, readJsonFile, readRegularFile, validated, writeFileAtomic } from '@alexnet/files';
import { z } from 'zod';
import { loadModel, saveModel } from './model-files.js';

/** Everything besides weights and velocities that a run needs to continue exactly. */
export interface TrainState {
  /** Epochs completed (1-based count). */
  epoch: number;
  /** Batches of the current epoch already trained on (0 when saved at an epoch's end). */
  batchInEpoch: number;
  /** Optimizer steps taken in all. */
  step: number;
  /** The learning-rate schedule's own state (plain JSON). */
  schedule: unknown;
  /** Position of each seeded dropout layer's mask stream. */
  dropoutSteps: Record<string, number>;
  /** Best validation top-1 error so far, and when. */
  best: { top1Error: number; epoch: number } | null;
  /** The run's configuration; compared on resume. */
  config: Record<string, unknown>;
  /** Class names in label order. */
  classes: string[];
  /** false: the checkpoint carries no optimizer state (`best`: a model to use, not to continue exactly). */
  optimizerState?: boolean;
}

/** An optimizer slot as tf.Optimizer's getWeights/setWeights exchange them. */
export type OptimizerSlot = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

/** Written last into a checkpoint folder: its presence means the folder is complete. */
export const STATE_FILE = 'state.json';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';

interface OptimizerFile {
  format: 'alexnet-optimizer';
  version: 1;
  /** Per trainable weight of the model, in model order: the optimizer slot's shape; plus 'iter'. */
  specs: Array<{ key: string; slot?: string; shape: number[]; dtype: 'float32' }>;
}

const DIMENSION = z
  .number()
  .int()
  .nonnegative()
  .max(2 ** 31);

const OPTIMIZER_FILE = z.object({
  format: z.literal('alexnet-optimizer'),
  version: z.literal(1),
  specs: z
    .array(
      z.object({
        key: z.string().regex(/^(iter|\d{1,6})$/, "'iter' or the index of a trainable weight"),
        slot: z
          .string()
          .regex(/^[a-z_]{1,32}$/, 'a slot name such as velocity')
          .optional(),
        shape: z.array(DIMENSION).max(8),
        dtype: z.literal('float32'),
      }),
    )
    .max(100_000),
});

/** What a state.json must hold: counters in range, the schedule as a JSON object, unique class names. */
export const TRAIN_STATE = z.object({
  epoch: z.number().int().nonnegative().max(1_000_000),
  batchInEpoch: z.number().int().nonnegative().max(1e9),
  step: z.number().int().nonnegative().max(1e12),
  schedule: z.record(z.string(), z.unknown()),
  dropoutSteps: z.record(z.string().max(512), z.number().int().nonnegative().max(1e12)),
  best: z.object({ top1Error: z.number().min(0).max(1), epoch: z.number().int().min(1).max(1_000_000) }).nullable(),
  config: z.record(z.string(), z.unknown()),
  classes: z
    .array(z.string().min(1).max(1024))
    .min(1)
    .max(1 << 20)
    .refine((c) => new Set(c).size === c.length, 'class names must be unique'),
  optimizerState: z.boolean().optional(),
});

/** Reads and validates a checkpoint's state.json. */
export async function readTrainState(folder: string): Promise<TrainState> {
  const file = join(folder, STATE_FILE);
  return validated(TRAIN_STATE, await readJsonFile(file), file, 'the checkpoint is damaged or was not written by `alexnet train`') as TrainState;
}

/** The tf.Variable behind each trainable weight of a model, in model order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * Writes a checkpoint folder atomically: everything goes to a hidden sibling
 * folder first (each file flushed), then that folder is renamed into place
 * and the old one removed. A crash leaves either the old checkpoint or the
 * new one; `resolveCheckpoint` finds the old one if the swap was cut short.
 */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  /** null: no optimizer state (state.json says so, and a resume starts its momentum from zero). */
  optimizer: tf.Optimizer | null,
  state: TrainState,
  /** More files the checkpoint carries (plain names): e.g. the preprocessing inference needs. */
  files: Record<string, string | Uint8Array> = {},
): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tag = randomBytes(4).toString('hex');
  const staging = join(parent, `.${basename(dir)}-new-${tag}`);
  await saveModel(model, staging);
  for (const [name, content] of Object.entries(files)) {
    if (basename(name) !== name || name.startsWith('.')) throw new Error(`saveCheckpoint: '${name}' is not a plain file name`);
    await writeFileAtomic(join(staging, name), content);
  }

  if (optimizer) await writeOptimizerState(staging, model, optimizer);
  // state.json last: a folder with it is complete.
  const { optimizerState: _, ...rest } = state;
  await writeFileAtomic(join(staging, STATE_FILE), JSON.stringify(optimizer ? rest : { ...rest, optimizerState: false }, null, 2) + '\n');

  const retired = join(parent, `.${basename(dir)}-old-${tag}`);
  const hadOld = await stat(dir).then(
    () => true,
    () => false,
  );
  if (hadOld) await rename(dir, retired);
  await rename(staging, dir);
  // The renames are durable only once the parent folder itself is flushed.
  const folder = await open(parent, 'r');
  await folder.sync().finally(() => folder.close());
  await removeLeftovers(parent, basename(dir));
}

/** optimizer.json and optimizer.bin: every slot, keyed by its variable's position in the model. */
async function writeOptimizerState(staging: string, model: tf.LayersModel, optimizer: tf.Optimizer): Promise<void> {
  // Optimizer slots are keyed by variable name, which depends on what else the
  // process built; store them by position in the model instead.
  const position = new Map(trainableVariables(model).map((v, i) => [v.name, i]));
  const named = await optimizer.getWeights();
  const specs: OptimizerFile['specs'] = [];
  const tensors: tf.Tensor[] = [];
  for (const { name, tensor } of named) {
    const owner = name === 'iter' ? undefined : position.get(name.slice(0, name.lastIndexOf('/')));
    if (name !== 'iter' && owner === undefined) continue; // a slot of a variable outside this model
    const slot = name.slice(name.lastIndexOf('/') + 1); // e.g. 'velocity'
    specs.push(name === 'iter' ? { key: 'iter', shape: tensor.shape, dtype: 'float32' } : { key: String(owner), slot, shape: tensor.shape, dtype: 'float32' });
    tensors.push(tensor);
  }
  const data = new Float32Array(tensors.reduce((n, t) => n + t.size, 0));
  let at = 0;
  for (const t of tensors) {
    data.set(await t.data(), at);
    at += t.size;
  }
  // Copies are ours to free; a live slot variable (tfjs's own optimizers return those) is not.
  tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
  await writeFileAtomic(join(staging, OPTIMIZER_BIN), new Uint8Array(data.buffer));
  await writeFileAtomic(join(staging, OPTIMIZER_JSON), JSON.stringify({ format: 'alexnet-optimizer', version: 1, specs } satisfies OptimizerFile) + '\n');
}

/** Staging folders of saves that never finished, and retired folders of earlier saves. */
async function removeLeftovers(parent: string, name: string): Promise<void> {
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(`.${name}-new-`) || entry.startsWith(`.${name}-old-`)) await rm(join(parent, entry), { recursive: true, force: true });
  }
}

/**
 * The folder to read: `dir` itself, or — if a crash fell between the two
 * renames of a save — the retired previous checkpoint beside it.
 */
export async function resolveCheckpoint(dir: string): Promise<string> {
  if (
    await stat(join(dir, STATE_FILE)).then(
      () => true,
      () => false,
    )
  )
    return dir;
  const parent = dirname(dir);
  const retired = (await readdir(parent).catch(() => [] as string[])).filter((e) => e.startsWith(`.${basename(dir)}-old-`));
  // Normally at most one; if crashes left several, the one with the most steps is the newest.
  let newest: { folder: string; step: number } | undefined;
  for (const entry of retired) {
    const state = await readTrainState(join(parent, entry)).catch(() => undefined);
    if (state && (newest === undefined || state.step > newest.step)) newest = { folder: join(parent, entry), step: state.step };
  }
  if (newest) return newest.folder;
  throw new Error(`${dir}: not a checkpoint (no ${STATE_FILE}); expected a folder written by \`alexnet train\`, e.g. <run>/checkpoints/last`);
}

/** optimizer.json and optimizer.bin, checked whole: the slots' layout and every value finite. */
async function readOptimizerState(folder: string): Promise<{ optimizerFile: OptimizerFile; data: Float32Array }> {
  const optimizerJson = join(folder, OPTIMIZER_JSON);
  const optimizerFile = validated(OPTIMIZER_FILE, await readJsonFile(optimizerJson), optimizerJson, 'the checkpoint is damaged') as OptimizerFile;
  const values = optimizerFile.specs.reduce((n, s) => n + s.shape.reduce((p, d) => p * d, 1), 0);
  if (values * 4 > 4 * 2 ** 30) throw new Error(`${optimizerJson}: describes ${values * 4} bytes of optimizer state, more than 4 GiB`);
  const binary = join(folder, OPTIMIZER_BIN);
  const bytes = await readRegularFile(binary, { exactBytes: values * 4 }).catch((error: Error) => {
    throw new Error(`${error.message} (${OPTIMIZER_JSON} describes ${values * 4} bytes: truncated?)`);
  });
  const data = new Float32Array(values);
  new Uint8Array(data.buffer).set(bytes);
  checkFinite(data, binary);
  return { optimizerFile, data };
}

export interface LoadedCheckpoint {
  dir: string;
  model: tf.LayersModel;
  state: TrainState;
  /** Optimizer slots ready for `optimizer.setWeights`, renamed to this process's variables; undefined when the checkpoint carries none (`best`). */
  optimizerWeights(model: tf.LayersModel): OptimizerSlot[] | undefined;
}

/** Reads a checkpoint, checking that every file is whole; damage is an error that names the file. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const folder = await resolveCheckpoint(dir);
  const state = await readTrainState(folder);
  const optimizer = state.optimizerState === false ? undefined : await readOptimizerState(folder);
  // Last: everything that can be refused is checked before the model's weights are allocated.
  const model = await loadModel(folder);
  return {
    dir: folder,
    model,
    state,
    optimizerWeights(target) {
      if (!optimizer) return undefined;
      const { optimizerFile, data } = optimizer;
      const variables = trainableVariables(target);
      const weights: OptimizerSlot[] = [];
      let at = 0;
      for (const spec of optimizerFile.specs) {
        const size = spec.shape.reduce((p, d) => p * d, 1);
        const slice = data.subarray(at, at + size);
        at += size;
        if (spec.key === 'iter') {
          weights.push({ name: 'iter', tensor: tf.scalar(slice[0]!) });
          continue;
        }
        const variable = variables[Number(spec.key)];
        if (variable === undefined || variable.shape.join() !== spec.shape.join()) {
          throw new Error(`${join(folder, OPTIMIZER_JSON)}: optimizer slot ${spec.key} (${spec.shape.join('×')}) does not match the model`);
        }
        weights.push({ name: `${variable.name}/${spec.slot ?? 'velocity'}`, tensor: tf.tensor(slice, spec.shape) });
      }
      return weights;
    },
  };
}
