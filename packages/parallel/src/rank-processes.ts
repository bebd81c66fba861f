import { fork, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { RANK_SOCKET_FD, readFrames, writeFrame } from './frame-socket.js';
import { RANK_SOCKET_ENV } from './process-transport.js';

/**
 * Forks a rank process on `moduleUrl`: fork's IPC channel for its start,
 * result and errors, and a socket on fd 4 for its arrays. From TypeScript
 * sources (tests, tsx) it runs through tsx; built code runs as it is.
 */
export function forkRank(moduleUrl: string, env: Record<string, string>): ChildProcess {
  const path = fileURLToPath(moduleUrl);
  return fork(path, [], {
    execArgv: path.endsWith('.ts') ? ['--import', 'tsx'] : [],
    serialization: 'advanced',
    env: { ...process.env, ...env, [RANK_SOCKET_ENV]: String(RANK_SOCKET_FD) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  });
}

export const socketOf = (child: ChildProcess) => child.stdio[RANK_SOCKET_FD] as Duplex;

/**
 * Forwards the rank processes' frames: one from rank r addressed to rank t goes
 * to t, marked as from r. Frames addressed to `own` (the coordinator's own rank,
 * when it is one) go to `onOwn`. A send to a rank that has just died is dropped:
 * its exit is the cause to report.
 */
export function routeFrames(
  children: Map<number, ChildProcess>,
  onError: (rank: number, error: Error) => void,
  own?: { rank: number; onFrame: (from: number, data: Float32Array) => void },
): void {
  for (const [rank, child] of children) {
    const socket = socketOf(child);
    socket.on('error', () => undefined); // A dead rank's socket: its exit is reported.
    readFrames(
      socket,
      (to, data) => {
        if (own && to === own.rank) return own.onFrame(rank, data);
        const target = children.get(to);
        if (!target) return onError(rank, new Error(`sent a frame to rank ${to}, which does not exist`));
        if (!socketOf(target).destroyed) writeFrame(socketOf(target), rank, data).catch(() => undefined);
      },
      (error) => onError(rank, error),
    );
  }
}
