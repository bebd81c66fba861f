import { join, resolve } from 'node:path';
import { readJsonFile, writeFileAtomic } from '@alexnet/data';
import { trainingCurvesPng } from '@alexnet/eval';
import { alexnetCommand, parseCommandLine } from './command-line.js';
import { plural } from './option-values.js';
import { runCurves } from './run-curves.js';

export function definePlotCommand() {
  return alexnetCommand('plot', 'training curves of one or more runs in one picture (loss and top-1/top-5 error against epochs)')
    .argument('<run...>', 'run folders of alexnet train (each with its metrics.jsonl)')
    .requiredOption('--out <file.png>', 'the picture to write')
    .option('--title <text>', 'a title above the curves');
}

/** The class count a run's config.json records (top-5 is drawn only above 5 classes), when it has a readable one. */
async function classesOf(runDir: string): Promise<{ classes?: number }> {
  const config = await readJsonFile(join(runDir, 'config.json'), 1 << 20).catch(() => undefined);
  const classes = (config as { classes?: unknown } | undefined)?.classes;
  return typeof classes === 'number' && Number.isInteger(classes) && classes > 0 ? { classes } : {};
}

/** `alexnet plot <run>… --out compare.png`: each run's curves in its own colour, labelled by its folder name. */
export async function runPlot(args: string[], log: (line: string) => void = (l) => console.log(l)): Promise<{ out: string; runs: number }> {
  const command = parseCommandLine(definePlotCommand(), args);
  const { out, title } = command.opts();
  const runs = await Promise.all(command.args.map(async (dir) => runCurves(dir, await classesOf(dir))));
  const file = resolve(out);
  await writeFileAtomic(file, await trainingCurvesPng(runs, title !== undefined ? { title } : {}));
  log(`${plural(runs.length, 'run')} (${runs.map((r) => `${r.label}: ${plural(r.points.length, 'epoch')}`).join(', ')}) → ${file}`);
  return { out: file, runs: runs.length };
}
