import { RankTimeoutError } from './transport.js';

/**
 * Arrays that arrived from other ranks, per sender, and the receives waiting
 * for them: the receiving side of a transport whose arrays come in as events
 * (a socket's frames). A receive waits at most `timeoutMs`, and no longer once
 * `signal` (the job is over) fires.
 */
export class Mailbox {
  private readonly inbox = new Map<number, Float32Array[]>();
  private readonly waiting = new Map<number, Array<(data: Float32Array) => void>>();

  deliver(from: number, data: Float32Array): void {
    const next = this.waiting.get(from)?.shift();
    if (next) next(data);
    else this.inbox.set(from, [...(this.inbox.get(from) ?? []), data]);
  }

  /** The next array from `from`, exactly `length` floats long, as rank `rank` receives it. */
  receive(rank: number, from: number, length: number, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Float32Array> {
    const { timeoutMs, signal } = options;
    return new Promise<Float32Array>((resolve, reject) => {
      const check = (data: Float32Array) => {
        if (data.length !== length) reject(new Error(`rank ${rank}: rank ${from} sent ${data.length} floats where ${length} were expected`));
        else resolve(data);
      };
      const queued = this.inbox.get(from)?.shift();
      if (queued) return check(queued);
      if (signal?.aborted) return reject(signal.reason);
      const list = this.waiting.get(from) ?? [];
      this.waiting.set(from, list);
      const forget = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = list.indexOf(arrive);
        if (i >= 0) list.splice(i, 1);
      };
      const timer = setTimeout(() => {
        forget();
        reject(new RankTimeoutError(rank, from, 'receive from', timeoutMs));
      }, timeoutMs);
      const onAbort = () => {
        forget();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const arrive = (data: Float32Array) => {
        forget();
        check(data);
      };
      list.push(arrive);
    });
  }
}
