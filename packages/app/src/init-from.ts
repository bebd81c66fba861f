import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { validated } from '@alexnet/data';
import type { LoadedCheckpoint } from '@alexnet/train';
import { z } from 'zod';
import { CONV1_PADDINGS, LRN_MODES, POOL_MODES } from './alexnet-config.js';
import { UsageError } from './exit-codes.js';
import { ARCHS } from './summary-command.js';
import type { ExplicitFlags, TrainConfig } from './train-flags.js';

/**
 * The network and preprocessing settings a run started --init-from a checkpoint takes from it
 * (unless given as flags): its weights fit only the same network, and expect pixels prepared
 * the same way (an imported torchvision model: 1/255 after a channel mean). The mean itself is
 * the new dataset's.
 */
const INHERITED = z
  .object({
    arch: z.enum(ARCHS),
    columns: z.union([z.literal(1), z.literal(2)]).optional(),
    width: z.number().positive(),
    crop: z.number().int().min(1),
    lrn: z.enum(LRN_MODES).optional(),
    pool: z.enum(POOL_MODES).optional(),
    conv1Padding: z.enum(CONV1_PADDINGS).optional(),
    mean: z.enum(['image', 'channel', 'none']).optional(),
    scale: z.number().positive().optional(),
  })
  .loose();

const INHERITED_KEYS = Object.keys(INHERITED.shape) as (keyof typeof INHERITED.shape)[];

/** `config` with the source checkpoint's network and preprocessing settings where no flag set them. */
export function initFromConfig(source: LoadedCheckpoint, config: TrainConfig, explicit: ExplicitFlags): TrainConfig {
  const saved = validated(INHERITED, source.state.config, join(source.dir, 'state.json'), 'not a checkpoint --init-from can read');
  const taken: Partial<TrainConfig> = {};
  for (const key of INHERITED_KEYS) {
    const value = saved[key];
    if (value === undefined || explicit[key] !== undefined) continue;
    if (key === 'mean' && value === 'none') continue; // training always subtracts a mean
    (taken as Record<string, unknown>)[key] = value;
  }
  const merged = { ...config, ...taken };
  if (merged.arch === 'alexnet-owt') Object.assign(merged, { columns: 1, lrn: 'off', conv1Padding: 'valid' });
  return merged;
}

/**
 * Copies the source's weights into `model`, layer by layer. Every layer must match by name and
 * shape but fc8 when the classes differ: it keeps its fresh initialisation. Returns what was copied.
 */
export function copyWeightsFrom(model: tf.LayersModel, source: LoadedCheckpoint, sameClasses: boolean): string[] {
  const copied: string[] = [];
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    if (layer.name === 'fc8' && !sameClasses) continue;
    const from = source.model.layers.find((l) => l.name === layer.name);
    const theirs = from?.getWeights() ?? [];
    const fits = theirs.length === weights.length && theirs.every((w, i) => w.shape.join('x') === weights[i]!.shape.join('x'));
    if (!fits) {
      const shapes = (ws: tf.Tensor[]) => (ws.length ? ws.map((w) => `[${w.shape}]`).join(' + ') : 'nothing');
      throw new UsageError(
        `--init-from ${source.dir}: its ${layer.name} has ${shapes(theirs)}, this run's ${shapes(weights)}; give the network flags it was trained with (or leave them out to take its own)`,
      );
    }
    layer.setWeights(theirs);
    copied.push(layer.name);
  }
  return copied;
}

/** Layers up to and including `last` stop training (--freeze); fc8 cannot be frozen. */
export function freezeUpTo(model: tf.LayersModel, last: string): string[] {
  const names = model.layers.filter((l) => l.getWeights().length > 0).map((l) => l.name);
  const at = names.indexOf(last);
  if (at < 0 || last === 'fc8')
    throw new UsageError(`--freeze ${last}: name one of ${names.filter((n) => n !== 'fc8').join(', ')} (the layers up to it stop training)`);
  const frozen = names.slice(0, at + 1);
  for (const layer of model.layers) if (frozen.includes(layer.name)) layer.trainable = false;
  return frozen;
}
