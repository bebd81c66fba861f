import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { alexNet, logitsOf } from '@alexnet/app';
import { columnOpsOf, columnSliceOf, columnWeightsOf } from './column-split.js';
import { convTowerOf, hybridStep, hybridStepFloats } from './hybrid.js';
import { relativeDifference } from './fixtures/relative-difference.js';
import { createThreadChannels, threadTransport } from './thread-transport.js';

describeEachEngine('one weird trick on 2 ranks', (engine) => {
  const bound = engine === 'cpu' ? 1e-5 : 1e-4;
  it('equals the single-device two-column model on the whole batch: loss, conv and fc gradients, with dropout', async () => {
    const classes = 10;
    const build = () => alexNet({ columns: 2, width: 0.0625, classes, inputSize: 67, dropout: 0.5, seed: 5, init: 'he' });
    const model = build();
    const batch = 4;
    const xs = tf.randomNormal([batch, 67, 67, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const labels = tf.tensor1d([2, 8, 5, 0], 'int32');
    // One device, the whole batch, training mode (dropout at stream position 0).
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const reference = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logitsOf(model).apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
      variables,
    );
    const byLayer = new Map(
      model.layers.flatMap((l) =>
        l.trainableWeights.map((w, i) => [`${l.name}/${i === 0 ? 'kernel' : 'bias'}`, reference.grads[(w.read() as tf.Variable).name]!] as const),
      ),
    );

    // Two ranks: each a replica for the conv tower (the same weights), its FC halves, half the batch.
    const channels = createThreadChannels(2);
    const ranks = [0, 1].map((r) => {
      const replica = build();
      replica.setWeights(model.getWeights());
      const columns = columnWeightsOf(model, r as 0 | 1);
      return { replica, tower: convTowerOf(replica), columns, transport: threadTransport(channels, r) };
    });
    const ops = columnOpsOf(model);
    const halves = [tf.slice(xs, [0, 0, 0, 0], [2, 67, 67, 3]), tf.slice(xs, [2, 0, 0, 0], [2, 67, 67, 3])] as tf.Tensor4D[];
    const labelHalves = [tf.slice(labels, [0], [2]), tf.slice(labels, [2], [2])] as tf.Tensor1D[];
    const results = await Promise.all(
      ranks.map((r, i) =>
        hybridStep(r.transport, { convTower: r.tower, fc: r.columns }, ops, halves[i]!, labelHalves[i]!, classes, { training: true, dropoutStep: 0 }),
      ),
    );
    for (const result of results) expect(Math.abs(result.loss - reference.value.dataSync()[0]!)).toBeLessThan(bound);
    const convParameters = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'].reduce((n, l) => n + model.getLayer(l).countParams(), 0);
    const pool5 = model.getLayer('pool5').outputShape.slice(1) as number[];
    const fc6Half = (model.getLayer('fc6').outputShape[1] as number) / 2;
    for (const r of ranks) expect(r.transport.bytesSent).toBe(4 * hybridStepFloats({ localBatch: 2, pool5, fc6Half, classes, convParameters }));
    for (const [i, result] of results.entries()) {
      // The conv gradients, summed over the ranks, are the whole batch's.
      const tower = ranks[i]!.replica;
      for (const layer of ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']) {
        const [k, b] = tower.getLayer(layer).trainableWeights.map((w) => (w.read() as tf.Variable).name);
        expect(relativeDifference(result.convGrads[k!]!, byLayer.get(`${layer}/kernel`)!), `${layer}/kernel on rank ${i}`).toBeLessThan(bound);
        expect(relativeDifference(result.convGrads[b!]!, byLayer.get(`${layer}/bias`)!), `${layer}/bias on rank ${i}`).toBeLessThan(bound);
      }
      // The FC halves' gradients are the whole model's, sliced.
      for (const layer of ['fc6', 'fc7', 'fc8'] as const) {
        for (const which of ['kernel', 'bias'] as const) {
          const part = columnSliceOf(layer, which, byLayer.get(`${layer}/${which}`)!, i as 0 | 1);
          if (part === undefined) continue;
          expect(relativeDifference(result.fcGrads[`${layer}/${which}`]!, part), `${layer}/${which} on rank ${i}`).toBeLessThan(bound);
          part.dispose();
        }
      }
      tf.dispose([...Object.values(result.convGrads), ...Object.values(result.fcGrads)]);
    }
    tf.dispose([xs, labels, reference.value, ...Object.values(reference.grads), ...halves, ...labelHalves]);
    for (const r of ranks) {
      tf.dispose(Object.values(r.columns).flatMap((w) => [w.kernel, ...(w.bias ? [w.bias] : [])]));
      r.replica.dispose();
    }
    model.dispose();
  }, 120_000);
});
