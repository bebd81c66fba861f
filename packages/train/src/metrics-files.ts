import { constants } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile, writeFileAtomic } from '@alexnet/files';
import { z } from 'zod';
import type { EpochMetrics } from './train-loop.js';

export const METRICS_JSONL = 'metrics.jsonl';
export const METRICS_CSV = 'metrics.csv';
const CSV_COLUMNS = [
  'epoch',
  'learningRate',
  'trainLoss',
  'trainTop1Error',
  'valLoss',
  'top1',
  'top5',
  'top1Error',
  'top5Error',
  'imagesPerSecond',
  'seconds',
] as const;

/** Appends to a file of the run folder, never through a symbolic link planted under its name. */
async function appendTo(file: string, text: string): Promise<void> {
  const handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644).catch(
    (error: NodeJS.ErrnoException) => {
      throw new Error(`${file}: cannot be appended to (${error.code === 'ELOOP' ? 'it is a symbolic link' : (error.code ?? error.message)})`);
    },
  );
  try {
    await handle.appendFile(text);
  } finally {
    await handle.close();
  }
}

/**
 * Appends one epoch's metrics to metrics.jsonl and metrics.csv (the CSV's header
 * first, when the file is new). A CSV begun by an older version keeps its own
 * columns: rows follow the header that is there.
 */
export async function appendMetrics(runDir: string, metrics: EpochMetrics): Promise<void> {
  await appendTo(join(runDir, METRICS_JSONL), JSON.stringify(metrics) + '\n');
  const csv = join(runDir, METRICS_CSV);
  const existing = await readMetrics(csv);
  const header = existing?.split('\n', 1)[0]?.trim();
  const columns = header ? header.split(',') : [...CSV_COLUMNS];
  const values = metrics as unknown as Record<string, unknown>;
  const row = columns.map((c) => (values[c] === undefined ? '' : String(values[c]))).join(',');
  await appendTo(csv, (header ? '' : CSV_COLUMNS.join(',') + '\n') + row + '\n');
}

/** A metrics file's text, or undefined when there is none. */
async function readMetrics(file: string): Promise<string | undefined> {
  return readRegularFile(file, { maxBytes: 256 * 2 ** 20 }).then(
    (b) => b.toString('utf8'),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    },
  );
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
  const text = await readMetrics(jsonl);
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
  const table = await readMetrics(csv);
  if (table !== undefined) {
    const [header, ...rows] = table.split('\n').filter((line) => line.trim() !== '');
    const kept = rows.filter((row) => Number(row.split(',')[0]) <= epoch);
    // With no rows left the file goes, so the next append writes the header again.
    if (kept.length === 0) await unlink(csv).catch(() => undefined);
    else if (kept.length !== rows.length) await writeFileAtomic(csv, [header, ...kept].map((l) => `${l}\n`).join(''));
  }
}

/** One line of metrics.jsonl as the plot needs it; runs from before training accuracy was recorded lack it. */
const METRICS_LINE = z.object({
  epoch: z.number().int().min(1),
  learningRate: z.number(),
  trainLoss: z.number(),
  trainTop1Error: z.number().optional(),
  valLoss: z.number(),
  top1Error: z.number(),
  top5Error: z.number(),
});
export type MetricsLine = z.infer<typeof METRICS_LINE>;

/**
 * A run's metrics.jsonl, one entry per epoch (the latest line wins when an
 * epoch repeats). Lines that are not metrics are refused with their number;
 * a last line cut short by a crash is skipped.
 */
export async function readMetricsHistory(runDir: string): Promise<MetricsLine[]> {
  const file = join(runDir, METRICS_JSONL);
  const text = await readMetrics(file);
  if (text === undefined) throw new Error(`${file}: not found (is ${runDir} a run folder of alexnet train?)`);
  const lines = text.split('\n');
  const byEpoch = new Map<number, MetricsLine>();
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) continue; // cut short by a crash
      throw new Error(`${file}: line ${i + 1} is not JSON`);
    }
    const parsed = METRICS_LINE.safeParse(value);
    if (!parsed.success) throw new Error(`${file}: line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    byEpoch.set(parsed.data.epoch, parsed.data);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}
