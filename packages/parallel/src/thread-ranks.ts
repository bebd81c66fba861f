import { parentPort, workerData } from 'node:worker_threads';
import { startWorker } from './helper-ranks.js';
import { createThreadChannels, threadTransport, type ThreadChannels } from './thread-transport.js';
import type { Transport } from './transport.js';
import { processTransport, type ProcessMessage } from './process-transport.js';

interface RankData<T> {
  rank: number;
  size: number;
  channels: ThreadChannels;
  timeoutMs: number;
  data: T;
}

/**
 * Runs `moduleUrl` as `size` ranks, one worker thread each, joined by a thread
 * transport. Each rank's module calls `rankContext()` for its rank, transport
 * and data, and `reportResult(value)` once. Resolves to the results in rank
 * order. A rank that throws, exits or is killed stops the others and rejects
 * with its rank and cause; a rank waiting on a dead one times out.
 */
export async function runThreadRanks<T, R>(moduleUrl: string, size: number, data: (rank: number) => T, options: { timeoutMs?: number } = {}): Promise<R[]> {
  const channels = createThreadChannels(size);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const workers = Array.from({ length: size }, (_, rank) =>
    startWorker(moduleUrl, { rank, size, channels, timeoutMs, data: data(rank) } satisfies RankData<T>),
  );
  const results = new Array<R>(size);
  try {
    await Promise.all(
      workers.map(
        (worker, rank) =>
          new Promise<void>((resolve, reject) => {
            let reported = false;
            worker.on('message', (message: { result?: R; error?: string }) => {
              if (message.error !== undefined) reject(new Error(`rank ${rank} failed: ${message.error}`));
              else {
                results[rank] = message.result as R;
                reported = true;
                resolve();
              }
            });
            worker.on('error', (error) => reject(new Error(`rank ${rank} failed: ${error.message}`)));
            worker.on('exit', (code) => {
              if (!reported) reject(new Error(`rank ${rank} exited with code ${code} before reporting a result`));
            });
          }),
      ),
    );
    return results;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * Inside a rank's module, in a worker thread (runThreadRanks) or a process
 * (runProcessRanks): its rank, the world size, its transport and its data.
 */
export async function rankContext<T>(): Promise<{ rank: number; size: number; transport: Transport; data: T }> {
  if (workerData && (workerData as RankData<T>).channels) {
    const d = workerData as RankData<T>;
    return { rank: d.rank, size: d.size, transport: threadTransport(d.channels, d.rank, { timeoutMs: d.timeoutMs }), data: d.data };
  }
  if (typeof process.send !== 'function') throw new Error('rankContext: not started by runThreadRanks or runProcessRanks');
  const start = await new Promise<Extract<ProcessMessage, { kind: 'start' }>>((resolve) => {
    const onMessage = (message: ProcessMessage) => {
      if (message.kind !== 'start') return;
      process.off('message', onMessage);
      resolve(message);
    };
    process.on('message', onMessage);
    process.send!({ kind: 'ready' } satisfies ProcessMessage);
  });
  return { rank: start.rank, size: start.size, transport: processTransport(start.rank, start.size, { timeoutMs: start.timeoutMs }), data: start.data as T };
}

/** Inside a rank's module: reports its result (once), or the error that stopped it. */
export function reportResult(result: unknown): void {
  if (parentPort) parentPort.postMessage({ result });
  else process.send!({ kind: 'result', result } satisfies ProcessMessage);
}

export function reportError(error: unknown): void {
  const text = error instanceof Error ? error.message : String(error);
  if (parentPort) parentPort.postMessage({ error: text });
  else process.send!({ kind: 'error', error: text } satisfies ProcessMessage);
}
