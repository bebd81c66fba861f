import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachEngine } from '@alexnet/test-support/engines';
// The two-column AlexNet as the app builds it: the single device the split must equal.
import { alexNet, logitsOf } from '@alexnet/app';
import { assembleColumns, columnOpsOf, columnSliceOf, columnStep, columnStepFloatsPerImage, columnWeightsOf } from './column-split.js';
import { relativeDifference } from './fixtures/relative-difference.js';
import { createThreadChannels, threadTransport } from './thread-transport.js';

const LAYERS = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7', 'fc8'] as const;

describeEachEngine('the column split on 2 ranks', (engine) => {
  const bound = engine === 'cpu' ? 1e-5 : 1e-4;

  // 67 px with valid conv1 and the paper's dropout; 71 px with conv1 padded as the paper's 224 is (at a tiny size), no dropout.
  for (const [inputSize, conv1Padding, dropout] of [
    [67, 'valid', 0.5],
    [71, 'paper', 0],
  ] as const) {
    it(`equals the single-device two-column model at ${inputSize} px (conv1 ${conv1Padding}, dropout ${dropout}): logits, loss, every gradient, and the weights after 3 SGD steps`, async () => {
      const classes = 10;
      const model = alexNet({ columns: 2, width: 0.0625, classes, inputSize, conv1Padding, dropout, seed: 3, init: 'he' });
      const dropoutLayers = model.layers.filter((l) => l.name === 'drop6' || l.name === 'drop7') as Array<tf.layers.Layer & { step: number }>;
      const logitsModel = logitsOf(model);
      const batch = 2;
      const xs = tf.randomNormal([batch, inputSize, inputSize, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const labels = tf.tensor1d([1, 7], 'int32');
      const targets = tf.oneHot(labels, classes);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const layerOf = new Map(
        model.layers.flatMap((l) => l.trainableWeights.map((w, i) => [(w.read() as tf.Variable).name, [l.name, i === 0 ? 'kernel' : 'bias'] as const])),
      );

      const channels = createThreadChannels(2);
      const transports = [threadTransport(channels, 0), threadTransport(channels, 1)];
      const ops = columnOpsOf(model);
      const columns = [columnWeightsOf(model, 0), columnWeightsOf(model, 1)];
      const optimizers = [tf.train.sgd(0.05), tf.train.sgd(0.05)];
      const single = tf.train.sgd(0.05);

      for (let step = 0; step < 3; step++) {
        // One device: the whole network.
        // Training mode: the model's dropout draws its masks at stream position `step` (both applies).
        for (const l of dropoutLayers) l.step = step;
        const reference = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(targets, logitsModel.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
          variables,
        );
        for (const l of dropoutLayers) l.step = step;
        const referenceLogits = logitsModel.apply(xs, { training: true }) as tf.Tensor2D;
        // Two ranks, the same batch, exchanging at conv3, fc6, fc7 and fc8.
        const split = await Promise.all(
          [0, 1].map((r) => columnStep(transports[r]!, columns[r]!, ops, xs, labels, classes, { training: true, dropoutStep: step })),
        );
        if (step === 0) {
          for (const s of split) expect(relativeDifference(s.logits, referenceLogits)).toBeLessThan(bound);
          for (const s of split) expect(Math.abs(s.loss - reference.value.dataSync()[0]!)).toBeLessThan(bound);
          for (const [name, grad] of Object.entries(reference.grads)) {
            const [layer, which] = layerOf.get(name)!;
            for (const r of [0, 1] as const) {
              const part = columnSliceOf(layer as (typeof LAYERS)[number], which, grad, r);
              if (part === undefined) continue; // fc8's bias lives on rank 0
              expect(relativeDifference(split[r]!.grads[`${layer}/${which}`]!, part), `${layer}/${which} on rank ${r}`).toBeLessThan(bound);
              part.dispose();
            }
          }
        }
        // Each rank updates only its own weights.
        single.applyGradients(reference.grads);
        for (const r of [0, 1] as const) {
          const named = Object.fromEntries(Object.entries(split[r]!.grads).map(([key, g]) => [`column${r}/${key}`, g]));
          optimizers[r]!.applyGradients(named);
          tf.dispose([split[r]!.logits, ...Object.values(split[r]!.grads)]);
        }
        tf.dispose([reference.value, referenceLogits, ...Object.values(reference.grads)]);
      }
      for (const layer of LAYERS) {
        const [kernel, bias] = model.getLayer(layer).getWeights();
        for (const r of [0, 1] as const) {
          for (const [which, full] of [
            ['kernel', kernel],
            ['bias', bias],
          ] as const) {
            const part = columnSliceOf(layer, which, full!, r);
            const mine = columns[r]![layer][which];
            if (part === undefined || mine === undefined) continue;
            expect(relativeDifference(mine, part), `${layer}/${which} on rank ${r} after 3 steps`).toBeLessThan(bound);
            part.dispose();
          }
        }
      }

      // Placement-independent: both columns written back give the single-device model's weights.
      const assembled = alexNet({ columns: 2, width: 0.0625, classes, inputSize, conv1Padding, dropout, seed: 99, init: 'he' });
      assembleColumns(assembled, [columns[0]!, columns[1]!]);
      const [mine, theirs] = [assembled.getWeights(), model.getWeights()];
      for (const [i, w] of mine.entries()) expect(relativeDifference(w, theirs[i]!), assembled.weights[i]!.originalName).toBeLessThan(bound);
      assembled.dispose();

      // What each rank sent: pool2, pool5, fc6 and their gradients, and the partial logits, per image per step.
      const shapes = {
        pool2: model.getLayer('pool2').outputShape.slice(1) as number[],
        pool5: model.getLayer('pool5').outputShape.slice(1) as number[],
        fc6: model.getLayer('fc6').outputShape[1] as number,
        classes,
      };
      const half = {
        ...shapes,
        pool2: [...shapes.pool2.slice(0, 2), shapes.pool2[2]! / 2],
        pool5: [...shapes.pool5.slice(0, 2), shapes.pool5[2]! / 2],
        fc6: shapes.fc6 / 2,
      };
      for (const t of transports) expect(t.bytesSent).toBe(3 * batch * 4 * columnStepFloatsPerImage(half));

      tf.dispose([xs, labels, targets]);
      for (const c of columns) tf.dispose(Object.values(c).flatMap((w) => [w.kernel, ...(w.bias ? [w.bias] : [])]));
      model.dispose();
    }, 120_000);
  }
});
