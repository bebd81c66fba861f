import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@alexnet/files';
import type { EncodedImage, Rejection, ShardEncoder } from './encode-shard.js';
import type { PlannedShard } from './prepare-plan.js';
import { ShardReader, type ShardHeader } from './shard-file.js';

/** What a finished shard holds. */
export interface ShardContents {
  count: number;
  rejected: Rejection[];
}

export interface WrittenShards {
  /** What each finished shard holds: read from complete shards of an earlier run, or noted as it is written. */
  finished: Map<PlannedShard, ShardContents>;
  /** Shards found complete from an earlier, interrupted run and not redone. */
  reused: number;
  written: number;
}

export interface WriteShardsOptions {
  /** Images in flight at once. */
  workers: number;
  /** Stops taking new images; the shards finished so far are kept (then `finished` lacks the rest). */
  signal?: AbortSignal;
  /** Images done (reused shards' included) of all planned. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Writes every planned shard that is not already complete in `out`. One pool
 * of `workers` encodes across shard boundaries; a shard is written atomically
 * as soon as its last image is in.
 */
export async function writeShards(out: string, shards: PlannedShard[], encoder: ShardEncoder, options: WriteShardsOptions): Promise<WrittenShards> {
  const total = shards.reduce((n, s) => n + s.items.length, 0);
  let done = 0;
  const pending: PlannedShard[] = [];
  const finished = new Map<PlannedShard, ShardContents>();
  for (const shard of shards) {
    const header = completeShardHeader(join(out, shard.file));
    if (header && encoder.wrote(header, shard.items.length)) {
      finished.set(shard, { count: header.count, rejected: header.rejected });
      done += shard.items.length;
    } else pending.push(shard);
  }
  const reused = finished.size;
  await removeStaleTemporaries(out);
  options.onProgress?.(done, total);

  const work = pending.flatMap((shard) => shard.items.map((item, slot) => ({ shard, item, slot })));
  const results = new Map<PlannedShard, { images: EncodedImage[]; left: number }>();
  for (const shard of pending) results.set(shard, { images: [], left: shard.items.length });
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < work.length && !options.signal?.aborted && !failed) {
      const { shard, item, slot } = work[next++]!;
      const result = results.get(shard)!;
      result.images[slot] = await encoder.image(item);
      done++;
      options.onProgress?.(done, total);
      if (--result.left === 0) {
        const encoded = encoder.shard(result.images);
        // A failed write (disk full …) stops the other workers too: nothing is written after the error.
        await writeFileAtomic(join(out, shard.file), encoded.bytes).catch((error: Error) => {
          failed = true;
          throw new Error(`${error.message}; finished shards are kept, run again to resume`);
        });
        finished.set(shard, { count: encoded.count, rejected: encoded.rejected });
        results.delete(shard);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.workers, Math.max(1, work.length)) }, worker));
  return { finished, reused, written: pending.length };
}

/** The header of a complete shard, or undefined when it is absent or damaged (then it is rebuilt). */
function completeShardHeader(path: string): ShardHeader | undefined {
  try {
    const reader = ShardReader.open(path);
    reader.close();
    return reader.header;
  } catch {
    return undefined;
  }
}

/** Leftovers of writes cut short by a crash (writeFileAtomic's `<file>.<random>.tmp`). */
async function removeStaleTemporaries(out: string): Promise<void> {
  for (const name of await readdir(out)) if (name.endsWith('.tmp')) await unlink(join(out, name)).catch(() => undefined);
}
