import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@alexnet/data';
import type { EpochMetrics } from './train-loop.js';

export const METRICS_JSONL = 'metrics.jsonl';
export const METRICS_CSV = 'metrics.csv';
const CSV_COLUMNS = ['epoch', 'learningRate', 'trainLoss', 'valLoss', 'top1', 'top5', 'top1Error', 'top5Error', 'imagesPerSecond', 'seconds'] as const;

/** Appends one epoch's metrics to metrics.jsonl and metrics.csv (the CSV's header first, when the file is new). */
export async function appendMetrics(runDir: string, metrics: EpochMetrics): Promise<void> {
  await appendFile(join(runDir, METRICS_JSONL), JSON.stringify(metrics) + '\n');
  const csv = join(runDir, METRICS_CSV);
  const fresh = !(await stat(csv).then(() => true, () => false));
  const row = CSV_COLUMNS.map((c) => String(metrics[c])).join(',');
  await appendFile(csv, (fresh ? CSV_COLUMNS.join(',') + '\n' : '') + row + '\n');
}

/**
 * Keeps the metrics of epochs 1…`epoch` only: a run resumed from a checkpoint
 * after epoch E rewrites what came later (an epoch whose metrics were appended
 * before a crash, but whose checkpoint was not saved, is trained again and
 * must not appear twice). Both files are rewritten atomically, and only when
 * they hold something to drop.
 */
export async function keepMetricsUpTo(runDir: string, epoch: number): Promise<void> {
  const jsonl = join(runDir, METRICS_JSONL);
  const text = await readFile(jsonl, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const kept = lines.filter((line) => {
      try {
        const value = (JSON.parse(line) as { epoch?: unknown }).epoch;
        return typeof value === 'number' && value <= epoch;
      } catch {
        return false; // a line cut short by a crash
      }
    });
    if (kept.length !== lines.length) await writeFileAtomic(jsonl, kept.map((l) => `${l}\n`).join(''));
  }
  const csv = join(runDir, METRICS_CSV);
  const table = await readFile(csv, 'utf8').catch(() => undefined);
  if (table !== undefined) {
    const [header, ...rows] = table.split('\n').filter((line) => line.trim() !== '');
    const kept = rows.filter((row) => Number(row.split(',')[0]) <= epoch);
    if (kept.length !== rows.length) await writeFileAtomic(csv, kept.length === 0 ? '' : [header, ...kept].map((l) => `${l}\n`).join(''));
  }
}
