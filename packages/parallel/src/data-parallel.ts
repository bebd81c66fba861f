import * as tf from '@tensorflow/tfjs';
import { ringAllReduce } from './ring-all-reduce.js';
import type { Transport } from './transport.js';

/**
 * Data parallelism's one seam (between "gradients computed" and "gradients
 * applied"): every rank's gradients — each the mean over its own equal share of
 * the batch — are summed across ranks with a ring all-reduce and divided by the
 * number of ranks, so every rank applies the mean over the whole batch, as one
 * device would. Variables are taken in name order, the same on every rank.
 * The returned tensors are new; the given ones are left to the caller.
 */
export async function averageGradients(transport: Transport, grads: tf.NamedTensorMap): Promise<tf.NamedTensorMap> {
  const names = Object.keys(grads).sort();
  const { tensors } = await allReduceTensors(
    transport,
    names.map((n) => grads[n]!),
    { scale: 1 / transport.size },
  );
  return Object.fromEntries(names.map((n, i) => [n, tensors[i]!]));
}

/**
 * The sum over all ranks of each tensor, and of a few plain numbers besides
 * (`extras`: a loss, a count), by one ring all-reduce over their concatenation.
 * Every rank must pass the same shapes in the same order. The sums come back
 * as new tensors (multiplied by `scale`, if given) and numbers; the given
 * tensors are left to the caller.
 */
export async function allReduceTensors(
  transport: Transport,
  tensors: tf.Tensor[],
  options: { scale?: number; extras?: number[] } = {},
): Promise<{ tensors: tf.Tensor[]; extras: number[] }> {
  const extras = options.extras ?? [];
  const total = tensors.reduce((n, t) => n + t.size, 0);
  const flat = new Float32Array(total + extras.length);
  let at = 0;
  for (const t of tensors) {
    flat.set((await t.data()) as Float32Array, at);
    at += t.size;
  }
  flat.set(extras, at);
  await ringAllReduce(transport, flat);
  if (options.scale !== undefined) for (let i = 0; i < total; i++) flat[i]! *= options.scale;
  at = 0;
  const summed = tensors.map((t) => {
    const out = tf.tensor(flat.subarray(at, at + t.size), t.shape, 'float32');
    at += t.size;
    return out;
  });
  return { tensors: summed, extras: Array.from(flat.subarray(total)) };
}

/** Bytes a ring all-reduce of `floats` float32 values sends per rank: 2(N − 1)/N of them (chunks rounded). */
export function ringAllReduceBytes(floats: number, size: number): number {
  if (size === 1) return 0;
  const base = Math.floor(floats / size);
  const extra = floats % size;
  const chunk = (c: number) => base + (c < extra ? 1 : 0);
  // A rank sends chunks rank, rank−1, … in reduce-scatter and rank+1, rank, … in all-gather; summed over ranks it is exact.
  let total = 0;
  for (let c = 0; c < size; c++) total += chunk(c);
  return (2 * (size - 1) * total * 4) / size;
}
