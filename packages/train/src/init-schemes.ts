import * as tf from '@tensorflow/tfjs';

/** Weight-initialisation schemes for AlexNet's eight learned layers. */
export const INIT_SCHEMES = ['paper', 'caffe', 'he', 'glorot'] as const;
export type InitScheme = (typeof INIT_SCHEMES)[number];

/** The learned layers, in order; a layer's index also picks its random stream. */
export const ALEXNET_LAYERS = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7', 'fc8'] as const;
export type AlexNetLayerName = (typeof ALEXNET_LAYERS)[number];

export type Initializer = ReturnType<typeof tf.initializers.zeros>;

export interface LayerInitializers {
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
}

// §5: biases 1 in conv2, conv4, conv5 and the hidden FC layers, so their ReLUs
// start with positive inputs; Caffe uses 0.1 in the same layers.
const POSITIVE_BIAS = new Set<AlexNetLayerName>(['conv2', 'conv4', 'conv5', 'fc6', 'fc7']);

// Std of a standard normal truncated at ±2σ, the one tfjs's truncatedNormal
// draws from; tfjs's heNormal omits this correction (Keras's has it), which
// leaves its std 12% below He's √(2/fanIn).
const TRUNCATED_STD = 0.87962566103423978;

/**
 * Initializers for one AlexNet layer under `scheme`:
 * - 'paper' (§5): weights N(0, 0.01²); biases 1 in conv2, conv4, conv5, fc6,
 *   fc7, else 0.
 * - 'caffe' (BVLC/caffe models/bvlc_alexnet/train_val.prototxt): weights
 *   gaussian std 0.01, but 0.005 in fc6 and fc7; biases 0.1 in conv2, conv4,
 *   conv5, fc6, fc7, else 0 ("1 gave flat loss", the model's readme).
 * - 'he': He normal, std √(2/fanIn) (truncated at 2σ, std-corrected); biases 0.
 * - 'glorot': Glorot uniform, ±√(6/(fanIn + fanOut)); biases 0.
 *
 * Seeded: the same (scheme, layer, seed) gives the same weights. Layers draw
 * from distinct streams (seed·8 + the layer's index in ALEXNET_LAYERS), so
 * pass the model's one seed to every layer; a tfjs initializer with a fixed
 * seed would otherwise start every layer with the same numbers.
 */
export function alexNetInitializers(scheme: InitScheme, layerName: string, seed: number): LayerInitializers {
  if (!INIT_SCHEMES.includes(scheme)) throw new Error(`unknown init scheme '${String(scheme)}': expected one of ${INIT_SCHEMES.join(', ')}`);
  const index = ALEXNET_LAYERS.indexOf(layerName as AlexNetLayerName);
  if (index < 0) throw new Error(`init scheme '${scheme}': unknown AlexNet layer '${layerName}': expected one of ${ALEXNET_LAYERS.join(', ')}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`init scheme '${scheme}': seed must be an integer >= 0, got ${seed}`);
  const layer = layerName as AlexNetLayerName;
  const layerSeed = seed * ALEXNET_LAYERS.length + index;
  const zeros = tf.initializers.zeros();
  switch (scheme) {
    case 'paper':
      return {
        kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed: layerSeed }),
        biasInitializer: POSITIVE_BIAS.has(layer) ? tf.initializers.ones() : zeros,
      };
    case 'caffe':
      return {
        kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: layer === 'fc6' || layer === 'fc7' ? 0.005 : 0.01, seed: layerSeed }),
        biasInitializer: POSITIVE_BIAS.has(layer) ? tf.initializers.constant({ value: 0.1 }) : zeros,
      };
    case 'he':
      return {
        kernelInitializer: tf.initializers.varianceScaling({ scale: 2 / TRUNCATED_STD ** 2, mode: 'fanIn', distribution: 'normal', seed: layerSeed }),
        biasInitializer: zeros,
      };
    case 'glorot':
      return { kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed }), biasInitializer: zeros };
  }
}
