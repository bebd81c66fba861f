import { describe, expect, it } from 'vitest';
import { describeNumber, formatNumber, numberOrOff, numberValue, plural } from './option-values.js';

describe('flag values', () => {
  it('parse numbers with the range in the error', () => {
    expect(numberValue({ integer: true, min: 1 })('8')).toBe(8);
    expect(() => numberValue({ integer: true, min: 1 })('2.5')).toThrow('expected a positive integer');
    expect(() => numberValue({ above: 0, below: 1 })('1')).toThrow('expected a number in (0, 1)');
    expect(() => numberValue({})(' ')).toThrow('expected a number');
    expect(numberOrOff({ min: 0 })('off')).toBe(false);
    expect(() => numberOrOff({ min: 0 })('-1')).toThrow("expected a non-negative number or 'off'");
    expect(describeNumber({ integer: true, min: 1, max: 100 })).toBe('an integer from 1 to 100');
  });

  it('print numbers as people write them, and counts in the singular when there is one', () => {
    expect([0.00010000000000000002, 0.01, 5e-4, 1 / 58, 0, 90, 1e6].map(formatNumber)).toEqual(['1e-4', '0.01', '5e-4', '0.0172414', '0', '90', '1e6']);
    expect([plural(1, 'epoch'), plural(2, 'epoch'), plural(1, 'class', 'classes'), plural(1200, 'image')]).toEqual([
      '1 epoch',
      '2 epochs',
      '1 class',
      '1,200 images',
    ]);
  });
});
