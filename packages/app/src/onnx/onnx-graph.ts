import { onnx, type ModelProto, type NodeProto } from './onnx-proto.js';

/** The largest tensor an import reads: AlexNet's fc6 has 37.7 M weights. */
const MAX_TENSOR_ELEMENTS = 2 ** 28;

/** A node reduced to what an import checks: op, inputs, outputs, attributes as plain numbers. */
export interface GraphNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  ints: Record<string, number[]>;
  floats: Record<string, number>;
}

/** An ONNX graph read and checked: nodes in order, float32 (and int64) initializers, input and output. */
export interface OnnxGraph {
  file: string;
  opset: number;
  nodes: GraphNode[];
  weights: Map<string, { dims: number[]; values: Float32Array }>;
  int64s: Map<string, number[]>;
  input: { name: string; dims: Array<number | string> };
  output: string;
  metadata: Record<string, string>;
  producer: string;
}

const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

function count(dims: number[], where: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${where}: dimension ${d} is not a size`);
    n *= d;
  }
  if (n > MAX_TENSOR_ELEMENTS) throw new Error(`${where}: ${n} elements, more than the ${MAX_TENSOR_ELEMENTS} an AlexNet weight can have`);
  return n;
}

function nodeOf(node: NodeProto, file: string): GraphNode {
  const ints: Record<string, number[]> = {};
  const floats: Record<string, number> = {};
  for (const a of node.attribute ?? []) {
    const name = a.name ?? '';
    if (a.type === AttributeType.INT) ints[name] = [Number(a.i)];
    else if (a.type === AttributeType.INTS) ints[name] = (a.ints ?? []).map(Number);
    else if (a.type === AttributeType.FLOAT) floats[name] = a.f ?? 0;
    else if (a.type === AttributeType.STRING && name === 'auto_pad' && new TextDecoder().decode(a.s ?? new Uint8Array()) === 'NOTSET') continue;
    else throw new Error(`${file}: node '${node.name}' (${node.opType}) has an attribute '${name}' of a kind an AlexNet import does not read`);
  }
  return { op: node.opType ?? '', name: node.name ?? '', inputs: [...(node.input ?? [])], outputs: [...(node.output ?? [])], ints, floats };
}

/**
 * Decodes and checks an ONNX model's bytes: the default domain at opset 9–21, one graph input,
 * one output, float32 weights whose byte counts match their shapes. Errors name the file.
 */
export function readOnnxGraph(bytes: Uint8Array, file: string): OnnxGraph {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new Error(`${file}: not an ONNX model (${(error as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || !graph.node?.length) throw new Error(`${file}: not an ONNX model (no graph)`);
  const opsets = (model.opsetImport ?? []).filter((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = Number(opsets[0]?.version ?? 0);
  if (opsets.length !== 1 || opset < 9 || opset > 21)
    throw new Error(`${file}: opset ${opset || 'missing'} of the default domain; an import reads opsets 9 to 21`);
  const weights = new Map<string, { dims: number[]; values: Float32Array }>();
  const int64s = new Map<string, number[]>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    const dims = (t.dims ?? []).map(Number);
    const n = count(dims, `${file}: initializer '${name}'`);
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
      throw new Error(`${file}: initializer '${name}' is stored in an external file, which an import does not read`);
    const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
    if (t.dataType === DataType.FLOAT) {
      // Sizes are compared before anything is allocated.
      if (raw && raw.length !== n * 4) throw new Error(`${file}: initializer '${name}' holds ${raw.length} bytes, not the ${n * 4} its shape [${dims}] needs`);
      const values = raw ? new Float32Array(n) : Float32Array.from(t.floatData ?? []);
      if (raw) {
        new Uint8Array(values.buffer).set(raw);
      } else if (values.length !== n) throw new Error(`${file}: initializer '${name}' holds ${values.length} values, not the ${n} its shape [${dims}] needs`);
      for (const v of values) if (!Number.isFinite(v)) throw new Error(`${file}: initializer '${name}' holds a value that is not finite`);
      weights.set(name, { dims, values });
    } else if (t.dataType === DataType.INT64) {
      if (raw && raw.length !== n * 8) throw new Error(`${file}: initializer '${name}' holds ${raw.length} bytes, not the ${n * 8} its shape [${dims}] needs`);
      const values = raw
        ? [...new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))].map(Number)
        : (t.int64Data ?? []).map(Number);
      if (values.length !== n) throw new Error(`${file}: initializer '${name}' holds ${values.length} values, not ${n}`);
      int64s.set(name, values);
    } else throw new Error(`${file}: initializer '${name}' has data type ${t.dataType}; an AlexNet has float32 weights only`);
  }
  const inputs = (graph.input ?? []).filter((v) => !weights.has(v.name ?? '') && !int64s.has(v.name ?? ''));
  if (inputs.length !== 1 || (graph.output ?? []).length !== 1)
    throw new Error(`${file}: ${inputs.length} inputs and ${(graph.output ?? []).length} outputs; an AlexNet has one image input and one output`);
  const input = inputs[0]!;
  const tensorType = input.type?.tensorType;
  if (tensorType?.elemType !== DataType.FLOAT) throw new Error(`${file}: input '${input.name}' is not float32`);
  const dims = (tensorType.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
  return {
    file,
    opset,
    nodes: graph.node.map((n) => nodeOf(n, file)),
    weights,
    int64s,
    input: { name: input.name ?? '', dims },
    output: graph.output![0]!.name ?? '',
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
  };
}
