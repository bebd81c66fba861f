import { Option } from '@commander-js/extra-typings';
import { resolve } from 'node:path';
import { loadCheckpoint } from '@alexnet/train';
import { writeFileAtomic } from '@alexnet/data';
import { columnChroma, filterGridPng } from '@alexnet/eval';
import type * as tf from '@tensorflow/tfjs';
import { alexnetCommand, backendOption, parseCommandLine } from './command-line.js';
import { numberValue } from './option-values.js';

export function defineFiltersCommand() {
  return alexnetCommand('filters', "the first layer's kernels as a picture, each contrast-normalised on its own (Figure 3)")
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder')
    .requiredOption('--out <file.png>', 'the picture to write')
    .addOption(new Option('--scale <n>', 'pixels per kernel weight [4]').argParser(numberValue({ integer: true, min: 1, max: 64 })).default(4))
    .addOption(backendOption());
}

export async function runFilters(
  args: string[],
  log: (line: string) => void = (l) => console.log(l),
): Promise<{ out: string; width: number; height: number; chroma?: number[] }> {
  const values = parseCommandLine(defineFiltersCommand(), args).opts();
  const scale = values.scale;
  const { model } = await loadCheckpoint(values.checkpoint);
  try {
    const kernel = model.getLayer('conv1').getWeights()[0] as tf.Tensor4D;
    const picture = await filterGridPng(kernel, { scale });
    const out = resolve(values.out);
    await writeFileAtomic(out, picture.png);
    log(`${kernel.shape[3]} conv1 kernels of ${kernel.shape[0]}×${kernel.shape[1]}×${kernel.shape[2]} → ${out} (${picture.width}×${picture.height})`);
    // §6.1: with two columns, one column's kernels come out largely colour-agnostic, the other's colour-specific.
    const columns = model.getLayer('conv2').getClassName() === 'AlexNetGroupedConv2D' ? 2 : 1;
    const chroma = kernel.shape[2] === 3 ? columnChroma(kernel, columns) : undefined;
    if (chroma) {
      const half = kernel.shape[3] / 2;
      const rows = columns === 2 ? ` (kernels 1–${half} in reading order are column 1's, ${half + 1}–${2 * half} column 2's)` : '';
      log(
        `mean chroma of the kernels (0 gray … 1 saturated): ${chroma.map((c, i) => `${columns === 2 ? `column ${i + 1} ` : ''}${c.toFixed(3)}`).join(', ')}${rows}`,
      );
    }
    return { out, width: picture.width, height: picture.height, ...(chroma ? { chroma } : {}) };
  } finally {
    model.dispose();
  }
}
