import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, onEngine } from '@alexnet/test-support/engines';
import { GroupedConv2D, groupedConv2d } from './index.js';

const seeded = (shape: number[], seed: number) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.731 + seed)),
    shape,
  );

/** The block-diagonal full kernel [kh, kw, C, F] equivalent to a grouped kernel [kh, kw, C/G, F]. */
function blockDiagonal(kernel: tf.Tensor4D, groups: number): tf.Tensor4D {
  return tf.tidy(() => {
    const cg = kernel.shape[2];
    const blocks = tf.split(kernel, groups, 3).map((block, g) =>
      tf.pad(block, [
        [0, 0],
        [0, 0],
        [g * cg, (groups - 1 - g) * cg],
        [0, 0],
      ]),
    );
    return tf.concat(blocks, 3) as tf.Tensor4D;
  });
}

/** Input and kernel gradients of a grouped convolution with fixed weights, on the active engine. */
function groupedGradients(): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const x = seeded([2, 7, 7, 4], 5) as tf.Tensor4D;
    const layer = new GroupedConv2D({ filters: 6, kernelSize: 3, groups: 2, padding: 'same', strides: 2 });
    layer.apply(x); // build
    layer.setWeights([seeded([3, 3, 2, 6], 6), seeded([6], 7)]);
    const dy = seeded(layer.computeOutputShape(x.shape) as number[], 8);
    const loss = (input: tf.Tensor) => (layer.apply(input) as tf.Tensor).mul(dy).sum() as tf.Scalar;
    const gx = tf.grad(loss)(x);
    const dk = tf.variableGrads(() => loss(x)).grads[layer.trainableWeights[0]!.originalName]!;
    return [gx.dataSync() as Float32Array, dk.dataSync() as Float32Array];
  });
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

describeEachEngine('GroupedConv2D numerics', () => {
  it.each([
    [2, 'same' as const, 1],
    [2, 'valid' as const, 2],
    [3, 'same' as const, 2],
    [1, 'valid' as const, 1],
  ])('equals separate convolutions concatenated (groups %i, %s, stride %i)', (groups, padding, stride) => {
    const layer = groupedConv2d({ filters: 6, kernelSize: 3, groups, padding, strides: stride, biasInitializer: tf.initializers.constant({ value: 0.5 }) });
    const x = seeded([2, 7, 8, 6], 1);
    const y = layer.apply(x) as tf.Tensor;
    const kernel = layer.getWeights()[0] as tf.Tensor4D;
    const xs = tf.split(x, groups, 3);
    const ks = tf.split(kernel, groups, 3);
    const expected = tf
      .concat(
        xs.map((part, g) => tf.conv2d(part as tf.Tensor4D, ks[g] as tf.Tensor4D, stride, padding)),
        3,
      )
      .add(0.5);
    expect(y.shape).toEqual(expected.shape);
    expect(y.shape).toEqual(layer.computeOutputShape([2, 7, 8, 6]));
    expect(tf.max(tf.abs(y.sub(expected))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('has the gradients of the equivalent block-diagonal convolution', () => {
    const groups = 2;
    const x = seeded([2, 6, 6, 4], 2) as tf.Tensor4D;
    const layer = new GroupedConv2D({ filters: 6, kernelSize: 3, groups, padding: 'same' });
    layer.apply(x); // build
    const kernel = layer.getWeights()[0] as tf.Tensor4D;
    const dy = seeded([2, 6, 6, 6], 3);
    const loss = (input: tf.Tensor) => (layer.apply(input) as tf.Tensor).mul(dy).sum() as tf.Scalar;
    const gx = tf.grad(loss)(x);
    const { grads } = tf.variableGrads(() => loss(x));
    const dk = grads[layer.trainableWeights[0]!.originalName]!;
    // Reference: the full convolution with the equivalent block-diagonal kernel.
    const full = blockDiagonal(kernel, groups);
    const [rx, rk] = tf.grads((input, k) =>
      tf
        .conv2d(input as tf.Tensor4D, k as tf.Tensor4D, 1, 'same')
        .mul(dy)
        .sum(),
    )([x, full]);
    expect(tf.max(tf.abs(gx.sub(rx!))).dataSync()[0]).toBeLessThan(1e-4);
    // Only the diagonal blocks of the full kernel's gradient exist in the grouped kernel.
    const blocks = tf.split(rk!, groups, 3).map((block, g) => tf.slice(block, [0, 0, g * 2, 0], [3, 3, 2, 3]));
    expect(tf.max(tf.abs(dk.sub(tf.concat(blocks, 3)))).dataSync()[0]).toBeLessThan(1e-4);
  });

  it("has the cpu engine's gradients within 1e-4", async () => {
    const [gx, dk] = groupedGradients();
    const [cx, ck] = await onEngine('cpu', groupedGradients);
    expect(maxDifference(gx, cx)).toBeLessThan(1e-4);
    expect(maxDifference(dk, ck)).toBeLessThan(1e-4);
  });
});

describe('GroupedConv2D', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('counts kh·kw·(C/G)·F + F parameters', () => {
    const model = tf.sequential({ layers: [groupedConv2d({ inputShape: [27, 27, 96], filters: 256, kernelSize: 5, padding: 'same', groups: 2 })] });
    expect(model.countParams()).toBe(5 * 5 * 48 * 256 + 256); // AlexNet conv2: 307,456
  });

  it('refuses channels that do not split into the groups', () => {
    expect(() => groupedConv2d({ filters: 5, kernelSize: 3, groups: 2 })).toThrow('filters (5) must be a multiple of groups (2)');
    expect(() => groupedConv2d({ filters: 4, kernelSize: 3, groups: 2, name: 'g' }).apply(tf.zeros([1, 5, 5, 3]))).toThrow(
      "GroupedConv2D 'g': input channels (3) must be a multiple of groups (2)",
    );
  });

  it('survives a save and load round trip as a first layer, initializers included', async () => {
    const model = tf.sequential({
      layers: [
        groupedConv2d({
          inputShape: [5, 5, 4],
          filters: 4,
          kernelSize: 3,
          groups: 2,
          activation: 'relu',
          kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed: 1 }),
        }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const layer = loaded.layers[0] as GroupedConv2D;
    expect(layer).toBeInstanceOf(GroupedConv2D);
    expect([layer.groups, layer.activation, layer.filters]).toEqual([2, 'relu', 4]);
    expect((layer.getConfig().kernelInitializer as { className: string }).className).toBe('RandomNormal');
    const x = seeded([1, 5, 5, 4], 4);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
  });
});
