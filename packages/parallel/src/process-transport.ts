import { Socket } from 'node:net';
import { RANK_SOCKET_FD, readFrames, writeFrame } from './frame-socket.js';
import { Mailbox } from './mailbox.js';
import type { Transport } from './transport.js';

/** A message between a rank process and the coordinator (over fork's IPC channel, a local socket). */
export type ProcessMessage =
  | { kind: 'ready' }
  | { kind: 'start'; rank: number; size: number; timeoutMs: number; data: unknown }
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; error: string };

/** Set by the runners in a rank process's environment: its data socket is this fd. */
export const RANK_SOCKET_ENV = 'ALEXNET_RANK_SOCKET_FD';

/**
 * A transport for a rank in its own process (one GPU per process: tfjs-node-gpu
 * keeps one device per process, chosen by CUDA_VISIBLE_DEVICES). Arrays go as
 * raw frames over a socket to the coordinator (fd 4, beside fork's IPC channel,
 * which carries only the start, the result and errors); the coordinator
 * forwards each to its rank. Every receive has a timeout naming the rank it
 * waits for.
 */
// Frames that arrive before the rank's transport exists wait here: read from the moment this
// module loads, so nothing the coordinator forwards is dropped.
const mailbox = new Mailbox();
let socket: Socket | undefined;
if (typeof process.send === 'function' && process.env[RANK_SOCKET_ENV] === String(RANK_SOCKET_FD)) {
  socket = new Socket({ fd: RANK_SOCKET_FD, readable: true, writable: true });
  // Waits keep the process alive through their timers; the socket alone does not.
  socket.unref();
  readFrames(
    socket,
    (from, data) => mailbox.deliver(from, data),
    (error) => {
      console.error(`rank process: ${error.message}`);
      process.exit(1);
    },
  );
}

export function processTransport(rank: number, size: number, options: { timeoutMs?: number } = {}): Transport {
  if (typeof process.send !== 'function' || socket === undefined)
    throw new Error('processTransport: this process was not started as a rank (no IPC channel and rank socket)');
  const out = socket;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let bytesSent = 0;
  return {
    rank,
    size,
    get bytesSent() {
      return bytesSent;
    },
    async send(to, data) {
      await writeFrame(out, to, data);
      bytesSent += 4 * data.length;
    },
    receive: (from, length) => mailbox.receive(rank, from, length, { timeoutMs }),
  };
}
