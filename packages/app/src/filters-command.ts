import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadCheckpoint } from '@alexnet/train';
import { writeFileAtomic } from '@alexnet/data';
import { filterGridPng } from '@alexnet/eval';
import type * as tf from '@tensorflow/tfjs';
import { numberFlag } from './flag-values.js';

export const FILTERS_USAGE = `usage: alexnet filters --checkpoint <dir> --out filters.png [--scale 4]
  The first convolutional layer's kernels as a grid of colour patches, each contrast-normalised
  on its own (Figure 3 of the paper).
`;

export async function runFilters(args: string[], log: (line: string) => void = (l) => console.log(l)): Promise<{ out: string; width: number; height: number }> {
  const { values } = parseArgs({ args, strict: true, allowPositionals: false, options: { checkpoint: { type: 'string' }, out: { type: 'string' }, scale: { type: 'string' } } });
  if (values.checkpoint === undefined || values.out === undefined) throw new Error(`filters needs --checkpoint <dir> and --out <file.png>\n\n${FILTERS_USAGE}`);
  const scale = numberFlag('scale', values.scale, { integer: true, min: 1 }) ?? 4;
  const { model } = await loadCheckpoint(values.checkpoint);
  try {
    const kernel = model.getLayer('conv1').getWeights()[0] as tf.Tensor4D;
    const picture = await filterGridPng(kernel, { scale });
    const out = resolve(values.out);
    await writeFileAtomic(out, picture.png);
    log(`${kernel.shape[3]} conv1 kernels of ${kernel.shape[0]}×${kernel.shape[1]}×${kernel.shape[2]} → ${out} (${picture.width}×${picture.height})`);
    return { out, width: picture.width, height: picture.height };
  } finally {
    model.dispose();
  }
}
