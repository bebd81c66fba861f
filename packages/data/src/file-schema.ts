import { z } from 'zod';

/**
 * Checks what was read from a file against its schema; the error names the
 * file, the field and what is wrong ("index.json: splits.train.count: …").
 */
export function validated<T>(schema: z.ZodType<T>, value: unknown, file: string, hint?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where =
    issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '') || 'the file';
  throw new Error(`${file}: ${where}: ${issue.message}${hint ? `; ${hint}` : ''}`);
}

/** A count or index: a non-negative safe integer, at most `max`. */
export const count = (max = Number.MAX_SAFE_INTEGER) => z.number().int().nonnegative().max(max);

/** The side of a stored image: large enough for AlexNet's smallest input, small enough to allocate. */
export const IMAGE_SIDE = z.number().int().min(1).max(4096);

/** A class or file name as shown to people: a bounded string. */
export const NAME = z.string().min(1).max(1024);

/** Float32 data read from a binary file: every value must be a number (NaN or ±Inf would poison training). */
export function checkFinite(values: Float32Array, file: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new Error(`${file}: value ${i} is ${values[i]}; only finite numbers are accepted`);
  }
}
