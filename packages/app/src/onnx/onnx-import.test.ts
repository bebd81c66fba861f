import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxAbsDifference } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { alexNet } from '../alexnet.js';
import { alexNetOwt } from '../alexnet-owt.js';
import { alexNetToOnnx } from './onnx-export.js';
import { readOnnxGraph } from './onnx-graph.js';
import { alexNetFromOnnx } from './onnx-import.js';
import { onnx } from './onnx-proto.js';

const fixture = (name: string) => new URL(`../fixtures/onnx/${name}`, import.meta.url);
const TORCHVISION = readFileSync(fixture('torchvision-alexnet.onnx'));
const REFERENCE = JSON.parse(readFileSync(fixture('torchvision-alexnet.json'), 'utf8')) as {
  side: number;
  batch: number;
  logits: number[][];
  probabilities: number[][];
  top5: number[][];
};

/** The fixture's input, as torchvision-alexnet.py computes it, channels last. */
function fixtureInput(): tf.Tensor4D {
  const { batch, side } = REFERENCE;
  const per = 3 * side * side;
  const nchw = Float32Array.from({ length: batch * per }, (_, i) => 2 * Math.sin(0.001 * i + Math.floor(i / per)));
  return tf.tidy(() => tf.tensor4d(nchw, [batch, 3, side, side]).transpose([0, 2, 3, 1]) as tf.Tensor4D);
}

/** A model's config without what only initialisation uses (initializers and their seeds). */
function architectureOf(model: tf.LayersModel): unknown {
  return JSON.parse(JSON.stringify(model.getConfig(), (key, value: unknown) => (/Initializer$/.test(key) || key === 'seed' ? undefined : value)));
}

describeEachEngine("alexNetFromOnnx: torchvision's AlexNet as torch.onnx.export writes it", () => {
  it("is read as alexnet-owt and gives torch's probabilities within 1e-4, with the same top-5", () => {
    const { architecture, model, softmax } = alexNetFromOnnx(readOnnxGraph(TORCHVISION, 'torchvision-alexnet.onnx'));
    try {
      expect(architecture).toEqual({ arch: 'alexnet-owt', classes: 10, inputSize: 224, width: 1 / 32, pool: 'overlapping', dropout: 0.5 });
      expect(softmax).toBe(false); // torchvision's network ends in logits; the model adds the softmax
      const prob = tf.tidy(() => model.predict(fixtureInput()) as tf.Tensor2D);
      const got = prob.arraySync();
      prob.dispose();
      expect(maxAbsDifference(got.flat(), REFERENCE.probabilities.flat())).toBeLessThan(1e-4);
      const top5 = got.map((row) => [...row.keys()].sort((a, b) => row[b]! - row[a]!).slice(0, 5));
      expect(top5).toEqual(REFERENCE.top5);
    } finally {
      model.dispose();
    }
  });
});

describeEachEngine('alexNetFromOnnx: a round trip through alexNetToOnnx', () => {
  const builds = {
    'alexnet, two columns, paper LRN': () => alexNet({ classes: 7, inputSize: 67, width: 0.0625, init: 'he', dropout: 0.25 }),
    'alexnet at 224, α/n, non-overlapping pools': () =>
      alexNet({ classes: 5, inputSize: 224, width: 0.03125, init: 'he', lrn: 'alpha-over-n', pool: 'non-overlapping' }),
    'alexnet, one column, no LRN': () => alexNet({ classes: 6, inputSize: 67, width: 0.0625, columns: 1, lrn: 'off', init: 'he' }),
    'alexnet-owt': () => alexNetOwt({ classes: 8, inputSize: 67, width: 0.0625 }),
  };
  for (const [title, build] of Object.entries(builds)) {
    it(`${title}: the same architecture and weights, bit for bit`, () => {
      const original = build();
      const { model } = alexNetFromOnnx(readOnnxGraph(alexNetToOnnx(original), 'export.onnx'));
      try {
        expect(architectureOf(model)).toEqual(architectureOf(original));
        const [a, b] = [original.getWeights(), model.getWeights()];
        expect(b.length).toBe(a.length);
        a.forEach((w, i) => expect(maxAbsDifference(w.dataSync(), b[i]!.dataSync())).toBe(0));
      } finally {
        original.dispose();
        model.dispose();
      }
    });
  }
});

