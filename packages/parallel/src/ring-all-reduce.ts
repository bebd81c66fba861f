import type { Transport } from './transport.js';

/** The [start, end) of chunk c when n floats are cut into `parts` nearly equal chunks. */
function chunk(n: number, parts: number, c: number): [number, number] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  const start = c * base + Math.min(c, extra);
  return [start, start + base + (c < extra ? 1 : 0)];
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/**
 * Sums `data` across all ranks, in place, with a ring: N − 1 reduce-scatter
 * steps (each rank ends owning the sum of one chunk) and N − 1 all-gather steps
 * (the sums go round). Each rank sends 2(N − 1)/N of the array — the minimum
 * for an all-reduce — and only to its right neighbour. Every rank must call it
 * with arrays of the same length, in the same order.
 */
export async function ringAllReduce(transport: Transport, data: Float32Array): Promise<Float32Array> {
  const { rank, size } = transport;
  if (size === 1) return data;
  const right = mod(rank + 1, size);
  const left = mod(rank - 1, size);
  const span = (c: number) => chunk(data.length, size, mod(c, size));
  for (let step = 0; step < size - 1; step++) {
    const [sendStart, sendEnd] = span(rank - step);
    const [recvStart, recvEnd] = span(rank - step - 1);
    const [, received] = await Promise.all([transport.send(right, data.subarray(sendStart, sendEnd)), transport.receive(left, recvEnd - recvStart)]);
    for (let i = 0; i < received.length; i++) data[recvStart + i]! += received[i]!;
  }
  for (let step = 0; step < size - 1; step++) {
    const [sendStart, sendEnd] = span(rank + 1 - step);
    const [recvStart, recvEnd] = span(rank - step);
    const [, received] = await Promise.all([transport.send(right, data.subarray(sendStart, sendEnd)), transport.receive(left, recvEnd - recvStart)]);
    data.set(received, recvStart);
  }
  return data;
}
