import onnxProto from 'onnx-proto';

/** The ONNX protobuf messages (onnx-proto: protobufjs code generated from onnx.proto, IR version 8). */
export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

/** A float32 initializer; `raw` bytes little-endian, as torch.onnx writes them. */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): TensorProto {
  const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

/** An int64 initializer (Split's sizes). */
export function int64Tensor(name: string, values: readonly number[]): TensorProto {
  const data = new BigInt64Array(values.map(BigInt));
  return { name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

type AttributeValue = number | readonly number[] | { float: number };

/** ONNX attributes from plain values: integers and integer lists, `{ float }` for floats. */
export function attributes(values: Record<string, AttributeValue>): AttributeProto[] {
  return Object.entries(values).map(([name, value]) => {
    if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
    if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
    return { name, type: AttributeType.INTS, ints: [...value] };
  });
}

/** A graph input or output: float32 with the batch dimension named. */
export function floatValue(name: string, dims: ReadonlyArray<number | string>) {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