describe('readOnnxGraph and alexNetFromOnnx refuse what is not an AlexNet', () => {
  /** The torchvision fixture with one change. */
  function edited(change: (m: ReturnType<typeof onnx.ModelProto.decode>) => void): Uint8Array {
    const m = onnx.ModelProto.decode(TORCHVISION);
    change(m);
    return onnx.ModelProto.encode(m).finish();
  }
  const read = (bytes: Uint8Array) => alexNetFromOnnx(readOnnxGraph(bytes, 'bad.onnx'));

  it('bytes that are not ONNX', () => {
    expect(() => readOnnxGraph(new TextEncoder().encode('not a model at all'), 'bad.onnx')).toThrow(/bad\.onnx: not an ONNX model/);
  });
  it('an op AlexNet does not have', () => {
    expect(() => read(edited((m) => (m.graph!.node![1]!.opType = 'Sigmoid')))).toThrow(/bad\.onnx: node .*\(Sigmoid\): Sigmoid is not an op of AlexNet/);
  });
  it('a weight whose bytes do not match its shape', () => {
    expect(() => read(edited((m) => (m.graph!.initializer![0]!.dims = [2, 3, 11, 12])))).toThrow(
      /initializer 'features\.0\.weight' holds 2904 bytes, not the 3168/,
    );
  });
  it('a weight too large to be AlexNet’s, before it is allocated', () => {
    expect(() => read(edited((m) => (m.graph!.initializer![0]!.dims = [1 << 20, 1 << 20])))).toThrow(/more than the 268435456 an AlexNet weight can have/);
  });
  it('a convolution attribute out of range', () => {
    expect(() =>
      read(
        edited((m) => {
          const strides = m.graph!.node![0]!.attribute!.find((a) => a.name === 'strides')!;
          strides.ints = [3, 3];
        }),
      ),
    ).toThrow(/kernels 11-5-3-3-3 with strides 3-1-1-1-1; AlexNet's are 11\/4/);
  });
  it('an LRN whose alpha is neither of AlexNet’s', () => {
    const model = alexNet({ classes: 4, inputSize: 67, width: 0.0625 });
    const bytes = alexNetToOnnx(model);
    model.dispose();
    const m = onnx.ModelProto.decode(bytes);
    for (const n of m.graph!.node!) if (n.opType === 'LRN') n.attribute!.find((a) => a.name === 'alpha')!.f = 0.01;
    expect(() => read(onnx.ModelProto.encode(m).finish())).toThrow(/LRN alpha 0\.01.*5e-4 \(the paper's formula\) or 1e-4/);
  });
  it('an input side too large, or one FC6 does not fit, before the model is built', () => {
    const side = (n: number) => (m: ReturnType<typeof onnx.ModelProto.decode>) => {
      const dims = m.graph!.input![0]!.type!.tensorType!.shape!.dim!;
      dims[2]!.dimValue = n;
      dims[3]!.dimValue = n;
    };
    expect(() => read(edited(side(5000)))).toThrow(/bad\.onnx: input 'input' of shape \[batch,3,5000,5000\]/);
    expect(() => read(edited(side(448)))).toThrow(/bad\.onnx: FC6 reads 288 values, but at 448×448 pool5 gives 8×13×13/);
  });
  it('conv2–conv5 padded unevenly, and a convolution without its ReLU', () => {
    const model = alexNet({ classes: 4, inputSize: 67, width: 0.0625 });
    const bytes = alexNetToOnnx(model);
    model.dispose();
    const m = onnx.ModelProto.decode(bytes);
    m.graph!.node!.find((n) => n.name === 'conv3')!.attribute!.find((a) => a.name === 'pads')!.ints = [0, 0, 2, 2];
    expect(() => read(onnx.ModelProto.encode(m).finish())).toThrow(/conv2–conv5 must pad \(k − 1\) \/ 2 on every side/);
    expect(() => read(edited((t) => (t.graph!.node![1]!.opType = 'Identity')))).toThrow(
      /\(MaxPool\): max pooling is read only after a convolution and its ReLU/,
    );
  });
  it('an opset outside 9–21', () => {
    expect(() => read(edited((m) => (m.opsetImport![0]!.version = 7)))).toThrow(/bad\.onnx: opset 7 of the default domain/);
  });
});
