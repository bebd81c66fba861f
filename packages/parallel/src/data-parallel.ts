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
  const sizes = names.map((n) => grads[n]!.size);
  const flat = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const [i, name] of names.entries()) {
    flat.set(await grads[name]!.data<'float32'>(), at);
    at += sizes[i]!;
  }
  await ringAllReduce(transport, flat);
  const scale = 1 / transport.size;
  for (let i = 0; i < flat.length; i++) flat[i]! *= scale;
  const out: tf.NamedTensorMap = {};
  at = 0;
  for (const [i, name] of names.entries()) {
    out[name] = tf.tensor(flat.subarray(at, at + sizes[i]!), grads[name]!.shape, 'float32');
    at += sizes[i]!;
  }
  return out;
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
