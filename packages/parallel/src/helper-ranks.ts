import type { ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { createThreadChannels, threadTransport } from './thread-transport.js';
import { Mailbox } from './mailbox.js';
import type { Transport } from './transport.js';
import { writeFrame } from './frame-socket.js';
import type { ProcessMessage } from './process-transport.js';
import { forkRank, routeFrames, socketOf } from './rank-processes.js';

export type TransportKind = 'threads' | 'processes';
export const TRANSPORT_KINDS: readonly TransportKind[] = ['threads', 'processes'];

export interface HelperRankOptions<T> {
  /** The module each helper rank runs (it calls rankContext()). */
  moduleUrl: string;
  /** All ranks, this one (rank 0) included. */
  size: number;
  transport: TransportKind;
  data: (rank: number) => T;
  /** How long a send or receive waits for another rank. Default 10 minutes (a full AlexNet step on a CPU is long). */
  timeoutMs?: number;
  /** Added to a helper process's environment (processes only): e.g. CUDA_VISIBLE_DEVICES. */
  env?: (rank: number) => Record<string, string>;
}

export interface HelperRanks {
  /** Rank 0's transport: every send and receive fails at once when a helper has failed. */
  transport: Transport;
  /** Rejects, naming the rank and the cause, when a helper fails, exits or is killed before close(). */
  failed: Promise<never>;
  /** Waits up to `graceMs` for the helpers to finish on their own (they were told to), then stops them. */
  close(graceMs?: number): Promise<void>;
}

/** Starts a worker thread on a module: built code runs `.js`; from TypeScript sources (tests, tsx) through tsx. */
export function startWorker(moduleUrl: string, data: unknown): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(moduleUrl), { workerData: data });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

/**
 * Makes this thread rank 0 of `size` ranks and starts ranks 1 … size − 1 as
 * worker threads or child processes running `moduleUrl`. Rank 0 keeps its own
 * engine, loader and files; the helpers compute. A helper that fails stops the
 * job: `failed` rejects and rank 0's pending exchanges reject with the same error.
 */
export function startHelperRanks<T>(options: HelperRankOptions<T>): HelperRanks {
  const { size } = options;
  if (!(Number.isInteger(size) && size >= 2)) throw new Error(`startHelperRanks: size must be an integer ≥ 2, got ${size}`);
  const timeoutMs = options.timeoutMs ?? 600_000;
  let fail!: (error: Error) => void;
  let closing = false;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined); // Observed through the transport or by the caller.
  // Stops rank 0's own waits (and their timers) once the job is over, failed or closed.
  const over = new AbortController();
  const failure = (rank: number, cause: string) => {
    if (closing) return;
    const error = new Error(`rank ${rank} failed: ${cause}`);
    fail(error);
    over.abort(error);
  };
  const started =
    options.transport === 'threads' ? threadHelpers(options, timeoutMs, failure, over.signal) : processHelpers(options, timeoutMs, failure, over.signal);
  return {
    transport: failFast(started.transport, failed),
    failed,
    async close(graceMs = 5_000) {
      closing = true;
      over.abort(new Error('the ranks were closed'));
      await started.stop(graceMs);
    },
  };
}

type Failure = (rank: number, cause: string) => void;
interface Started {
  transport: Transport;
  stop(graceMs: number): Promise<void>;
}

function threadHelpers<T>(options: HelperRankOptions<T>, timeoutMs: number, failure: Failure, signal: AbortSignal): Started {
  const channels = createThreadChannels(options.size);
  const workers = Array.from({ length: options.size - 1 }, (_, i) => {
    const rank = i + 1;
    const worker = startWorker(options.moduleUrl, { rank, size: options.size, channels, timeoutMs, data: options.data(rank) });
    let reported = false;
    worker.on('message', (message: { result?: unknown; error?: string }) => {
      if (message.error !== undefined) failure(rank, message.error);
      else reported = true;
    });
    worker.on('error', (error) => failure(rank, error.message));
    worker.on('exit', (code) => {
      if (!reported) failure(rank, `exited with code ${code}`);
    });
    return { worker, exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())) };
  });
  return {
    transport: threadTransport(channels, 0, { timeoutMs, signal }),
    async stop(graceMs) {
      await Promise.race([Promise.all(workers.map((w) => w.exited)), new Promise((r) => setTimeout(r, graceMs).unref())]);
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}

function processHelpers<T>(options: HelperRankOptions<T>, timeoutMs: number, failure: Failure, signal: AbortSignal): Started {
  const { size } = options;
  // Rank 0's mailbox: what each helper sent it, and receives waiting for one.
  const mailbox = new Mailbox();
  const children = new Map<number, ChildProcess>();
  for (let rank = 1; rank < size; rank++) {
    const child = forkRank(options.moduleUrl, options.env?.(rank) ?? {});
    children.set(rank, child);
    let reported = false;
    child.on('message', (message: ProcessMessage) => {
      if (message.kind === 'ready') child.send({ kind: 'start', rank, size, timeoutMs, data: options.data(rank) } satisfies ProcessMessage);
      else if (message.kind === 'result') reported = true;
      else if (message.kind === 'error') failure(rank, message.error);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // A broken channel means the rank is gone: its 'exit' names how.
      if (error.code === 'EPIPE' || error.code === 'ERR_IPC_CHANNEL_CLOSED') return;
      failure(rank, error.message);
    });
    child.on('exit', (code, sig) => {
      if (!reported) failure(rank, `exited ${sig ? `on ${sig}` : `with code ${code}`}${sig === 'SIGKILL' ? ' (killed, or out of memory)' : ''}`);
    });
  }
  routeFrames(children, (rank, error) => failure(rank, error.message), {
    rank: 0,
    onFrame: (from, data) => mailbox.deliver(from, data),
  });
  let bytesSent = 0;
  const transport: Transport = {
    rank: 0,
    size,
    get bytesSent() {
      return bytesSent;
    },
    // Resolves once the array is handed to the operating system: this thread may go on to compute for
    // seconds without turning the event loop, and an unwritten array would wait for it.
    async send(to, data) {
      const child = children.get(to);
      if (!child) throw new Error(`rank 0: there is no rank ${to}`);
      const socket = socketOf(child);
      // A rank that has just died: its exit, reported as the failure, is the cause to name.
      if (!socket.destroyed) await writeFrame(socket, 0, data).catch(() => undefined);
      bytesSent += 4 * data.length;
    },
    receive: (from, length) => mailbox.receive(0, from, length, { timeoutMs, signal }),
  };
  const exits = [...children.values()].map(
    (child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))),
  );
  return {
    transport,
    async stop(graceMs) {
      await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, graceMs).unref())]);
      for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(exits);
    },
  };
}

/** A transport whose every send and receive also rejects as soon as `failed` does. */
function failFast(inner: Transport, failed: Promise<never>): Transport {
  return {
    rank: inner.rank,
    size: inner.size,
    get bytesSent() {
      return inner.bytesSent;
    },
    send: (to, data) => Promise.race([inner.send(to, data), failed]),
    receive: (from, length) => Promise.race([inner.receive(from, length), failed]),
  };
}
