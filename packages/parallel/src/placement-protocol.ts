import * as tf from '@tensorflow/tfjs';
import type { Transport } from './transport.js';

/**
 * What rank 0 tells a helper rank during training, as one small message: an
 * operation and four float64 arguments (float64 so a learning rate reaches every
 * rank bit for bit), carried in the transport's float32 arrays.
 */
export const OP = { gradients: 1, apply: 2, sync: 3, stop: 4 } as const;
export type Op = (typeof OP)[keyof typeof OP];

/** gradients: rows, offset of the rows in the micro-batch, micro-batch size, dropout step; apply: learning rate, micro-batches. */
export interface Command {
  op: Op;
  args: [number, number, number, number];
}

const HEADER_FLOATS = 10; // 5 float64 values

export async function sendCommand(transport: Transport, to: number, command: Command): Promise<void> {
  const header = new Float64Array([command.op, ...command.args]);
  await transport.send(to, new Float32Array(header.buffer));
}

export async function receiveCommand(transport: Transport): Promise<Command> {
  const received = await transport.receive(0, HEADER_FLOATS);
  // A copy: a float64 view needs an 8-byte-aligned buffer of its own.
  const [op, a, b, c, d] = new Float64Array(new Float32Array(received).buffer);
  if (!Object.values(OP).includes(op as Op)) throw new Error(`rank ${transport.rank}: unknown command ${op} from rank 0`);
  return { op: op as Op, args: [a!, b!, c!, d!] };
}

/** Sends tensors one message each, in order (the receiver knows their shapes). */
export async function sendTensors(transport: Transport, to: number, tensors: tf.Tensor[]): Promise<void> {
  for (const t of tensors) await transport.send(to, (await t.data()) as Float32Array);
}

export async function receiveTensors(transport: Transport, from: number, shapes: number[][]): Promise<tf.Tensor[]> {
  const out: tf.Tensor[] = [];
  for (const shape of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    out.push(tf.tensor(await transport.receive(from, size), shape, 'float32'));
  }
  return out;
}
