import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { assembleBatch, type AssembledBatch, type PixelSettings } from './batch-assembly.js';
import { epochOrder, planBatch, type AugmentPlan, type BatchRequest } from './batch-plan.js';
import { readDatasetStats } from './dataset-stats.js';
import type { LoaderWorkerData, LoaderWorkerMessage, LoaderWorkerReply } from './loader-worker.js';
import { PreparedSplit, readPreparedIndex, type PreparedIndex } from './prepared-dataset.js';
import { startModuleWorker } from './worker-thread.js';

export interface LoaderOptions {
  /** Default 'train'. */
  split?: string;
  batchSize: number;
  /** Side of the square crops fed to the network (224 in the paper's text, 227 in its arithmetic). */
  crop: number;
  /** Random crops and mirrors (§4.1). Default: true for 'train', false otherwise (center crop). */
  augment?: boolean;
  /** Reshuffle every epoch. Default: same as augment. */
  shuffle?: boolean;
  seed?: number;
  /** Subtract the per-pixel mean image (the paper), the per-channel mean, or nothing. Default 'image'. */
  mean?: 'image' | 'channel' | 'none';
  /** σ of PCA lighting, or false. Default 0.1 when augmenting, else off. */
  lighting?: number | false;
  /** Multiplies each value after the mean is subtracted. Default 1. */
  scale?: number;
  /** Worker threads that read and augment ahead of training; 0 = in this thread. Default: cores − 1, at least 1. */
  workers?: number;
  /** Batches in flight ahead of the one being consumed. Default 2 per worker. */
  prefetch?: number;
  /** Drop the last, smaller batch. Default: same as shuffle. */
  dropRemainder?: boolean;
}

export interface Batch {
  xs: tf.Tensor4D;
  ys: tf.Tensor1D;
}

/**
 * Batches from a prepared split, built ahead in worker threads: each epoch a
 * seeded permutation, each image its own seeded crop, mirror and lighting, so
 * an epoch is the same for a seed whatever the number of workers. Memory is
 * bounded by `prefetch` batches, whatever the dataset's size.
 */
