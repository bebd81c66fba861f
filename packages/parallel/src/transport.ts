/**
 * How ranks (devices: an engine in its own thread or process) exchange tensors.
 * Every transport counts what it sends, so a placement's communication can be
 * compared with its formula (GUIDE §2).
 */
export interface Transport {
  readonly rank: number;
  readonly size: number;
  /** Sends a copy of `data` to rank `to`; resolves when it is handed over (not necessarily read). */
  send(to: number, data: Float32Array): Promise<void>;
  /** The next message from rank `from`, exactly `length` floats long. */
  receive(from: number, length: number): Promise<Float32Array>;
  /** Bytes this rank has sent so far. */
  readonly bytesSent: number;
}

/** A wait that ran out: the rank waited for names the one that did not answer. */
export class RankTimeoutError extends Error {
  constructor(rank: number, peer: number, what: 'send to' | 'receive from', ms: number) {
    super(`rank ${rank}: could not ${what} rank ${peer} within ${ms} ms (is rank ${peer} still running?)`);
    this.name = 'RankTimeoutError';
  }
}

/**
 * The same transport, also timing the wall time during which at least one of
 * its sends or receives is pending: communication, including waiting for the
 * other rank (a step's imbalance shows up here too).
 */
export function timedTransport(inner: Transport): Transport & { readonly waitMs: number } {
  let pending = 0;
  let since = 0;
  let waitMs = 0;
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    if (pending++ === 0) since = performance.now();
    try {
      return await work();
    } finally {
      if (--pending === 0) waitMs += performance.now() - since;
    }
  };
  return {
    rank: inner.rank,
    size: inner.size,
    get bytesSent() {
      return inner.bytesSent;
    },
    get waitMs() {
      return waitMs;
    },
    send: (to, data) => timed(() => inner.send(to, data)),
    receive: (from, length) => timed(() => inner.receive(from, length)),
  };
}
