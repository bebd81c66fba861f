import { DatasetError } from '@alexnet/data';
import { NonFiniteLossError } from '@alexnet/train';

/**
 * What to type next, for errors the libraries describe without a command line
 * (they say what is wrong and what would fix it; the app says how, in its flags).
 */
export function cliHint(error: unknown): string | undefined {
  if (error instanceof DatasetError) {
    if (error.remedy === 'recompute-stats') return `recompute them with \`alexnet stats --data ${error.dataset}\``;
    if (error.remedy === 'prepare') return `make it with \`alexnet prepare <images> --data ${error.dataset}\``;
    return 'choose another --data folder (or an empty one)';
  }
  if (error instanceof NonFiniteLossError) {
    return error.lastCheckpoint !== undefined
      ? `lower --lr, then continue with \`alexnet train … --resume ${error.lastCheckpoint}\``
      : 'lower --lr and start again';
  }
  return undefined;
}
