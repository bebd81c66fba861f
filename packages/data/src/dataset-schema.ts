import { z } from 'zod';

// Schema pieces the dataset files (index.json, stats.json, shard headers) share.

/** A count or index: a non-negative safe integer, at most `max`. */
export const count = (max = Number.MAX_SAFE_INTEGER) => z.number().int().nonnegative().max(max);

/** The side of a stored image: large enough for AlexNet's smallest input, small enough to allocate. */
export const IMAGE_SIDE = z.number().int().min(1).max(4096);

/** A class or file name as shown to people: a bounded string. */
export const NAME = z.string().min(1).max(1024);
