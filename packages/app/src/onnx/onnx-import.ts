import * as tf from '@tensorflow/tfjs';
import { alexNet } from '../alexnet.js';
import { alexNetOwt } from '../alexnet-owt.js';
import { CONV_LAYERS, FC_WIDTH, featureSizes, paddedFeatureSizes, scaledWidth, type LrnMode, type PoolMode } from '../alexnet-config.js';
import { convKernelFromOnnx, denseKernelFromOnnx } from './onnx-layout.js';
import type { GraphNode, OnnxGraph } from './onnx-graph.js';

/** The architecture an ONNX graph was recognised as, in the builders' own terms. */
export type ImportedArchitecture =
  | {
      arch: 'alexnet';
      classes: number;
      inputSize: number;
      width: number;
      columns: 1 | 2;
      lrn: LrnMode;
      pool: PoolMode;
      conv1Padding: 'valid' | 'paper';
      dropout: number;
    }
  | { arch: 'alexnet-owt'; classes: number; inputSize: number; width: number; pool: PoolMode; dropout: number };

interface ConvStage {
  weight: { dims: number[]; values: Float32Array };
  bias: Float32Array;
  pads: number[];
  strides: number[];
  group: number;
  relu?: true;
  lrn?: { size: number; alpha: number; beta: number; bias: number; groups: number };
  pool?: { kernel: number; stride: number };
}
interface DenseStage {
  weight: { dims: number[]; values: Float32Array };
  bias: Float32Array;
  relu: boolean;
}

const OWT_WIDTHS = [64, 192, 384, 256, 256];

