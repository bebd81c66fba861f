import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../index.js';

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
interface Geometry {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
}

// AlexNet's conv geometries at small sizes, plus the awkward cases.
const geometries: Geometry[] = [
  { name: 'conv1 11×11 stride 4 valid', x: [2, 35, 35, 3], filter: [11, 11, 3, 8], stride: 4, pad: 'valid' },
  { name: '11×11 stride 4 valid, leftover rows', x: [2, 38, 37, 3], filter: [11, 11, 3, 4], stride: 4, pad: 'valid' },
  { name: 'conv2 5×5 stride 1 same', x: [2, 13, 13, 6], filter: [5, 5, 6, 8], stride: 1, pad: 'same' },
  { name: 'conv3 3×3 stride 1 same', x: [3, 6, 6, 8], filter: [3, 3, 8, 12], stride: 1, pad: 'same' },
  { name: 'stride 2 same, odd size', x: [2, 9, 9, 4], filter: [3, 3, 4, 5], stride: 2, pad: 'same' },
  { name: 'stride 2 same, even size', x: [2, 10, 8, 4], filter: [3, 3, 4, 5], stride: 2, pad: 'same' },
  { name: 'stride 2 valid, non-square', x: [3, 9, 14, 5], filter: [3, 3, 5, 6], stride: 2, pad: 'valid' },
  { name: 'non-square filter and strides', x: [2, 11, 12, 3], filter: [3, 5, 3, 4], stride: [2, 3], pad: 'same' },
  { name: '1×1 filter', x: [2, 5, 7, 6], filter: [1, 1, 6, 3], stride: 1, pad: 'valid' },
  { name: 'batch 1, filter as large as input', x: [1, 7, 7, 2], filter: [7, 7, 2, 3], stride: 1, pad: 'valid' },
  {
    name: 'explicit asymmetric padding, stride 2',
    x: [2, 7, 6, 3],
    filter: [3, 3, 3, 4],
    stride: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
  },
  {
    name: 'explicit padding larger than the filter',
    x: [1, 5, 5, 2],
    filter: [3, 3, 2, 2],
    stride: 1,
    pad: [
      [0, 0],
      [4, 0],
      [0, 4],
      [0, 0],
    ],
  },
  {
    name: 'windows entirely in padding',
    x: [1, 1, 3, 2],
    filter: [2, 2, 2, 3],
    stride: [8, 1],
    pad: [
      [0, 0],
      [6, 0],
      [0, 0],
      [0, 0],
    ],
  },
];

function randomArray(size: number, seed: number): Float32Array {
  // A small LCG: identical inputs on both engines without tensor round trips.
  const out = new Float32Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32 - 0.5;
  }
  return out;
}

async function gradients(engine: 'wasm' | 'cpu', g: Geometry) {
  await tf.setBackend(engine);
  return tf.tidy(() => {
    const x = tf.tensor4d(
      randomArray(
        g.x.reduce((a, b) => a * b),
        1,
      ),
      g.x,
    );
    const w = tf.tensor4d(
      randomArray(
        g.filter.reduce((a, b) => a * b),
        2,
      ),
      g.filter,
    );
    const y = tf.conv2d(x, w, g.stride, g.pad);
    const dy = tf.tensor(randomArray(y.size, 3), y.shape);
    const [dx, dw] = tf.grads((a, b) =>
      tf
        .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, g.stride, g.pad)
        .mul(dy)
        .sum(),
    )([x, w]);
    return { dx: Float32Array.from(dx!.dataSync()), dw: Float32Array.from(dw!.dataSync()), dxShape: dx!.shape, dwShape: dw!.shape };
  });
}

/** Largest |a−b| divided by the largest |b| (relative to the gradient's scale); exact when b is all zeros. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

describe('wasm conv gradients match the cpu engine', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm', log: null });
  });

  it.each(geometries)('$name', async (g) => {
    const wasm = await gradients('wasm', g);
    const cpu = await gradients('cpu', g);
    expect(wasm.dxShape).toEqual(g.x);
    expect(wasm.dwShape).toEqual(g.filter);
    expect(relativeError(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
    expect(relativeError(wasm.dw, cpu.dw)).toBeLessThan(1e-4);
    expect(wasm.dw.every(Number.isFinite)).toBe(true);
  });

  it('leaks no tensor', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 19, 19, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([5, 5, 3, 4]) as tf.Tensor4D;
    const grad = tf.grads((a, b) =>
      tf
        .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
        .square()
        .sum(),
    );
    const first = grad([x, w]);
    tf.dispose(first);
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 3; i++) tf.dispose(grad([x, w]));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([x, w]);
  });
});