export class BatchLoader {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (b: AssembledBatch) => void; reject: (e: Error) => void }>();
  private turn = 0;
  private readonly exited = new Set<Worker>();
  private failure: Error | undefined;

  private constructor(
    readonly index: PreparedIndex,
    private readonly split: PreparedSplit,
    private readonly plan: AugmentPlan,
    private readonly pixel: PixelSettings,
    private readonly options: Required<Pick<LoaderOptions, 'batchSize' | 'seed' | 'shuffle' | 'prefetch' | 'dropRemainder'>>,
    private readonly workers: Worker[],
  ) {
    for (const worker of workers) {
      worker.on('message', (reply: LoaderWorkerReply) => this.settle(reply));
      worker.on('error', (error) => this.failAll(new Error(`batch loader worker for ${split.name} of ${index.source.path} failed: ${error.message}`)));
      // A worker that is gone takes no more requests, and close() must not wait for it.
      worker.once('exit', () => {
        this.exited.add(worker);
        this.failAll(this.failure ?? new Error(`batch loader worker for split '${split.name}' exited`));
      });
    }
  }

  static async open(dir: string, options: LoaderOptions): Promise<BatchLoader> {
    const index = await readPreparedIndex(dir);
    const splitName = options.split ?? 'train';
    const { crop, batchSize } = options;
    if (!Number.isInteger(crop) || crop < 1 || crop > index.size) {
      throw new Error(`crop ${crop} does not fit the prepared images of ${dir} (${index.size}×${index.size})`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize} (loading ${dir})`);
    const split = await PreparedSplit.open(dir, splitName, index);
    const augment = options.augment ?? splitName === 'train';
    const shuffle = options.shuffle ?? augment;
    const meanMode = options.mean ?? 'image';
    const sigma = options.lighting ?? (augment ? 0.1 : false);
    const needStats = meanMode !== 'none' || sigma !== false;
    const { stats, meanImage } = needStats
      ? await readDatasetStats(dir, index.size).catch((error: Error) => {
          split.close(); // its shard files are open
          throw error;
        })
      : { stats: undefined, meanImage: undefined };
    const mean = meanMode === 'image' ? meanImage : meanMode === 'channel' ? stats!.channelMean : undefined;
    const pixel: PixelSettings = { crop, scale: options.scale ?? 1, ...(mean ? { mean } : {}) };
    const plan: AugmentPlan = { size: index.size, crop, augment, ...(sigma !== false ? { lighting: { eigen: stats!, sigma } } : {}) };
    const workerCount = options.workers ?? Math.max(1, availableParallelism() - 1);
    const data: LoaderWorkerData = { dir, split: splitName, index, pixel };
    const workers = Array.from({ length: workerCount }, () => startModuleWorker(import.meta.url, 'loader-worker', data));
    return new BatchLoader(
      index,
      split,
      plan,
      pixel,
      {
        batchSize,
        seed: options.seed ?? 1,
        shuffle,
        prefetch: options.prefetch ?? 2 * Math.max(1, workerCount),
        dropRemainder: options.dropRemainder ?? shuffle,
      },
      workers,
    );
  }

  /** Images in the split. */
  get count(): number {
    return this.split.count;
  }

  get batchSize(): number {
    return this.options.batchSize;
  }

  get labels(): Int32Array {
    return this.split.labels;
  }

  get batchesPerEpoch(): number {
    const { batchSize, dropRemainder } = this.options;
    return dropRemainder ? Math.floor(this.count / batchSize) : Math.ceil(this.count / batchSize);
  }

  /**
   * One epoch's batches as typed arrays ([B, crop, crop, 3] float32 and int32
   * labels), from batch `startBatch` on (a run resumed mid-epoch gets exactly
   * the batches it had not yet seen).
   */
  async *epochArrays(epoch: number, startBatch = 0): AsyncGenerator<AssembledBatch> {
    const { batchSize, seed, shuffle, prefetch } = this.options;
    const order = epochOrder(this.count, seed, epoch, shuffle);
    const batches = this.batchesPerEpoch;
    if (!(Number.isInteger(startBatch) && startBatch >= 0 && startBatch <= batches)) throw new Error(`start batch ${startBatch} is outside 0…${batches}`);
    const start = (k: number) => {
      const first = k * batchSize;
      const indices = order.subarray(first, Math.min(first + batchSize, order.length));
      const built = this.build(planBatch(indices, first, seed, epoch, this.plan));
      built.catch(() => undefined); // awaited in order below; this only keeps an early failure from going unhandled
      return built;
    };
    const ahead: Array<Promise<AssembledBatch>> = [];
    for (let k = startBatch; k < Math.min(startBatch + prefetch, batches); k++) ahead.push(start(k));
    for (let k = startBatch; k < batches; k++) {
      const batch = await ahead.shift()!;
      if (k + prefetch < batches) ahead.push(start(k + prefetch));
      yield batch;
    }
  }

  /** One epoch's batches as tensors; the caller disposes them. */
  async *epoch(epoch: number, startBatch = 0): AsyncGenerator<Batch> {
    const { crop } = this.plan;
    for await (const { xs, ys } of this.epochArrays(epoch, startBatch)) {
      yield { xs: tf.tensor4d(xs, [ys.length, crop, crop, 3]), ys: tf.tensor1d(ys, 'int32') };
    }
  }

  private build(request: BatchRequest): Promise<AssembledBatch> {
    if (this.workers.length === 0) return assembleBatch(this.split, request, this.pixel);
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length]!;
    const promise = new Promise<AssembledBatch>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    worker.postMessage({ type: 'batch', id, request } satisfies LoaderWorkerMessage);
    return promise;
  }

  private settle(reply: LoaderWorkerReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if ('error' in reply) waiter.reject(new Error(reply.error));
    else waiter.resolve({ xs: reply.xs, ys: reply.ys });
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  /** Stops the workers and closes the shards. */
  async close(): Promise<void> {
    this.failure ??= new Error('the batch loader is closed');
    await Promise.all(
      this.workers
        .filter((w) => !this.exited.has(w))
        .map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.postMessage({ type: 'close' } satisfies LoaderWorkerMessage);
            }),
        ),
    );
    this.split.close();
  }
}
