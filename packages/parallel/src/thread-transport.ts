import { RankTimeoutError, type Transport } from './transport.js';

// Atomics.waitAsync (ES2024) is in Node 16+; the project's lib is ES2022.
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeout: number,
) => { async: boolean; value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out' };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Header of one mailbox: [state, length]; state 0 = empty, 1 = full. */
const STATE = 0;
const LENGTH = 1;
const HEADER_BYTES = 8;

/** Shared memory for every ordered pair of ranks (from → to), made once and handed to each thread. */
export interface ThreadChannels {
  size: number;
  /** Floats one mailbox holds; longer messages go in several parts. */
  capacity: number;
  /** mailboxes[from * size + to]. */
  mailboxes: SharedArrayBuffer[];
}

export function createThreadChannels(size: number, capacity = 1 << 20): ThreadChannels {
  if (!(Number.isInteger(size) && size >= 1)) throw new Error(`createThreadChannels: size must be a positive integer, got ${size}`);
  const mailboxes = Array.from({ length: size * size }, () => new SharedArrayBuffer(HEADER_BYTES + 4 * capacity));
  return { size, capacity, mailboxes };
}

/**
 * A transport between worker threads over SharedArrayBuffer mailboxes, one per
 * direction and pair: the sender copies into the mailbox and flags it full, the
 * receiver copies out and flags it empty, both waiting with Atomics.waitAsync so
 * a rank can send and receive at once (a ring step does both). Every wait has a
 * timeout that names the rank it was waiting for.
 */
export function threadTransport(channels: ThreadChannels, rank: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Transport {
  const { size, capacity } = channels;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const box = (from: number, to: number) => {
    const buffer = channels.mailboxes[from * size + to]!;
    return { header: new Int32Array(buffer, 0, 2), data: new Float32Array(buffer, HEADER_BYTES, capacity) };
  };
  // Wait until header[STATE] is no longer `value`.
  const waitWhile = async (header: Int32Array, value: number, peer: number, what: 'send to' | 'receive from') => {
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(header, STATE) === value) {
      const left = deadline - Date.now();
      if (left <= 0) throw new RankTimeoutError(rank, peer, what, timeoutMs);
      const waited = waitAsync(header, STATE, value, left);
      if (!waited.async) continue;
      // A pending waitAsync does not keep Node's event loop alive: without a timer a rank whose
      // only work is this wait would exit.
      const keepAlive = setTimeout(() => undefined, left);
      // An aborted job (another rank failed, or it was closed) stops waiting at once.
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(options.signal!.reason);
        if (options.signal?.aborted) onAbort();
        else options.signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => undefined);
      try {
        await (options.signal ? Promise.race([waited.value, aborted]) : waited.value);
      } finally {
        clearTimeout(keepAlive);
        if (onAbort) options.signal?.removeEventListener('abort', onAbort);
      }
    }
  };
  let bytesSent = 0;
  return {
    rank,
    size,
    get bytesSent() {
      return bytesSent;
    },
    async send(to, message) {
      const { header, data } = box(rank, to);
      for (let at = 0; at < message.length || at === 0; at += capacity) {
        await waitWhile(header, 1, to, 'send to');
        const part = message.subarray(at, Math.min(message.length, at + capacity));
        data.set(part);
        Atomics.store(header, LENGTH, part.length);
        Atomics.store(header, STATE, 1);
        Atomics.notify(header, STATE);
        bytesSent += 4 * part.length;
        if (message.length === 0) break;
      }
    },
    async receive(from, length) {
      const { header, data } = box(from, rank);
      const out = new Float32Array(length);
      for (let at = 0; at < length || at === 0;) {
        await waitWhile(header, 0, from, 'receive from');
        const n = Atomics.load(header, LENGTH);
        if (at + n > length) throw new Error(`rank ${rank}: rank ${from} sent ${at + n} floats where ${length} were expected`);
        out.set(data.subarray(0, n), at);
        at += n;
        Atomics.store(header, STATE, 0);
        Atomics.notify(header, STATE);
        if (length === 0) break;
      }
      return out;
    },
  };
}
