import { resolve } from 'node:path';
import { writeFileAtomic } from '@alexnet/data';
import { trainingCurvesPng } from '@alexnet/eval';
import { alexnetCommand, parseCommandLine } from './command-line.js';
import { runCurves } from './run-curves.js';

export function definePlotCommand() {
  return alexnetCommand('plot', 'training curves of one or more runs in one picture (loss and top-1/top-5 error against epochs)')
    .argument('<run...>', 'run folders of alexnet train (each with its metrics.jsonl)')
    .requiredOption('--out <file.png>', 'the picture to write')
    .option('--title <text>', 'a title above the curves');
}

/** `alexnet plot <run>… --out compare.png`: each run's curves in its own colour, labelled by its folder name. */
export async function runPlot(args: string[], log: (line: string) => void = (l) => console.log(l)): Promise<{ out: string; runs: number }> {
  const command = parseCommandLine(definePlotCommand(), args);
  const { out, title } = command.opts();
  const runs = await Promise.all(command.args.map((dir) => runCurves(dir)));
  const file = resolve(out);
  await writeFileAtomic(file, await trainingCurvesPng(runs, title !== undefined ? { title } : {}));
  log(`${runs.length} run${runs.length === 1 ? '' : 's'} (${runs.map((r) => `${r.label}: ${r.points.length} epochs`).join(', ')}) → ${file}`);
  return { out: file, runs: runs.length };
}
