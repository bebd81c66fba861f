import { describe, expect, it } from 'vitest';
import { DatasetError } from '@alexnet/data';
import { NonFiniteLossError } from '@alexnet/train';
import { cliHint } from './cli-hints.js';

describe('the hints the command line adds to library errors', () => {
  it('names the command that fixes a dataset or a diverged run', () => {
    expect(cliHint(new DatasetError('d/stats.json: …', 'd', 'recompute-stats'))).toBe('recompute them with `alexnet stats --data d`');
    expect(cliHint(new DatasetError('d/index.json: …', 'd', 'prepare'))).toBe('make it with `alexnet prepare <images> --data d`');
    expect(cliHint(new DatasetError('d is not empty …', 'd', 'choose-another-folder'))).toBe('choose another --data folder (or an empty one)');
    expect(cliHint(new NonFiniteLossError(NaN, 2, 5, 'r/checkpoints/last'))).toBe(
      'lower --lr, then continue with `alexnet train … --resume r/checkpoints/last`',
    );
    expect(cliHint(new NonFiniteLossError(Infinity, 1, 1, undefined))).toBe('lower --lr and start again');
    expect(cliHint(new Error('other'))).toBeUndefined();
  });
});
