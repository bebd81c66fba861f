import { RankTimeoutError, type Transport } from './transport.js';

/** A message between a rank process and the coordinator (over fork's IPC channel, a local socket). */
export type ProcessMessage =
  | { kind: 'ready' }
  | { kind: 'start'; rank: number; size: number; timeoutMs: number; data: unknown }
  | { kind: 'send'; to: number; data: Float32Array }
  | { kind: 'deliver'; from: number; data: Float32Array }
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; error: string };

/**
 * A transport for a rank in its own process (one GPU per process: tfjs-node-gpu
 * keeps one device per process, chosen by CUDA_VISIBLE_DEVICES). Messages go
 * through the coordinator over fork's IPC channel, which carries typed arrays
 * as they are ('advanced' serialization); the coordinator forwards each to its
 * rank. Every receive has a timeout naming the rank it waits for.
 */
// Messages that arrive before the rank's transport exists wait here: a listener from the moment this
// module loads, so nothing the coordinator forwards is dropped.
const inbox = new Map<number, Float32Array[]>();
const waiting = new Map<number, Array<(data: Float32Array) => void>>();
if (typeof process.send === 'function') {
  process.on('message', (message: ProcessMessage) => {
    if (message.kind !== 'deliver') return;
    const next = waiting.get(message.from)?.shift();
    if (next) next(message.data);
    else inbox.set(message.from, [...(inbox.get(message.from) ?? []), message.data]);
  });
}

export function processTransport(rank: number, size: number, options: { timeoutMs?: number } = {}): Transport {
  if (typeof process.send !== 'function') throw new Error('processTransport: this process was not started as a rank (no IPC channel)');
  const timeoutMs = options.timeoutMs ?? 30_000;
  let bytesSent = 0;
  const next = (from: number) =>
    new Promise<Float32Array>((resolve, reject) => {
      const queued = inbox.get(from)?.shift();
      if (queued) return resolve(queued);
      const list = waiting.get(from) ?? [];
      waiting.set(from, list);
      const timer = setTimeout(() => {
        const i = list.indexOf(deliver);
        if (i >= 0) list.splice(i, 1);
        reject(new RankTimeoutError(rank, from, 'receive from', timeoutMs));
      }, timeoutMs);
      const deliver = (data: Float32Array) => {
        clearTimeout(timer);
        resolve(data);
      };
      list.push(deliver);
    });
  return {
    rank,
    size,
    get bytesSent() {
      return bytesSent;
    },
    async send(to, data) {
      const copy = new Float32Array(data);
      await new Promise<void>((resolve, reject) =>
        process.send!({ kind: 'send', to, data: copy } satisfies ProcessMessage, undefined, {}, (error) => (error ? reject(error) : resolve())),
      );
      bytesSent += 4 * data.length;
    },
    async receive(from, length) {
      const data = await next(from);
      if (data.length !== length) throw new Error(`rank ${rank}: rank ${from} sent ${data.length} floats where ${length} were expected`);
      return data;
    },
  };
}