/** Walks the graph as a chain from its input, op by op; anything off AlexNet's path is refused. */
function stagesOf(g: OnnxGraph): { convs: ConvStage[]; dense: DenseStage[]; dropout: number[]; softmax: boolean } {
  const fail = (node: GraphNode, why: string): never => {
    throw new Error(`${g.file}: node '${node.name}' (${node.op}): ${why}`);
  };
  const convs: ConvStage[] = [];
  const dense: DenseStage[] = [];
  const dropout: number[] = [];
  let softmax = false;
  let flattened = false;
  let value = g.input.name;
  const weight = (node: GraphNode, index: number) => g.weights.get(node.inputs[index] ?? '') ?? fail(node, `input ${index + 1} is not a float32 initializer`);
  const only = (node: GraphNode, ints: Record<string, number[]>, floats: Record<string, number> = {}) => {
    for (const [key, v] of Object.entries(node.ints))
      if (!(key in ints) || JSON.stringify(ints[key]) !== JSON.stringify(v))
        fail(node, `attribute ${key} = [${v}] is not what AlexNet uses${key in ints ? ` ([${ints[key]}])` : ''}`);
    for (const [key, v] of Object.entries(node.floats))
      if (!(key in floats) || Math.abs(floats[key]! - v) > 1e-6) fail(node, `attribute ${key} = ${v} is not AlexNet's`);
  };
  for (let i = 0; i < g.nodes.length; i++) {
    const node = g.nodes[i]!;
    if (node.inputs[0] !== value) fail(node, `does not read the previous node's output '${value}' (AlexNet is a chain)`);
    const last = convs.at(-1);
    switch (node.op) {
      case 'Conv': {
        if (flattened) fail(node, 'a convolution after Flatten');
        const w = weight(node, 1);
        if (w.dims.length !== 4 || w.dims[2] !== w.dims[3]) fail(node, `weight of shape [${w.dims}] is not a square 2-D kernel`);
        const b = node.inputs[2] ? weight(node, 2).values : new Float32Array(w.dims[0]!);
        if (b.length !== w.dims[0]) fail(node, `bias of ${b.length} values for ${w.dims[0]} kernels`);
        const k = w.dims[2]!;
        const pads = node.ints.pads ?? [0, 0, 0, 0];
        const strides = node.ints.strides ?? [1, 1];
        const group = node.ints.group?.[0] ?? 1;
        only(node, { kernel_shape: [k, k], pads, strides, dilations: [1, 1], group: [group] });
        if (strides[0] !== strides[1]) fail(node, 'strides differ between rows and columns');
        convs.push({ weight: w, bias: b, pads, strides, group });
        break;
      }
      case 'Relu':
        only(node, {});
        if (!flattened) {
          // AlexNet's order: conv, ReLU, then LRN and pooling.
          if (!last || last.relu || last.lrn || last.pool) fail(node, 'a ReLU is read only right after a convolution');
          last!.relu = true;
        } else {
          if (!dense.at(-1) || dense.at(-1)!.relu) fail(node, 'a ReLU not after a Gemm');
          dense.at(-1)!.relu = true;
        }
        break;
      case 'LRN': {
        if (!last?.relu || last.lrn || last.pool) fail(node, 'LRN is read only right after a convolution and its ReLU');
        const size = node.ints.size?.[0] ?? 0;
        only(node, { size: [size] }, { alpha: node.floats.alpha ?? 1e-4, beta: node.floats.beta ?? 0.75, bias: node.floats.bias ?? 1 });
        last!.lrn = { size, alpha: node.floats.alpha ?? 1e-4, beta: node.floats.beta ?? 0.75, bias: node.floats.bias ?? 1, groups: 1 };
        break;
      }
      case 'Split': {
        // Two columns' LRN: Split → LRN per column → Concat, as alexNetToOnnx writes it.
        const parts = node.outputs;
        const lrns = g.nodes.slice(i + 1, i + 1 + parts.length);
        const concat = g.nodes[i + 1 + parts.length];
        const sizes = g.int64s.get(node.inputs[1] ?? '') ?? node.ints.split;
        if (!last?.relu || last.lrn || last.pool || !sizes || sizes.length !== parts.length || new Set(sizes).size !== 1 || (node.ints.axis?.[0] ?? 0) !== 1)
          fail(node, 'a Split is read only as equal channel groups of a grouped LRN');
        if (lrns.some((n, j) => n.op !== 'LRN' || n.inputs[0] !== parts[j]) || concat?.op !== 'Concat' || (concat.ints.axis?.[0] ?? 0) !== 1)
          fail(node, 'a Split is read only when each part goes through an LRN and a Concat on channels joins them');
        if (concat!.inputs.length !== parts.length || concat!.inputs.some((name, j) => name !== lrns[j]!.outputs[0]))
          fail(concat!, 'joins other tensors than the LRNs of the Split');
        const first = lrns[0]!;
        if (lrns.some((n) => JSON.stringify([n.ints, n.floats]) !== JSON.stringify([first.ints, first.floats]))) fail(node, "the columns' LRNs differ");
        last!.lrn = {
          size: first.ints.size?.[0] ?? 0,
          alpha: first.floats.alpha ?? 1e-4,
          beta: first.floats.beta ?? 0.75,
          bias: first.floats.bias ?? 1,
          groups: parts.length,
        };
        value = concat!.outputs[0]!;
        i += parts.length + 1;
        continue;
      }
      case 'MaxPool': {
        const kernel = node.ints.kernel_shape ?? [];
        const strides = node.ints.strides ?? [1, 1];
        only(node, { kernel_shape: [kernel[0]!, kernel[0]!], strides: [strides[0]!, strides[0]!], pads: [0, 0, 0, 0], ceil_mode: [0], dilations: [1, 1] });
        if (!last?.relu || last.pool) fail(node, 'max pooling is read only after a convolution and its ReLU');
        last!.pool = { kernel: kernel[0]!, stride: strides[0]! };
        break;
      }
      case 'AveragePool':
        // torchvision's AdaptiveAvgPool2d((6, 6)) on a 6×6 map: a 1×1 average, the identity.
        only(node, { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], ceil_mode: [0], count_include_pad: node.ints.count_include_pad ?? [0] });
        break;
      case 'Flatten':
        only(node, { axis: [1] });
        if (flattened || !last?.pool) fail(node, 'Flatten is read only once, after the last pooling');
        flattened = true;
        break;
      case 'Gemm': {
        if (!flattened) fail(node, 'a Gemm before Flatten');
        only(node, { transB: [1], transA: [0] }, { alpha: 1, beta: 1 });
        if (node.ints.transB?.[0] !== 1) fail(node, "only transB = 1 (torch.nn.Linear's layout) is read");
        const w = weight(node, 1);
        const b = node.inputs[2] ? weight(node, 2).values : new Float32Array(w.dims[0]!);
        if (w.dims.length !== 2 || b.length !== w.dims[0]) fail(node, `weight [${w.dims}] and bias of ${b.length} do not make a dense layer`);
        dense.push({ weight: w, bias: b, relu: false });
        break;
      }
      case 'Dropout': {
        const ratio = node.inputs[1] ? g.weights.get(node.inputs[1])?.values[0] : undefined;
        dropout.push(ratio ?? node.floats.ratio ?? 0.5);
        only(node, {}, node.floats.ratio === undefined ? {} : { ratio: node.floats.ratio });
        break;
      }
      case 'Softmax':
        only(node, { axis: node.ints.axis?.[0] === -1 ? [-1] : [1] });
        if (i !== g.nodes.length - 1) fail(node, 'softmax is read only as the last op');
        softmax = true;
        break;
      case 'Identity':
        break;
      default:
        fail(node, `${node.op} is not an op of AlexNet (Conv, Relu, LRN, MaxPool, Flatten, Gemm, Dropout, Softmax)`);
    }
    if (node.outputs.length !== 1) fail(node, `${node.outputs.length} outputs`);
    value = node.outputs[0]!;
  }
  if (value !== g.output) throw new Error(`${g.file}: the graph's output '${g.output}' is not the end of its chain of ops`);
  if (convs.length !== 5 || dense.length !== 3)
    throw new Error(`${g.file}: ${convs.length} convolutions and ${dense.length} dense layers; AlexNet has 5 and 3`);
  if (convs.some((c) => !c.relu)) throw new Error(`${g.file}: every convolution of AlexNet is followed by a ReLU`);
  return { convs, dense, dropout, softmax };
}

