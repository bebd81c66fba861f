import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../index.js';

function product(engine: string, aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean) {
  return tf.tidy(() => {
    const seeded = (shape: number[], seed: number) =>
      tf.tensor(
        Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => Math.sin(i * 0.37 + seed)),
        shape,
      );
    const a = seeded(aShape, 1);
    const b = seeded(bShape, 2);
    void engine;
    const out = tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
    return { shape: out.shape, values: out.dataSync().slice() };
  });
}

const cases: Array<[string, number[], number[], boolean, boolean]> = [
  ['transposeA (dense dW)', [1, 7, 5], [1, 7, 3], true, false],
  ['transposeB (dense dx)', [1, 4, 6], [1, 9, 6], false, true],
  ['both transposed', [2, 6, 4], [2, 3, 6], true, true],
  ['batched, broadcast b', [3, 5, 4], [1, 6, 4], false, true],
  ['plain', [2, 3, 4], [2, 4, 5], false, false],
];

describe('wasm BatchMatMul with transposes', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it.each(cases)('%s equals the cpu engine', async (_name, aShape, bShape, tA, tB) => {
    await tf.setBackend('wasm');
    const wasm = product('wasm', aShape, bShape, tA, tB);
    await tf.setBackend('cpu');
    const cpu = product('cpu', aShape, bShape, tA, tB);
    await tf.setBackend('wasm');
    expect(wasm.shape).toEqual(cpu.shape);
    for (let i = 0; i < cpu.values.length; i++) expect(wasm.values[i]).toBeCloseTo(cpu.values[i]!, 4);
  });

  it('reports a shape mismatch in the caller’s terms and leaks nothing when it fails', async () => {
    await tf.setBackend('wasm');
    const a = tf.ones([1, 5, 7]);
    const b = tf.ones([1, 6, 5]);
    const backend = tf.backend() as unknown as { dataIdMap: { numDataIds(): number } };
    const before = backend.dataIdMap.numDataIds();
    expect(() => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true)).toThrow(
      'inner shapes (7) and (5) of Tensors with shapes 1,5,7 and 1,6,5 and transposeA=false and transposeB=true must match',
    );
    expect(backend.dataIdMap.numDataIds()).toBe(before);
    tf.dispose([a, b]);
  });

  it('leaks no tensor', async () => {
    await tf.setBackend('wasm');
    const a = tf.ones([4, 8]);
    const b = tf.ones([6, 8]);
    tf.matMul(a, b, false, true).dispose();
    const before = tf.memory().numTensors;
    tf.matMul(a, b, false, true).dispose();
    tf.matMul(b, b, true, false).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
