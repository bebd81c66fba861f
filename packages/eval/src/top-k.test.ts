import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorRates, topK, TopKMeter, topKHits } from './top-k.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('top-k', () => {
  it('counts a label among the k highest scores', () => {
    const scores = [
      0.1,
      0.7,
      0.2, // label 1 is top-1
      0.5,
      0.3,
      0.2, // label 2 is third
    ];
    expect(topKHits(scores, [1, 2], 3, [1, 2, 3])).toEqual([1, 1, 2]);
  });

  it('counts ties against the model', () => {
    // Every class equal: the label's rank is classes−1, so only k = classes credits it.
    expect(topKHits([0.25, 0.25, 0.25, 0.25], [2], 4, [1, 3, 4])).toEqual([0, 0, 1]);
    // Tied with one other class at the top: not top-1, but top-2.
    expect(topKHits([0.4, 0.4, 0.2], [0], 3, [1, 2])).toEqual([0, 1]);
  });

  it('refuses labels outside the classes and mismatched shapes, and counts a NaN score as a miss', () => {
    expect(() => topKHits([0.1, 0.9], [2], 2, [1])).toThrow(/label 2/);
    expect(() => topKHits([0.1, 0.9, 0.3], [0], 2, [1])).toThrow(/rows/);
    expect(() => topKHits([0.1, 0.9], [0], 2, [0])).toThrow(/positive integer/);
    expect(topKHits([Number.NaN, 0.9], [0], 2, [1, 2])).toEqual([0, 0]);
  });

  it('streams over batches', () => {
    const meter = new TopKMeter(2, [1]);
    meter.add([1, 0], [0]);
    meter.add([1, 0, 0, 1], [1, 1]);
    expect(meter.count).toBe(3);
    expect(meter.accuracy()[1]).toBeCloseTo(2 / 3, 10);
  });
});

describe('topK', () => {
  const classes = 4;
  // Row b: label's rank is b (0 = best), so top-k credits rows with b < k.
  const scores = [
    0.7,
    0.1,
    0.1,
    0.1, // label 0, rank 0
    0.5,
    0.3,
    0.1,
    0.1, // label 1, rank 1
    0.4,
    0.3,
    0.2,
    0.1, // label 2, rank 2
    0.1,
    0.4,
    0.3,
    0.2, // label 0, rank 3
    0.4,
    0.4,
    0.1,
    0.1, // label 1, tied at the top: rank 1
  ];
  const labels = [0, 1, 2, 0, 1];

  it('gives fractions per k from a tensor or plain scores, without disposing the inputs', async () => {
    const logits = tf.tensor2d(scores, [5, classes]);
    const labelTensor = tf.tensor1d(labels, 'int32');
    const before = tf.memory().numTensors;
    const fromTensor = await topK(logits, labelTensor, [1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
    expect(logits.isDisposed).toBe(false);
    expect(fromTensor).toEqual({ 1: 1 / 5, 2: 3 / 5, 3: 4 / 5 });
    expect(await topK({ scores, classes }, labels, [1, 2, 3])).toEqual(fromTensor);
    tf.dispose([logits, labelTensor]);
  });

  it('defaults to top-1 and top-5', async () => {
    expect(Object.keys(await topK({ scores, classes }, labels)).map(Number)).toEqual([1, 5]);
  });

  it('credits nothing to a model that scores every class equally, for every k < classes', async () => {
    const uniform = tf.fill([6, classes], 0.25) as tf.Tensor2D;
    expect(await topK(uniform, [0, 1, 2, 3, 0, 1], [1, 2, 3, 4])).toEqual({ 1: 0, 2: 0, 3: 0, 4: 1 });
    uniform.dispose();
  });

  it('credits every example when k ≥ classes', async () => {
    expect(await topK({ scores, classes }, labels, [4, 5, 1000])).toEqual({ 4: 1, 5: 1, 1000: 1 });
  });

  it('equals a TopKMeter streamed over batches of any size', async () => {
    const oneShot = await topK({ scores, classes }, labels, [1, 2, 3]);
    for (const batch of [1, 2, 3]) {
      const meter = new TopKMeter(classes, [1, 2, 3]);
      for (let start = 0; start < labels.length; start += batch) {
        const end = Math.min(start + batch, labels.length);
        meter.add(scores.slice(start * classes, end * classes), labels.slice(start, end));
      }
      expect(meter.accuracy()).toEqual(oneShot);
    }
  });

  it('turns accuracy into error rates', () => {
    const errors = errorRates({ 1: 0.593, 5: 0.818 });
    expect(Object.keys(errors)).toEqual(['1', '5']);
    expect(errors[1]).toBeCloseTo(0.407, 12);
    expect(errors[5]).toBeCloseTo(0.182, 12);
  });
});
