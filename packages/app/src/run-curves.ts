import { basename, join } from 'node:path';
import { writeFileAtomic } from '@alexnet/data';
import { trainingCurvesPng, type CurveRun } from '@alexnet/eval';
import { readMetricsHistory } from '@alexnet/train';

export const CURVES_FILE = 'curves.png';

/** A run's metrics as curves; top-5 is left out when there are 5 classes or fewer (it is always 0 %). */
export async function runCurves(runDir: string, options: { classes?: number; label?: string } = {}): Promise<CurveRun> {
  const history = await readMetricsHistory(runDir);
  const top5Means = options.classes === undefined || options.classes > 5;
  return {
    label: options.label ?? basename(runDir),
    points: history.map((m) => ({
      epoch: m.epoch,
      trainLoss: m.trainLoss,
      valLoss: m.valLoss,
      top1Error: m.top1Error,
      top5Error: top5Means ? m.top5Error : null,
      trainTop1Error: m.trainTop1Error ?? null,
      learningRate: m.learningRate,
    })),
  };
}

/** Redraws <run>/curves.png from its metrics.jsonl (after every epoch, so a run in progress has its picture). */
export async function writeRunCurves(runDir: string, classes: number): Promise<string> {
  const file = join(runDir, CURVES_FILE);
  await writeFileAtomic(file, await trainingCurvesPng([await runCurves(runDir, { classes })], { title: basename(runDir) }));
  return file;
}
