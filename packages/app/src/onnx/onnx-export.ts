import * as tf from '@tensorflow/tfjs';
import { attributes, floatTensor, floatValue, int64Tensor, onnx, type NodeProto, type TensorProto } from './onnx-proto.js';
import { convKernelToOnnx, denseKernelToOnnx } from './onnx-layout.js';

/** Opset 13: Split takes its sizes as an input, Dropout its ratio; every op here has had these semantics since. */
export const ONNX_OPSET = 13;
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'prob';

/** What an exported file carries besides the network: key–value metadata_props (e.g. the preprocessing). */
export type OnnxMetadata = Record<string, string>;

/** The graph under construction: nodes, weights, and the current tensor's name and NCHW shape. */
interface Builder {
  nodes: NodeProto[];
  initializers: TensorProto[];
  value: string;
  shape: number[];
  /** Zero padding waiting to be folded into the next Conv's pads ([top, left, bottom, right]). */
  pads: [number, number, number, number] | undefined;
  /** The (h, w, c) of the flattened tensor, for the first dense layer after it. */
  flattened: { h: number; w: number; c: number } | undefined;
}

function add(b: Builder, opType: string, name: string, inputs: string[], attrs: NodeProto['attribute'] = [], shape = b.shape): void {
  const output = name;
  b.nodes.push({ opType, name, input: [b.value, ...inputs], output: [output], attribute: attrs });
  b.value = output;
  b.shape = shape;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)]);

