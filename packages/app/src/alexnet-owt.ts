import * as tf from '@tensorflow/tfjs';
import { alexNetInitializers, type InitScheme } from '@alexnet/train';
import { nonOverlappingMaxPool, overlappingMaxPool, seededDropout } from '@alexnet/layers';
import { FC_WIDTH, POOL_MODES, dropoutSeed, scaledWidth, type PoolMode } from './alexnet-config.js';
import { featureChain } from './feature-chain.js';

/** Shapes the single-column "one weird trick" AlexNet; defaults are torchvision's. */
export interface AlexNetOwtConfig {
  classes: number;
  /** Default 224 (conv1 pads by 2, so 224 gives 55×55). */
  inputSize: number;
  width: number;
  dropout: number;
  /** Weight initialisation scheme (@alexnet/train); default 'he'. */
  init: InitScheme;
  /** Initial-weight seed. */
  seed: number;
  /** Max pooling after conv1, conv2 and conv5: 'overlapping' 3×3/2 (torchvision's and the paper's, default) or 'non-overlapping' 2×2/2. */
  pool: PoolMode;
  /**
   * torchvision's AlexNet has no LRN ("one weird trick" dropped it), so only 'off' (or false) is
   * accepted: asking this architecture for LRN is an error rather than a switch silently ignored.
   */
  lrn?: 'off' | false;
  /**
   * Not applicable: conv1 pads its input by 2 on every side as torchvision does, which already
   * gives 55×55 at 224. Any value is refused (alexNet's conv1Padding is its own switch).
   */
  conv1Padding?: never;
}

export const TORCHVISION_ALEXNET: AlexNetOwtConfig = { classes: 1000, inputSize: 224, width: 1, dropout: 0.5, init: 'he', seed: 1, pool: 'overlapping' };

/** conv widths, kernels, strides and paddings of torchvision's alexnet (Krizhevsky 2014, "one weird trick"); feature-chain.ts knows conv1's pad of 2 too. */
const OWT_CONV = [
  { name: 'conv1', filters: 64, kernel: 11, stride: 4, pad: 2, pool: true },
  { name: 'conv2', filters: 192, kernel: 5, stride: 1, pad: 2, pool: true },
  { name: 'conv3', filters: 384, kernel: 3, stride: 1, pad: 1, pool: false },
  { name: 'conv4', filters: 256, kernel: 3, stride: 1, pad: 1, pool: false },
  { name: 'conv5', filters: 256, kernel: 3, stride: 1, pad: 1, pool: true },
] as const;

/**
 * The single-column AlexNet of torchvision (64-192-384-256-256, no LRN,
 * dropout before FC6 and FC7): 61,100,840 parameters at 224 with 1000
 * classes. torchvision's adaptive 6×6 average pool is the identity at 224
 * and is left out, so other input sizes change the FC6 width. `pool` switches
 * to 2×2/2 pooling (still 55-27-13-6 at 224); there is no LRN to switch and
 * conv1's padding is torchvision's (see AlexNetOwtConfig).
 */
export function alexNetOwt(overrides: Partial<AlexNetOwtConfig> = {}): tf.Sequential {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<AlexNetOwtConfig>;
  const config = { ...TORCHVISION_ALEXNET, ...given };
  if (config.lrn !== undefined && config.lrn !== 'off' && config.lrn !== false) {
    throw new Error(`alexnet-owt has no LRN (torchvision's AlexNet has none); lrn must be 'off', got ${JSON.stringify(config.lrn)}`);
  }
  if (config.conv1Padding !== undefined) {
    throw new Error("conv1Padding applies to alexnet only: alexnet-owt pads conv1's input by 2 on every side as torchvision does (55×55 at 224)");
  }
  if (!(POOL_MODES as readonly unknown[]).includes(config.pool))
    throw new Error(`pool must be one of ${POOL_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(config.pool)}`);
  featureChain({ arch: 'alexnet-owt', inputSize: config.inputSize, pool: config.pool });
  const maxPool = config.pool === 'overlapping' ? overlappingMaxPool : nonOverlappingMaxPool;
  const model = tf.sequential({ name: 'alexnet_owt' });
  for (const layer of OWT_CONV) {
    model.add(
      tf.layers.zeroPadding2d({
        name: `pad${layer.name.slice(-1)}`,
        padding: layer.pad,
        ...(layer.name === 'conv1' ? { inputShape: [config.inputSize, config.inputSize, 3] } : {}),
      }),
    );
    model.add(
      tf.layers.conv2d({
        name: layer.name,
        filters: scaledWidth(layer.filters, config.width),
        kernelSize: layer.kernel,
        strides: layer.stride,
        activation: 'relu',
        ...alexNetInitializers(config.init, layer.name, config.seed),
      }),
    );
    if (layer.pool) model.add(maxPool({ name: `pool${layer.name.slice(-1)}` }));
  }
  model.add(tf.layers.flatten({ name: 'flatten' }));
  for (const [stream, name] of ['fc6', 'fc7'].entries()) {
    model.add(seededDropout({ name: `drop${name.slice(-1)}`, rate: config.dropout, seed: dropoutSeed(config.seed, stream + 1) }));
    model.add(
      tf.layers.dense({ name, units: scaledWidth(FC_WIDTH, config.width), activation: 'relu', ...alexNetInitializers(config.init, name, config.seed) }),
    );
  }
  model.add(tf.layers.dense({ name: 'fc8', units: config.classes, ...alexNetInitializers(config.init, 'fc8', config.seed) }));
  model.add(tf.layers.activation({ name: 'prob', activation: 'softmax' }));
  return model;
}
