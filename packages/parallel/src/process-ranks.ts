import type { ChildProcess } from 'node:child_process';
import type { ProcessMessage } from './process-transport.js';
import { forkRank, routeFrames } from './rank-processes.js';

/**
 * Runs `moduleUrl` as `size` rank processes (fork: IPC for control, a socket for
 * arrays), each with `env(rank)` added to its environment — e.g.
 * CUDA_VISIBLE_DEVICES=rank for one GPU per process. The coordinator forwards the
 * ranks' arrays. Inside,
 * `rankContext()` gives the rank, its transport and data, `reportResult` the
 * result. Resolves to the results in rank order; a rank that fails, exits or is
 * killed stops the others and rejects with its rank and cause.
 */
export async function runProcessRanks<T, R>(
  moduleUrl: string,
  size: number,
  data: (rank: number) => T,
  options: { timeoutMs?: number; env?: (rank: number) => Record<string, string> } = {},
): Promise<R[]> {
  const children: ChildProcess[] = Array.from({ length: size }, (_, rank) => forkRank(moduleUrl, options.env?.(rank) ?? {}));
  const results = new Array<R>(size);
  let routingError: ((error: Error) => void) | undefined;
  routeFrames(new Map(children.map((c, rank) => [rank, c])), (rank, error) => routingError?.(new Error(`rank ${rank} failed: ${error.message}`)));
  try {
    await Promise.all(
      children.map(
        (child, rank) =>
          new Promise<void>((resolve, reject) => {
            routingError ??= reject;
            let reported = false;
            child.on('message', (message: ProcessMessage) => {
              // The rank asks for its start once it listens, so the message cannot arrive before it does.
              if (message.kind === 'ready')
                child.send({ kind: 'start', rank, size, timeoutMs: options.timeoutMs ?? 30_000, data: data(rank) } satisfies ProcessMessage);
              else if (message.kind === 'result') {
                results[rank] = message.result as R;
                reported = true;
                resolve();
              } else if (message.kind === 'error') reject(new Error(`rank ${rank} failed: ${message.error}`));
            });
            child.on('error', (error: NodeJS.ErrnoException) => {
              // A broken IPC channel means the rank is gone: its 'exit' names how.
              if (error.code === 'EPIPE' || error.code === 'ERR_IPC_CHANNEL_CLOSED') return;
              reject(new Error(`rank ${rank} failed: ${error.message}`));
            });
            child.on('exit', (code, signal) => {
              if (!reported) reject(new Error(`rank ${rank} exited ${signal ? `on ${signal}` : `with code ${code}`} before reporting a result`));
            });
          }),
      ),
    );
    return results;
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
