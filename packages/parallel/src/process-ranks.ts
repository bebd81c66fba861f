import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProcessMessage } from './process-transport.js';

/**
 * Runs `moduleUrl` as `size` rank processes (fork, IPC over a local socket),
 * each with `env(rank)` added to its environment — e.g. CUDA_VISIBLE_DEVICES=rank
 * for one GPU per process. The coordinator forwards the ranks' messages. Inside,
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
  const path = fileURLToPath(moduleUrl);
  // From TypeScript sources (tests, tsx) the rank runs through tsx; built code runs as it is.
  const execArgv = path.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const children: ChildProcess[] = Array.from({ length: size }, (_, rank) =>
    fork(path, [], {
      execArgv,
      serialization: 'advanced',
      env: { ...process.env, ...(options.env?.(rank) ?? {}) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const results = new Array<R>(size);
  // A rank's messages wait here until it says it is ready (it could not hear them before).
  const ready = new Array<boolean>(size).fill(false);
  const pending = Array.from({ length: size }, () => [] as ProcessMessage[]);
  // A send to a rank that has just died fails (EPIPE): its exit, reported below, is the cause to name.
  const deliver = (child: ChildProcess, message: ProcessMessage) => {
    if (child.connected) child.send(message, () => undefined);
  };
  const forward = (to: number, message: ProcessMessage) => {
    if (ready[to]) deliver(children[to]!, message);
    else pending[to]?.push(message);
  };
  try {
    await Promise.all(
      children.map(
        (child, rank) =>
          new Promise<void>((resolve, reject) => {
            let reported = false;
            child.on('message', (message: ProcessMessage) => {
              // The rank asks for its start once it listens, so the message cannot arrive before it does.
              if (message.kind === 'ready')
                child.send({ kind: 'start', rank, size, timeoutMs: options.timeoutMs ?? 30_000, data: data(rank) } satisfies ProcessMessage);
              else if (message.kind === 'send') children[message.to]?.send({ kind: 'deliver', from: rank, data: message.data } satisfies ProcessMessage);
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