/** The width multiplier that gives every layer its size (tried from each layer's own ratio), or undefined. */
function widthFor(sizes: number[], bases: number[], columns: 1 | 2): number | undefined {
  const candidates = sizes.map((s, i) => s / bases[i]!);
  return candidates.find((w) => sizes.every((s, i) => scaledWidth(bases[i]!, w, columns) === s));
}

/** pool5's side for the architecture's input, or an error naming the file. */
function pool5Of(g: OnnxGraph, a: ImportedArchitecture): number {
  try {
    return (a.arch === 'alexnet' ? featureSizes(a.inputSize, a) : paddedFeatureSizes(a.inputSize, 4, a.pool)).pool5;
  } catch (error) {
    throw new Error(`${g.file}: input ${a.inputSize}×${a.inputSize}: ${(error as Error).message}`);
  }
}

/** FC6 must read conv5's channels × pool5², checked before a model (and its FC6 kernel) is allocated. */
function checkFc6(g: OnnxGraph, a: ImportedArchitecture, convs: ConvStage[], dense: DenseStage[]): void {
  const pool5 = pool5Of(g, a);
  const c5 = convs[4]!.weight.dims[0]!;
  if (dense[0]!.weight.dims[1] !== c5 * pool5 * pool5)
    throw new Error(`${g.file}: FC6 reads ${dense[0]!.weight.dims[1]} values, but at ${a.inputSize}×${a.inputSize} pool5 gives ${c5}×${pool5}×${pool5}`);
}

