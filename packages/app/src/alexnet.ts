import * as tf from '@tensorflow/tfjs';
import { alexNetInitializers } from '@alexnet/train';
import { groupedConv2d, lrn, nonOverlappingMaxPool, overlappingMaxPool, seededDropout } from '@alexnet/layers';
import {
  CONV1_PAPER_PADDING,
  CONV_LAYERS,
  FC_WIDTH,
  dropoutSeed,
  featureSizes,
  resolveAlexNetConfig,
  scaledWidth,
  type AlexNetConfig,
} from './alexnet-config.js';

/**
 * The paper's 8-layer network (§3.5): conv 96-256-384-384-256
 * (11/4, 5, 3, 3, 3) with ReLU, LRN after conv1 and conv2, 3×3/2 max pooling
 * after both LRNs and conv5, FC 4096-4096-classes with dropout on the first
 * two, softmax. With two columns (the default) conv2, conv4 and conv5 are
 * grouped convolutions, as the two GPUs of §3.2 only talk at conv3 and the
 * FC layers. `fc8` gives the logits; the model's output is the softmax.
 *
 * The paper's variations are switches (see AlexNetConfig): `lrn` ('paper',
 * 'alpha-over-n', 'off'), `pool` ('overlapping', 'non-overlapping') and
 * `conv1Padding` ('valid', or 'paper': a ZeroPadding2D 'pad1' of 1 before and
 * 2 after, first in the model, so that 224 gives 55×55). Layers are named as
 * before and initialised from (seed, layer name), so the defaults at 227 build
 * the same model, weight for weight, as before these switches existed.
 */
export function alexNet(overrides: Partial<AlexNetConfig> = {}): tf.Sequential {
  const config = resolveAlexNetConfig(overrides);
  featureSizes(config.inputSize, config);
  const model = tf.sequential({ name: 'alexnet' });
  const inputShape = [config.inputSize, config.inputSize, 3];
  if (config.conv1Padding === 'paper') {
    const [rows, cols] = CONV1_PAPER_PADDING;
    model.add(
      tf.layers.zeroPadding2d({
        name: 'pad1',
        inputShape,
        padding: [
          [rows[0], rows[1]],
          [cols[0], cols[1]],
        ],
      }),
    );
  }
  const maxPool = config.pool === 'overlapping' ? overlappingMaxPool : nonOverlappingMaxPool;
  for (const layer of CONV_LAYERS) {
    const common = {
      name: layer.name,
      ...(layer.name === 'conv1' && config.conv1Padding === 'valid' ? { inputShape } : {}),
      filters: scaledWidth(layer.filters, config.width, config.columns),
      kernelSize: layer.kernel,
      strides: layer.stride,
      padding: layer.padding,
      activation: 'relu',
      ...alexNetInitializers(config.init, layer.name, config.seed),
    } as const;
    model.add(layer.perColumn && config.columns === 2 ? groupedConv2d({ ...common, groups: 2 }) : tf.layers.conv2d(common));
    if (config.lrn !== 'off' && (layer.name === 'conv1' || layer.name === 'conv2')) {
      // Each column normalizes its own kernels (§3.2, §3.3).
      model.add(lrn({ name: `norm${layer.name.slice(-1)}`, groups: config.columns, alphaDividedBySize: config.lrn === 'alpha-over-n' }));
    }
    if (layer.name === 'conv1' || layer.name === 'conv2' || layer.name === 'conv5') {
      model.add(maxPool({ name: `pool${layer.name.slice(-1)}` }));
    }
  }
  model.add(tf.layers.flatten({ name: 'flatten' }));
  for (const [stream, name] of ['fc6', 'fc7'].entries()) {
    model.add(
      tf.layers.dense({
        name,
        units: scaledWidth(FC_WIDTH, config.width, config.columns),
        activation: 'relu',
        ...alexNetInitializers(config.init, name, config.seed),
      }),
    );
    // Seeded per step, so a run with the same seed repeats on the same engine.
    model.add(seededDropout({ name: `drop${name.slice(-1)}`, rate: config.dropout, seed: dropoutSeed(config.seed, stream + 1) }));
  }
  model.add(tf.layers.dense({ name: 'fc8', units: config.classes, ...alexNetInitializers(config.init, 'fc8', config.seed) }));
  model.add(tf.layers.activation({ name: 'prob', activation: 'softmax' }));
  return model;
}

/** A model sharing `model`'s weights that outputs fc8's logits (for a stable cross-entropy). */
export function logitsOf(model: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer('fc8').output as tf.SymbolicTensor });
}
