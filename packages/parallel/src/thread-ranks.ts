import { parentPort, Worker, workerData } from 'node:worker_threads';
import { createThreadChannels, threadTransport, type ThreadChannels } from './thread-transport.js';
import type { Transport } from './transport.js';

interface RankData<T> {
  rank: number;
  size: number;
  channels: ThreadChannels;
  timeoutMs: number;
  data: T;
}

/** Starts a worker thread on a module: built code runs `.js`; from TypeScript sources (tests, tsx) through tsx. */
function startWorker(moduleUrl: string, data: unknown): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(moduleUrl), { workerData: data });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
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

/** Inside a rank's module: its rank, the world size, its transport and the data it was given. */
export function rankContext<T>(): { rank: number; size: number; transport: Transport; data: T } {
  const d = workerData as RankData<T>;
  return { rank: d.rank, size: d.size, transport: threadTransport(d.channels, d.rank, { timeoutMs: d.timeoutMs }), data: d.data };
}

/** Inside a rank's module: reports its result (once), or the error that stopped it. */
export function reportResult(result: unknown): void {
  parentPort!.postMessage({ result });
}

export function reportError(error: unknown): void {
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
