import type { Readable, Writable } from 'node:stream';

/**
 * Float32 arrays over a byte stream (a rank process's extra socket, fd 4), as
 * frames: [peer: int32, floats: int32, payload]. Raw bytes instead of fork's
 * IPC channel, whose V8 serialisation moves 120 MB 2–4× slower here — and a
 * data-parallel AlexNet step moves 244 MB per rank.
 */
export const RANK_SOCKET_FD = 4;
const HEADER_BYTES = 8;
/** The largest frame a reader accepts: 2^30 floats (4 GiB), more than any weight or batch here. */
const MAX_FLOATS = 2 ** 30;

/** Calls `onFrame` for each complete frame read from `stream`, in order. */
export function readFrames(stream: Readable, onFrame: (peer: number, data: Float32Array) => void, onError: (error: Error) => void): void {
  const header = new Uint8Array(HEADER_BYTES);
  let headerFill = 0;
  let peer = 0;
  let payload: Uint8Array | undefined;
  let payloadFill = 0;
  stream.on('data', (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (payload === undefined) {
        const take = Math.min(HEADER_BYTES - headerFill, chunk.length - at);
        header.set(chunk.subarray(at, at + take), headerFill);
        headerFill += take;
        at += take;
        if (headerFill < HEADER_BYTES) return;
        const view = new DataView(header.buffer);
        peer = view.getInt32(0, true);
        const floats = view.getInt32(4, true);
        headerFill = 0;
        if (floats < 0 || floats > MAX_FLOATS) {
          stream.destroy();
          return onError(new Error(`a frame of ${floats} floats from rank ${peer} is not one this transport sends`));
        }
        payload = new Uint8Array(4 * floats);
        payloadFill = 0;
      }
      const take = Math.min(payload.length - payloadFill, chunk.length - at);
      payload.set(chunk.subarray(at, at + take), payloadFill);
      payloadFill += take;
      at += take;
      if (payloadFill === payload.length) {
        const done = new Float32Array(payload.buffer);
        payload = undefined;
        onFrame(peer, done);
      }
    }
  });
}

/** Writes one frame; resolves once it is handed to the operating system (the array may then change). */
export function writeFrame(stream: Writable, peer: number, data: Float32Array): Promise<void> {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeInt32LE(peer, 0);
  header.writeInt32LE(data.length, 4);
  return new Promise<void>((resolve, reject) => {
    stream.write(header);
    stream.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength), (error) => (error ? reject(error) : resolve()));
  });
}
