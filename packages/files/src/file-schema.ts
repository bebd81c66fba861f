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

/** Float32 data read from a binary file: every value must be a number (NaN or ±Inf would poison training). */
export function checkFinite(values: Float32Array, file: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new Error(`${file}: value ${i} is ${values[i]}; only finite numbers are accepted`);
  }
}