/** What architecture the graph is: torchvision's (conv1 padded by 2, no LRN, no groups) or the paper's. */
export function recogniseArchitecture(g: OnnxGraph): { architecture: ImportedArchitecture; convs: ConvStage[]; dense: DenseStage[]; softmax: boolean } {
  const { convs, dense, dropout, softmax } = stagesOf(g);
  const [n, c, h, w] = g.input.dims;
  if (g.input.dims.length !== 4 || c !== 3 || typeof h !== 'number' || h !== w || h < 1 || h > 4096)
    throw new Error(`${g.file}: input '${g.input.name}' of shape [${g.input.dims}]; an AlexNet takes [batch, 3, side, side]`);
  void n;
  const inputSize = h;
  const fail = (why: string): never => {
    throw new Error(`${g.file}: ${why}`);
  };
  const pools = convs.map((s) => s.pool);
  if (!pools[0] || !pools[1] || pools[2] || pools[3] || !pools[4]) fail('max pooling must follow conv1, conv2 and conv5 only, as in AlexNet');
  const poolKinds = new Set(pools.filter(Boolean).map((p) => `${p!.kernel}/${p!.stride}`));
  if (poolKinds.size !== 1 || !['3/2', '2/2'].includes([...poolKinds][0]!)) fail(`pooling ${[...poolKinds].join(', ')}: AlexNet pools 3×3/2 (or 2×2/2)`);
  const pool: PoolMode = [...poolKinds][0] === '3/2' ? 'overlapping' : 'non-overlapping';
  const kernels = convs.map((s) => s.weight.dims[2]);
  if (JSON.stringify(kernels) !== '[11,5,3,3,3]' || convs[0]!.strides[0] !== 4 || convs.slice(1).some((s) => s.strides[0] !== 1))
    fail(`convolution kernels ${kernels.join('-')} with strides ${convs.map((s) => s.strides[0]).join('-')}; AlexNet's are 11/4, 5, 3, 3, 3`);
  const sizes = convs.map((s) => s.weight.dims[0]!);
  const fcSizes = dense.slice(0, 2).map((d) => d.weight.dims[0]!);
  const classes = dense[2]!.weight.dims[0]!;
  if (!dense[0]!.relu || !dense[1]!.relu || dense[2]!.relu) fail('FC6 and FC7 need a ReLU and FC8 none');
  const rate = dropout[0] ?? 0.5;
  if (dropout.some((r) => r !== rate) || !(rate >= 0 && rate < 1)) fail(`dropout ratios ${dropout.join(', ')}: AlexNet has one rate in [0, 1) on FC6 and FC7`);
  const samePads = (k: number) => [(k - 1) / 2, (k - 1) / 2, (k - 1) / 2, (k - 1) / 2];
  const conv1Pads = convs[0]!.pads.join(',');
  if (conv1Pads === '2,2,2,2') {
    if (convs.some((s) => s.lrn || s.group !== 1))
      fail("conv1 is padded by 2 as torchvision's AlexNet, but the graph has LRN or grouped convolutions, which torchvision's has not");
    if (convs.slice(1).some((s) => s.pads.join(',') !== samePads(s.weight.dims[2]!).join(',')))
      fail("conv2–conv5 must keep the map's size (torchvision's padding)");
    const width =
      widthFor([...sizes, ...fcSizes], [...OWT_WIDTHS, FC_WIDTH, FC_WIDTH], 1) ??
      fail(`layer widths ${[...sizes, ...fcSizes].join('-')} are not torchvision's AlexNet at any width multiplier`);
    const architecture: ImportedArchitecture = { arch: 'alexnet-owt', classes, inputSize, width, pool, dropout: rate };
    checkFc6(g, architecture, convs, dense);
    return { architecture, convs, dense, softmax };
  }
  const conv1Padding =
    conv1Pads === '0,0,0,0'
      ? 'valid'
      : conv1Pads === '1,1,2,2'
        ? 'paper'
        : fail(`conv1's pads [${conv1Pads}] are neither AlexNet's (none, or 1 before and 2 after) nor torchvision's (2)`);
  const groups = convs.map((s) => s.group);
  const columns =
    groups.join(',') === '1,1,1,1,1'
      ? 1
      : groups.join(',') === '1,2,1,2,2'
        ? 2
        : fail(`convolution groups ${groups.join('-')}: AlexNet's columns are 1-2-1-2-2 (or no groups)`);
  for (const s of convs.slice(1)) {
    const k = s.weight.dims[2]!;
    const total = k - 1;
    // tfjs's 'same' pads odd kernels evenly; anything else would shift the maps.
    if (s.pads.join(',') !== [total / 2, total / 2, total / 2, total / 2].join(',')) fail("conv2–conv5 must pad (k − 1) / 2 on every side ('same' padding)");
  }
  const lrns = convs.map((s) => s.lrn);
  let lrn: LrnMode = 'off';
  if (lrns[0] || lrns[1]) {
    if (!lrns[0] || !lrns[1] || lrns.slice(2).some(Boolean)) fail('LRN must follow conv1 and conv2 only, as in AlexNet');
    for (const l of [lrns[0]!, lrns[1]!]) {
      if (l.size !== 5 || Math.abs(l.beta - 0.75) > 1e-6 || Math.abs(l.bias - 2) > 1e-6 || l.groups !== columns)
        fail(`LRN size ${l.size}, beta ${l.beta}, bias ${l.bias} over ${l.groups} groups: AlexNet's are 5, 0.75, 2 over its ${columns} column(s)`);
    }
    // ONNX divides alpha by size: 5e-4 is the paper's α = 1e-4 on the plain sum, 1e-4 is α/n.
    const alpha = lrns[0]!.alpha;
    if (Math.abs(alpha - 5e-4) < 1e-9) lrn = 'paper';
    else if (Math.abs(alpha - 1e-4) < 1e-9) lrn = 'alpha-over-n';
    else fail(`LRN alpha ${Number(alpha.toPrecision(6))}: ONNX's alpha is divided by size, so AlexNet's is 5e-4 (the paper's formula) or 1e-4 (α/n, as Caffe)`);
    if (Math.abs(lrns[1]!.alpha - alpha) > 1e-9) fail("conv1's and conv2's LRN differ");
  }
  const bases = [...CONV_LAYERS.map((l) => l.filters), FC_WIDTH, FC_WIDTH];
  const width =
    widthFor([...sizes, ...fcSizes], bases, columns) ?? fail(`layer widths ${[...sizes, ...fcSizes].join('-')} are not AlexNet's at any width multiplier`);
  const architecture: ImportedArchitecture = { arch: 'alexnet', classes, inputSize, width, columns, lrn, pool, conv1Padding, dropout: rate };
  checkFc6(g, architecture, convs, dense);
  return { architecture, convs, dense, softmax };
}

