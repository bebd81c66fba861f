import type * as tf from '@tensorflow/tfjs';

/** The tf.layers.Layer arguments every layer here accepts and passes on (name, input shape, …). */
export interface BaseLayerArgs {
  name?: string;
  inputShape?: tf.Shape;
  batchInputShape?: tf.Shape;
  batchSize?: number;
  trainable?: boolean;
  dtype?: tf.DataType;
}

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

/**
 * Picks the base-layer fields from a layer's arguments, dropping undefined
 * ones: a config read back from model.json carries batchInputShape and
 * trainable, which must reach the base class for a loaded model to rebuild.
 */
export function baseLayerArgs(args: BaseLayerArgs): LayerArgs {
  const keys = ['name', 'inputShape', 'batchInputShape', 'batchSize', 'trainable', 'dtype'] as const;
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (args[key] !== undefined) picked[key] = args[key];
  return picked as LayerArgs;
}
