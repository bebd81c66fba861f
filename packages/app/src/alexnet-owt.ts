import * as tf from '@tensorflow/tfjs';
import { alexNetInitializers, type InitScheme } from '@alexnet/train';
import { overlappingMaxPool, seededDropout } from '@alexnet/layers';
import { FC_WIDTH, dropoutSeed, scaledWidth } from './alexnet-config.js';

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
}

export const TORCHVISION_ALEXNET: AlexNetOwtConfig = { classes: 1000, inputSize: 224, width: 1, dropout: 0.5, init: 'he', seed: 1 };

/** conv widths, kernels, strides and paddings of torchvision's alexnet (Krizhevsky 2014, "one weird trick"). */
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
 * and is left out, so other input sizes change the FC6 width.
 */
export function alexNetOwt(overrides: Partial<AlexNetOwtConfig> = {}): tf.Sequential {
  const config = { ...TORCHVISION_ALEXNET, ...overrides };
  const model = tf.sequential({ name: 'alexnet_owt' });
  for (const layer of OWT_CONV) {
    model.add(tf.layers.zeroPadding2d({
      name: `pad${layer.name.slice(-1)}`,
      padding: layer.pad,
      ...(layer.name === 'conv1' ? { inputShape: [config.inputSize, config.inputSize, 3] } : {}),
    }));
    model.add(tf.layers.conv2d({
      name: layer.name,
      filters: scaledWidth(layer.filters, config.width),
      kernelSize: layer.kernel,
      strides: layer.stride,
      activation: 'relu',
      ...alexNetInitializers(config.init, layer.name, config.seed),
    }));
    if (layer.pool) model.add(overlappingMaxPool({ name: `pool${layer.name.slice(-1)}` }));
  }
  model.add(tf.layers.flatten({ name: 'flatten' }));
  for (const [stream, name] of ['fc6', 'fc7'].entries()) {
    model.add(seededDropout({ name: `drop${name.slice(-1)}`, rate: config.dropout, seed: dropoutSeed(config.seed, stream + 1) }));
    model.add(tf.layers.dense({ name, units: scaledWidth(FC_WIDTH, config.width), activation: 'relu', ...alexNetInitializers(config.init, name, config.seed) }));
  }
  model.add(tf.layers.dense({ name: 'fc8', units: config.classes, ...alexNetInitializers(config.init, 'fc8', config.seed) }));
  model.add(tf.layers.activation({ name: 'prob', activation: 'softmax' }));
  return model;
}
