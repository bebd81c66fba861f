import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { runPlot } from './plot-command.js';

/** A run folder with the metrics.jsonl alexnet train writes. */
async function fakeRun(root: string, name: string, epochs: number, drop: number): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const lines = Array.from({ length: epochs }, (_, i) => {
    const epoch = i + 1;
    return JSON.stringify({
      epoch,
      learningRate: epoch >= drop ? 0.001 : 0.01,
      trainLoss: 2 / epoch,
      trainTop1Error: 0.9 / epoch,
      valLoss: 2.2 / epoch,
      top1: 1 - 0.8 / epoch,
      top5: 1,
      top1Error: 0.8 / epoch,
      top5Error: 0.3 / epoch,
      imagesPerSecond: 10,
      seconds: 1,
    });
  });
  await writeFile(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  return dir;
}

describe('alexnet plot', () => {
  it('draws several runs into one PNG, and names a folder that is not a run', async () => {
    const root = await temporaryFolder('plot');
    const a = await fakeRun(root, 'paper', 6, 4);
    const b = await fakeRun(root, 'torchvision', 3, 9);
    const out = join(root, 'compare.png');
    const lines: string[] = [];
    const result = await runPlot([a, b, '--out', out, '--title', 'two runs'], (l) => lines.push(l));
    expect(result.runs).toBe(2);
    expect(lines[0]).toBe(`2 runs (paper: 6 epochs, torchvision: 3 epochs) → ${out}`);
    const meta = await sharp(await readFile(out)).metadata();
    expect(meta.format).toBe('png');
    await expect(runPlot([join(root, 'nothing'), '--out', out], () => undefined)).rejects.toThrow(
      `${join(root, 'nothing', 'metrics.jsonl')}: not found (is ${join(root, 'nothing')} a run folder of alexnet train?)`,
    );
    await expect(runPlot(['--out', out], () => undefined)).rejects.toThrow("missing required argument 'run'");
  });
});
