/** Turns one flag's text into a number, with an error that names the flag and says what was expected. */
export function numberFlag(
  flag: string,
  value: string | undefined,
  check: { integer?: boolean; min?: number; above?: number; below?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const what = describe(check);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (!check.integer || Number.isInteger(n)) &&
    (check.min === undefined || n >= check.min) &&
    (check.above === undefined || n > check.above) &&
    (check.below === undefined || n < check.below);
  if (!ok) throw new Error(`--${flag}: expected ${what}, got '${value}'`);
  return n;
}

function describe({ integer, min, above, below }: { integer?: boolean; min?: number; above?: number; below?: number }): string {
  const kind = integer ? 'integer' : 'number';
  if (above !== undefined && below !== undefined) return `a ${kind} in (${above}, ${below})`;
  if ((min === 1 && integer) || (above === 0 && below === undefined)) return `a positive ${kind}`;
  if (min === 0) return `a non-negative ${kind}`;
  if (min !== undefined) return `${integer ? 'an integer' : 'a number'} ≥ ${min}`;
  if (above !== undefined) return `${integer ? 'an integer' : 'a number'} > ${above}`;
  if (below !== undefined) return `${integer ? 'an integer' : 'a number'} < ${below}`;
  return integer ? 'an integer' : 'a number';
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(flag: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new Error(`--${flag}: expected one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}