/**
 * The tfjs AlexNet of an ONNX graph: the builder's model for the architecture found, with the
 * graph's weights in tfjs's layout (kernels HWIO, FC6's rows in (h, w, c) order). Every
 * weight's shape is checked against the model's before it is set.
 */
export function alexNetFromOnnx(g: OnnxGraph): { architecture: ImportedArchitecture; model: tf.Sequential; softmax: boolean } {
  const { architecture: a, convs, dense, softmax } = recogniseArchitecture(g);
  const model =
    a.arch === 'alexnet'
      ? alexNet({
          classes: a.classes,
          inputSize: a.inputSize,
          width: a.width,
          columns: a.columns,
          lrn: a.lrn,
          pool: a.pool,
          conv1Padding: a.conv1Padding,
          dropout: a.dropout,
        })
      : alexNetOwt({ classes: a.classes, inputSize: a.inputSize, width: a.width, pool: a.pool, dropout: a.dropout });
  try {
    const pool5 = pool5Of(g, a);
    const set = (name: string, kernel: Float32Array, bias: Float32Array) => {
      const layer = model.getLayer(name);
      const [k, b] = layer.getWeights();
      if (k!.size !== kernel.length || b!.size !== bias.length)
        throw new Error(`${g.file}: ${name}'s weights have ${kernel.length} + ${bias.length} values; the model's need ${k!.size} + ${b!.size}`);
      const values = [tf.tensor(kernel, k!.shape), tf.tensor(bias, b!.shape)];
      layer.setWeights(values); // copies into the layer's variables
      tf.dispose(values);
    };
    convs.forEach((s, i) => set(`conv${i + 1}`, convKernelFromOnnx(s.weight.values, s.weight.dims), s.bias));
    const c5 = convs[4]!.weight.dims[0]!;
    dense.forEach((d, i) =>
      set(`fc${i + 6}`, denseKernelFromOnnx(d.weight.values, d.weight.dims, i === 0 ? { h: pool5, w: pool5, c: c5 } : undefined), d.bias),
    );
    return { architecture: a, model, softmax };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
