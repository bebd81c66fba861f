import { DatasetError } from './dataset-error.js';
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { readJsonFile, validated, writeFileAtomic } from '@alexnet/files';
import type { DatasetListing, ImageSource } from './dataset-listing.js';
import { seededRandom, shuffleInPlace } from './random.js';
import type { ShardEncoding } from './shard-file.js';

/** prepareDataset's options with their defaults applied: everything that shapes the prepared files. */
export interface PrepareSettings {
  size: number;
  encoding: ShardEncoding;
  jpegQuality: number;
  seed: number;
  valFraction: number;
  shardSize: number;
  /** Undefined: all training images. */
  statsSample?: number;
}

/** One shard of the plan: its split, its file name, and the images it holds, in order. */
export interface PlannedShard {
  split: string;
  file: string;
  items: ImageSource[];
}

/**
 * Which image goes into which shard, decided before anything is written: a
 * pure function of the listing and the settings, so a rerun makes the same plan.
 */
export interface PreparePlan {
  /** The source folder as given. */
  src: string;
  listing: DatasetListing;
  settings: PrepareSettings;
  shards: PlannedShard[];
  /** What prepare-plan.json records: the fingerprint of the settings and the shards, and the settings it covers. */
  record: { fingerprint: string; settings: Record<string, unknown> };
}

const PLAN_FILE = 'prepare-plan.json';
const PLAN = z.object({ fingerprint: z.string(), settings: z.record(z.string(), z.unknown()) });

/** Cuts the listing into shards and fingerprints the result with the settings. */
export function planPreparation(src: string, listing: DatasetListing, settings: PrepareSettings): PreparePlan {
  const shards = planShards(listing.splits, settings.shardSize, settings.seed);
  const { size, encoding, jpegQuality, seed, valFraction, shardSize, statsSample } = settings;
  // The plan's fingerprint ties the folder to one source and one set of options.
  const recorded = {
    src: resolve(src),
    format: listing.format,
    size,
    encoding,
    jpegQuality,
    seed,
    valFraction: listing.heldOut ? valFraction : null,
    shardSize,
    statsSample: statsSample ?? null,
  };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(recorded))
    .update(JSON.stringify(shards.map((s) => [s.file, s.items.map((i) => [i.source, i.label])])))
    .digest('hex');
  return { src, listing, settings, shards, record: { fingerprint, settings: recorded } };
}

/** Shuffles each split (seeded, so shards mix classes) and cuts it into shards. */
function planShards(splits: Record<string, ImageSource[]>, shardSize: number, seed: number): PlannedShard[] {
  const shards: PlannedShard[] = [];
  for (const [name, items] of Object.entries(splits)) {
    // Each split gets its own stream, so adding a split never reorders another.
    const order = shuffleInPlace([...items], seededRandom(seed ^ fnv1a(name)));
    for (let i = 0, k = 0; i < order.length; i += shardSize, k++) {
      shards.push({ split: name, file: `${name}-${String(k).padStart(5, '0')}.shard`, items: order.slice(i, i + shardSize) });
    }
  }
  return shards;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Records the plan's fingerprint in a new folder; refuses a folder prepared from something else. */
export async function claimFolder(out: string, plan: PreparePlan): Promise<void> {
  const { fingerprint, settings } = plan.record;
  const file = join(out, PLAN_FILE);
  const present = await stat(file).then(
    () => true,
    () => false,
  );
  const existing = present ? validated(PLAN, await readJsonFile(file), file, 'delete the folder and prepare again') : undefined;
  if (existing === undefined) {
    const names = (await readdir(out)).filter((n) => !n.startsWith('.'));
    if (names.length > 0)
      throw new DatasetError(`${out} is not empty and was not made by prepareDataset: it is not written into`, out, 'choose-another-folder');
    await writeFileAtomic(file, JSON.stringify({ fingerprint, settings }, null, 2) + '\n');
  } else if (existing.fingerprint !== fingerprint) {
    throw new Error(
      `${out} holds a dataset prepared from other input or options (${JSON.stringify(existing.settings)}); ` +
        `now asked for ${JSON.stringify(settings)} — choose a new --out folder or delete this one`,
    );
  }
}
