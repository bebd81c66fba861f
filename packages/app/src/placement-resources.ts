import { availableParallelism } from 'node:os';
import type { TransportKind } from '@alexnet/parallel';
import type { TrainConfig } from './train-flags.js';

type Placement = NonNullable<TrainConfig['parallel']>;

/** threads where engines live happily in worker threads (wasm, cpu); processes for the native engine, one GPU or CPU share each. */
export function placementTransport(placement: Placement, engine: string): TransportKind {
  return placement.transport ?? (engine.startsWith('node') ? 'processes' : 'threads');
}

/** The native engine's intra-op threads per rank: the cores divided between the ranks (unless the user chose). */
function intraOpThreads(devices: number): string {
  return process.env.TF_NUM_INTRAOP_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / devices)));
}

/** The GPUs the ranks take, one each: the user's CUDA_VISIBLE_DEVICES list, or 0 … devices − 1. */
function visibleDevices(devices: number): string[] {
  const listed = process.env.ALEXNET_RANK_GPUS ?? process.env.CUDA_VISIBLE_DEVICES;
  return listed ? listed.split(',') : Array.from({ length: devices }, (_, i) => String(i));
}

/**
 * Before the engine loads in this process (rank 0): its share of the CPU's
 * threads and its GPU. TensorFlow reads both once, when it starts; the wasm and
 * cpu engines ignore them.
 */
export function prepareRankZero(placement: Placement): void {
  if (placement.transport === 'threads') return;
  const gpus = visibleDevices(placement.devices);
  // The whole list is kept for the helpers (ranks 1 …); this process takes the first.
  process.env.ALEXNET_RANK_GPUS ??= gpus.join(',');
  process.env.TF_NUM_INTRAOP_THREADS = intraOpThreads(placement.devices);
  process.env.CUDA_VISIBLE_DEVICES = gpus[0]!;
}

/** Each helper process's share: its GPU and its intra-op threads. */
export function placementEnv(placement: Placement, transport: TransportKind): ((rank: number) => Record<string, string>) | undefined {
  if (transport !== 'processes') return undefined;
  const gpus = visibleDevices(placement.devices);
  return (rank) => ({ TF_NUM_INTRAOP_THREADS: intraOpThreads(placement.devices), ...(gpus[rank] !== undefined ? { CUDA_VISIBLE_DEVICES: gpus[rank] } : {}) });
}
