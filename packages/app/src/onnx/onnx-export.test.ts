import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { maxAbsDifference } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { alexNet } from '../alexnet.js';
import { alexNetOwt } from '../alexnet-owt.js';
import { alexNetToOnnx, ONNX_INPUT, ONNX_OUTPUT } from './onnx-export.js';
import { nhwcToNchw } from './onnx-layout.js';
import { onnx } from './onnx-proto.js';

/** Deterministic images in [-2, 2], channels last. */
function images(n: number, side: number): Float32Array {
  return Float32Array.from({ length: n * side * side * 3 }, (_, i) => 2 * Math.sin(0.37 * i + 0.1 * (i % 7)));
}

/** onnxruntime-node's output for `model` exported, on NCHW images. */
async function runOnnx(bytes: Uint8Array, nhwc: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const [n, h, w, c] = shape;
    const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', nhwcToNchw(nhwc, shape), [n, c, h, w]) });
    return result[ONNX_OUTPUT]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

// Small widths and inputs; he init so the softmax is far from uniform.
const cases = {
  'alexnet, two columns, paper LRN, conv1 valid': () => alexNet({ classes: 7, inputSize: 67, width: 0.0625, init: 'he' }),
  'alexnet, two columns, LRN α/n, paper conv1 padding at 224': () =>
    alexNet({ classes: 5, inputSize: 224, width: 0.03125, init: 'he', lrn: 'alpha-over-n', conv1Padding: 'paper', pool: 'non-overlapping' }),
  'alexnet, one column, no LRN': () => alexNet({ classes: 6, inputSize: 67, width: 0.0625, columns: 1, lrn: 'off', init: 'he' }),
  'alexnet-owt (torchvision layout)': () => alexNetOwt({ classes: 8, inputSize: 67, width: 0.0625 }),
};

describeEachEngine('alexNetToOnnx: onnxruntime-node runs the export and agrees with tfjs', () => {
  for (const [title, build] of Object.entries(cases)) {
    it(title, async () => {
      const model = build();
      try {
        const side = model.inputs[0]!.shape[1] as number;
        const x = images(3, side);
        const expected = tf.tidy(() => (model.predict(tf.tensor4d(x, [3, side, side, 3])) as tf.Tensor).dataSync());
        const got = await runOnnx(alexNetToOnnx(model), x, [3, side, side, 3]);
        expect(got.length).toBe(expected.length);
        expect(maxAbsDifference(got, expected)).toBeLessThan(1e-4);
        // Not a uniform softmax: the comparison means something.
        expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.05);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('alexNetToOnnx: the graph', () => {
  it("uses ONNX's own ops: Conv with group 2 for the columns, LRN with alpha × size for the paper's formula", () => {
    const model = alexNet({ classes: 4, inputSize: 67, width: 0.0625, init: 'he' });
    const decoded = onnx.ModelProto.decode(alexNetToOnnx(model, { note: 'kept' }));
    model.dispose();
    const ops = decoded.graph!.node!.map((n) => n.opType);
    expect(new Set(ops)).toEqual(new Set(['Conv', 'Relu', 'Split', 'LRN', 'Concat', 'MaxPool', 'Flatten', 'Gemm', 'Dropout', 'Softmax']));
    const groups = decoded.graph!.node!.filter((n) => n.opType === 'Conv').map((n) => Number(n.attribute!.find((a) => a.name === 'group')!.i));
    expect(groups).toEqual([1, 2, 1, 2, 2]);
    const alpha = decoded.graph!.node!.find((n) => n.opType === 'LRN')!.attribute!.find((a) => a.name === 'alpha')!.f!;
    expect(alpha).toBeCloseTo(5e-4, 10);
    expect(decoded.metadataProps!.map((p) => [p.key, p.value])).toEqual([['note', 'kept']]);
  });

  it('refuses a layer it does not know, naming it', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ name: 'fc', inputShape: [4], units: 2 }), tf.layers.batchNormalization({ name: 'bn' })] });
    expect(() => alexNetToOnnx(model)).toThrow(/bn: a BatchNormalization layer is not one ONNX export knows/);
    model.dispose();
  });
});
