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