/** Output side of a conv or pool; `same` pads as tfjs does (the extra pixel after). */
function windowed(size: number, kernel: number, stride: number, padding: string): { out: number; before: number; after: number } {
  if (padding === 'valid') return { out: Math.floor((size - kernel) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

function conv(b: Builder, layer: tf.layers.Layer, groups: number): void {
  const config = layer.getConfig();
  const [kh, kw] = pair(config.kernelSize);
  const [sh, sw] = pair(config.strides ?? 1);
  const dilation = pair(config.dilationRate ?? 1);
  if (dilation[0] !== 1 || dilation[1] !== 1) throw new Error(`${layer.name}: dilated convolutions are not exported`);
  const [n, , h, w] = b.shape as [number, number, number, number];
  const [top, left, bottom, right] = b.pads ?? [0, 0, 0, 0];
  b.pads = undefined;
  const rows = windowed(h + top + bottom, kh, sh, String(config.padding));
  const cols = windowed(w + left + right, kw, sw, String(config.padding));
  const [kernel, bias] = layer.getWeights();
  const [, , cinPerGroup, cout] = kernel!.shape as [number, number, number, number];
  const weight = `${layer.name}.weight`;
  b.initializers.push(floatTensor(weight, [cout, cinPerGroup, kh, kw], convKernelToOnnx(kernel!.dataSync() as Float32Array, kernel!.shape)));
  const inputs = [weight];
  if (bias) {
    b.initializers.push(floatTensor(`${layer.name}.bias`, [cout], bias.dataSync() as Float32Array));
    inputs.push(`${layer.name}.bias`);
  }
  const pads = [top + rows.before, left + cols.before, bottom + rows.after, right + cols.after];
  add(b, 'Conv', layer.name, inputs, attributes({ kernel_shape: [kh, kw], strides: [sh, sw], pads, dilations: [1, 1], group: groups }), [
    n,
    cout,
    rows.out,
    cols.out,
  ]);
  activation(b, layer.name, config.activation);
}

function activation(b: Builder, layer: string, name: unknown): void {
  if (name === undefined || name === null || name === 'linear') return;
  if (name === 'relu') add(b, 'Relu', `${layer}/relu`, []);
  else if (name === 'softmax') add(b, 'Softmax', `${layer}/softmax`, [], attributes({ axis: 1 }));
  else throw new Error(`${layer}: activation '${String(name)}' is not exported`);
}

/**
 * LRN: ONNX divides `alpha` by `size` (Y = X / (bias + alpha/size · Σ X²)^beta), as Caffe and
 * torch do; the paper's formula (alphaDividedBySize false) multiplies the plain sum, so its
 * alpha is multiplied by size here. Two columns normalize apart: Split, two LRNs, Concat.
 */
function localResponseNorm(b: Builder, layer: tf.layers.Layer): void {
  const c = layer.getConfig() as { size: number; k: number; alpha: number; beta: number; alphaDividedBySize: boolean; groups: number };
  const lrn = attributes({ size: c.size, alpha: { float: c.alphaDividedBySize ? c.alpha : c.alpha * c.size }, beta: { float: c.beta }, bias: { float: c.k } });
  if (c.groups === 1) return add(b, 'LRN', layer.name, [], lrn);
  const channels = b.shape[1]!;
  const per = channels / c.groups;
  const sizes = `${layer.name}.split`;
  b.initializers.push(int64Tensor(sizes, Array(c.groups).fill(per)));
  const parts = Array.from({ length: c.groups }, (_, g) => `${layer.name}/column${g + 1}`);
  b.nodes.push({ opType: 'Split', name: `${layer.name}/split`, input: [b.value, sizes], output: parts, attribute: attributes({ axis: 1 }) });
  const normalized = parts.map((part) => {
    b.nodes.push({ opType: 'LRN', name: `${part}/lrn`, input: [part], output: [`${part}/lrn`], attribute: lrn });
    return `${part}/lrn`;
  });
  b.nodes.push({ opType: 'Concat', name: layer.name, input: normalized, output: [layer.name], attribute: attributes({ axis: 1 }) });
  b.value = layer.name;
}

function maxPool(b: Builder, layer: tf.layers.Layer): void {
  const config = layer.getConfig();
  if (config.padding !== 'valid') throw new Error(`${layer.name}: only 'valid' max pooling is exported`);
  const [kh, kw] = pair(config.poolSize);
  const [sh, sw] = pair(config.strides ?? config.poolSize);
  const [n, c, h, w] = b.shape as [number, number, number, number];
  const shape = [n, c, windowed(h, kh, sh, 'valid').out, windowed(w, kw, sw, 'valid').out];
  add(b, 'MaxPool', layer.name, [], attributes({ kernel_shape: [kh, kw], strides: [sh, sw], pads: [0, 0, 0, 0] }), shape);
}

function dense(b: Builder, layer: tf.layers.Layer): void {
  const config = layer.getConfig();
  const [kernel, bias] = layer.getWeights();
  const [inputs, units] = kernel!.shape as [number, number];
  const weight = `${layer.name}.weight`;
  b.initializers.push(floatTensor(weight, [units, inputs], denseKernelToOnnx(kernel!.dataSync() as Float32Array, kernel!.shape, b.flattened)));
  b.flattened = undefined;
  const biasName = `${layer.name}.bias`;
  b.initializers.push(floatTensor(biasName, [units], bias ? (bias.dataSync() as Float32Array) : new Float32Array(units)));
  add(b, 'Gemm', layer.name, [weight, biasName], attributes({ alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }), [b.shape[0]!, units]);
  activation(b, layer.name, config.activation);
}

/**
 * An AlexNet (either architecture: any tf.Sequential of the layers they are built from) as an
 * ONNX model: input `input` [batch, 3, H, W] (channels first, normalized as in training),
 * output `prob` [batch, classes]. Ops keep their own semantics: Conv with `group` for the
 * columns, LRN, MaxPool, Flatten, Gemm, Relu, Dropout, Softmax. Any other layer is refused.
 */
export function alexNetToOnnx(model: tf.LayersModel, metadata: OnnxMetadata = {}): Uint8Array {
  const [, h, w, c] = model.inputs[0]!.shape as [null, number, number, number];
  const b: Builder = { nodes: [], initializers: [], value: ONNX_INPUT, shape: [-1, c, h, w], pads: undefined, flattened: undefined };
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (b.pads && kind !== 'Conv2D' && kind !== 'AlexNetGroupedConv2D') throw new Error(`${layer.name}: zero padding is exported only before a convolution`);
    if (kind === 'ZeroPadding2D') {
      const [[top, bottom], [left, right]] = layer.getConfig().padding as [[number, number], [number, number]];
      b.pads = [top, left, bottom, right];
    } else if (kind === 'Conv2D') conv(b, layer, 1);
    else if (kind === 'AlexNetGroupedConv2D') conv(b, layer, Number(layer.getConfig().groups));
    else if (kind === 'AlexNetLocalResponseNormalization') localResponseNorm(b, layer);
    else if (kind === 'MaxPooling2D') maxPool(b, layer);
    else if (kind === 'Flatten') {
      const [n, cc, hh, ww] = b.shape as [number, number, number, number];
      b.flattened = { h: hh, w: ww, c: cc };
      add(b, 'Flatten', layer.name, [], attributes({ axis: 1 }), [n, cc * hh * ww]);
    } else if (kind === 'Dense') dense(b, layer);
    else if (kind === 'AlexNetSeededDropout' || kind === 'Dropout') {
      const ratio = `${layer.name}.ratio`;
      b.initializers.push(floatTensor(ratio, [], new Float32Array([Number(layer.getConfig().rate)])));
      add(b, 'Dropout', layer.name, [ratio]);
    } else if (kind === 'Activation') activation(b, layer.name, layer.getConfig().activation);
    else throw new Error(`${layer.name}: a ${kind} layer is not one ONNX export knows (AlexNet's layers only)`);
  }
  const classes = b.shape[1]!;
  // The last node writes the graph's output.
  const last = b.nodes.at(-1)!;
  last.output = [ONNX_OUTPUT];
  const model_ = onnx.ModelProto.create({
    irVersion: 7,
    producerName: '@alexnet/app',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: model.name,
      node: b.nodes,
      initializer: b.initializers,
      input: [floatValue(ONNX_INPUT, ['batch', c, h, w])],
      output: [floatValue(ONNX_OUTPUT, ['batch', classes])],
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model_).finish();
}
