import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachEngine, onEngine } from '@alexnet/test-support/engines';

const edges = [-3, -1e-30, -0, 0, 1e-30, 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

describeEachEngine(
  'Step on the native engine (Sign(Relu(x)) for alpha 0)',
  () => {
    it('is the kernel registered for the tensorflow backend', () => {
      expect((tf.getKernel(tf.Step, 'tensorflow') as { alexnet?: boolean }).alexnet).toBe(true);
    });

    it.each([0, 0.25])("equals the cpu engine's step on edge values, NaN included (alpha %s)", async (alpha) => {
      const here = Array.from(tf.tidy(() => tf.step(tf.tensor1d(edges), alpha).dataSync()));
      const cpu = await onEngine('cpu', () => Array.from(tf.tidy(() => tf.step(tf.tensor1d(edges), alpha).dataSync())));
      expect(here).toEqual(cpu);
    });

    it("gives ReLU's gradient, without leaking tensors", () => {
      const before = tf.memory().numTensors;
      const g = tf.tidy(() =>
        Array.from(
          tf
            .grad((x: tf.Tensor) => tf.relu(x).sum())(tf.tensor1d([-1, 0, 2]))
            .dataSync(),
        ),
      );
      expect(g).toEqual([0, 0, 1]);
      expect(tf.memory().numTensors).toBe(before);
    });
  },
  ['node'],
);
