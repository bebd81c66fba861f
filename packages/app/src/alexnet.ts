import * as tf from '@tensorflow/tfjs';
import { alexNetInitializers } from '@alexnet/train';
import { groupedConv2d, lrn, overlappingMaxPool, seededDropout } from '@alexnet/layers';
import { CONV_LAYERS, FC_WIDTH, PAPER_ALEXNET, dropoutSeed, featureSizes, scaledWidth, type AlexNetConfig } from './alexnet-config.js';

/**
 * The paper's 8-layer network (§3.5): conv 96-256-384-384-256
 * (11/4, 5, 3, 3, 3) with ReLU, LRN after conv1 and conv2, 3×3/2 max pooling
 * after both LRNs and conv5, FC 4096-4096-classes with dropout on the first
 * two, softmax. With two columns (the default) conv2, conv4 and conv5 are
 * grouped convolutions, as the two GPUs of §3.2 only talk at conv3 and the
 * FC layers. `fc8` gives the logits; the model's output is the softmax.
 */
export function alexNet(overrides: Partial<AlexNetConfig> = {}): tf.Sequential {
  const config = { ...PAPER_ALEXNET, ...overrides };
  if (!Number.isInteger(config.classes) || config.classes < 2) throw new Error(`classes must be an integer >= 2, got ${config.classes}`);
  if (!(config.width > 0)) throw new Error(`width must be > 0, got ${config.width}`);
  featureSizes(config.inputSize);
  const model = tf.sequential({ name: 'alexnet' });
  if (config.columns !== 1 && config.columns !== 2) throw new Error(`columns must be 1 or 2, got ${String(config.columns)}`);
  for (const layer of CONV_LAYERS) {
    const common = {
      name: layer.name,
      ...(layer.name === 'conv1' ? { inputShape: [config.inputSize, config.inputSize, 3] } : {}),
      filters: scaledWidth(layer.filters, config.width, config.columns),
      kernelSize: layer.kernel,
      strides: layer.stride,
      padding: layer.padding,
      activation: 'relu',
      ...alexNetInitializers(config.init, layer.name, config.seed),
    } as const;
    model.add(layer.perColumn && config.columns === 2 ? groupedConv2d({ ...common, groups: 2 }) : tf.layers.conv2d(common));
    if (config.lrn && (layer.name === 'conv1' || layer.name === 'conv2')) {
      // Each column normalizes its own kernels (§3.2, §3.3).
      model.add(lrn({ name: `norm${layer.name.slice(-1)}`, groups: config.columns }));
    }
    if (layer.name === 'conv1' || layer.name === 'conv2' || layer.name === 'conv5') {
      model.add(overlappingMaxPool({ name: `pool${layer.name.slice(-1)}` }));
    }
  }
  model.add(tf.layers.flatten({ name: 'flatten' }));
  for (const [stream, name] of ['fc6', 'fc7'].entries()) {
    model.add(tf.layers.dense({ name, units: scaledWidth(FC_WIDTH, config.width, config.columns), activation: 'relu', ...alexNetInitializers(config.init, name, config.seed) }));
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
