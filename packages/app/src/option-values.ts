import { InvalidArgumentError } from '@commander-js/extra-typings';

/** What a numeric flag accepts. */
export interface NumberCheck {
  integer?: boolean;
  min?: number;
  above?: number;
  below?: number;
  max?: number;
}

/** A commander argument parser for a number, with an error that says what was expected. */
export function numberValue(check: NumberCheck = {}): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const ok =
      value.trim() !== '' &&
      Number.isFinite(n) &&
      (!check.integer || Number.isInteger(n)) &&
      (check.min === undefined || n >= check.min) &&
      (check.above === undefined || n > check.above) &&
      (check.below === undefined || n < check.below) &&
      (check.max === undefined || n <= check.max);
    if (!ok) throw new InvalidArgumentError(`expected ${describeNumber(check)}`);
    return n;
  };
}

export function describeNumber({ integer, min, above, below, max }: NumberCheck): string {
  const kind = integer ? 'integer' : 'number';
  const a = integer ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `${a} from ${min} to ${max}`;
  if (above !== undefined && below !== undefined) return `${a} in (${above}, ${below})`;
  if (min !== undefined && below !== undefined) return `${a} in [${min}, ${below})`;
  if ((min === 1 && integer) || (above === 0 && below === undefined)) return `a positive ${kind}`;
  if (min === 0) return `a non-negative ${kind}`;
  if (min !== undefined) return `${a} ≥ ${min}`;
  if (above !== undefined) return `${a} > ${above}`;
  if (below !== undefined) return `${a} < ${below}`;
  if (max !== undefined) return `${a} ≤ ${max}`;
  return a;
}

/** A number, or the word `off` for false (e.g. --lighting). */
export function numberOrOff(check: NumberCheck): (value: string) => number | false {
  const parse = numberValue(check);
  return (value) => {
    if (value === 'off') return false;
    try {
      return parse(value);
    } catch {
      throw new InvalidArgumentError(`expected ${describeNumber(check)} or 'off'`);
    }
  };
}

/** Numbers as people write them: 1e-4, not 0.00010000000000000002. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const short = Number(x.toPrecision(6));
  const abs = Math.abs(short);
  return abs >= 1e-3 && abs < 1e6
    ? String(short)
    : short
        .toExponential()
        .replace(/\.?0+e/, 'e')
        .replace('e+', 'e');
}

/** "1 epoch", "2 epochs". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
