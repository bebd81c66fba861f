import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { appendMetrics, keepMetricsUpTo, readMetricsHistory } from './metrics-files.js';
import type { EpochMetrics } from './train-loop.js';

const row = (epoch: number): EpochMetrics => ({
  epoch,
  learningRate: 0.01,
  trainLoss: 1,
  trainTop1Error: 0.4,
  valLoss: 1,
  top1: 0.5,
  top5: 0.9,
  top1Error: 0.5,
  top5Error: 0.1,
  imagesPerSecond: 10,
  seconds: 1,
});

describe('metrics files', () => {
  it('keep the CSV header when every row is dropped (a run restarted from epoch 0)', async () => {
    const dir = await temporaryFolder('metrics');
    await appendMetrics(dir, row(1));
    await keepMetricsUpTo(dir, 0);
    await appendMetrics(dir, row(1));
    const csv = (await readFile(join(dir, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv.map((l) => l.split(',')[0])).toEqual(['epoch', '1']);
    expect((await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('never append through a symbolic link planted under their names', async () => {
    const dir = await temporaryFolder('metrics-link');
    const victim = join(await temporaryFolder('metrics-victim'), 'profile');
    await writeFile(victim, 'untouched\n');
    await symlink(victim, join(dir, 'metrics.jsonl'));
    await expect(appendMetrics(dir, row(1))).rejects.toThrow(`${join(dir, 'metrics.jsonl')}: cannot be appended to (it is a symbolic link)`);
    expect(await readFile(victim, 'utf8')).toBe('untouched\n');
  });

  it('read back one entry per epoch, the latest when an epoch repeats; a line cut short at the end is skipped, a bad one named', async () => {
    const dir = await temporaryFolder('metrics-history');
    await appendMetrics(dir, row(1));
    await appendMetrics(dir, { ...row(2), trainLoss: 3 });
    await appendMetrics(dir, { ...row(2), trainLoss: 2 });
    await writeFile(join(dir, 'metrics.jsonl'), (await readFile(join(dir, 'metrics.jsonl'), 'utf8')) + '{"epoch": 3, "lea');
    const history = await readMetricsHistory(dir);
    expect(history.map((m) => [m.epoch, m.trainLoss, m.trainTop1Error])).toEqual([
      [1, 1, 0.4],
      [2, 2, 0.4],
    ]);
    await writeFile(join(dir, 'metrics.jsonl'), '{"epoch": 1}\n' + JSON.stringify(row(2)) + '\n');
    await expect(readMetricsHistory(dir)).rejects.toThrow(
      `${join(dir, 'metrics.jsonl')}: line 1: learningRate: Invalid input: expected number, received undefined`,
    );
    await expect(readMetricsHistory(join(dir, 'none'))).rejects.toThrow('metrics.jsonl: not found');
  });

  it('append to a CSV begun by an older version in its own columns', async () => {
    const dir = await temporaryFolder('metrics-old-csv');
    const old = 'epoch,learningRate,trainLoss,valLoss,top1,top5,top1Error,top5Error,imagesPerSecond,seconds';
    await writeFile(join(dir, 'metrics.csv'), `${old}\n1,0.01,1,1,0.5,0.9,0.5,0.1,10,1\n`);
    await appendMetrics(dir, { ...row(2), valLoss: 0.75 });
    const lines = (await readFile(join(dir, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(lines).toEqual([old, '1,0.01,1,1,0.5,0.9,0.5,0.1,10,1', '2,0.01,1,0.75,0.5,0.9,0.5,0.1,10,1']);
  });
});
