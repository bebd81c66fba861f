import { parentPort, workerData } from 'node:worker_threads';
import { assembleBatch, type PixelSettings } from './batch-assembly.js';
import type { BatchRequest } from './batch-plan.js';
import { PreparedSplit, type PreparedIndex } from './prepared-dataset.js';

/** A batch loader's worker thread: opens the split once, then builds the batches it is sent. */
export interface LoaderWorkerData {
  dir: string;
  split: string;
  /** The index the main thread validated: the worker opens the same split, not a re-read file. */
  index: PreparedIndex;
  pixel: PixelSettings;
}

export type LoaderWorkerReply = { id: number; xs: Float32Array; ys: Int32Array } | { id: number; error: string };

const { dir, split, index, pixel } = workerData as LoaderWorkerData;
const opened = PreparedSplit.open(dir, split, index);
// Reported on the first request, so the loader can name the failing file.
opened.catch(() => undefined);

export type LoaderWorkerMessage = { type: 'batch'; id: number; request: BatchRequest } | { type: 'close' };

parentPort!.on('message', async (message: LoaderWorkerMessage) => {
  if (message.type === 'close') {
    // Shard file descriptors belong to the process, not the thread: close them before leaving.
    (await opened.catch(() => undefined))?.close();
    parentPort!.close();
    return;
  }
  const { id, request } = message;
  try {
    const batch = await assembleBatch(await opened, request, pixel);
    // Transfer, not copy: the batch buffers move to the training thread.
    parentPort!.postMessage({ id, xs: batch.xs, ys: batch.ys } satisfies LoaderWorkerReply, [batch.xs.buffer as ArrayBuffer, batch.ys.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message } satisfies LoaderWorkerReply);
  }
});
