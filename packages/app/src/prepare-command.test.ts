import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSyntheticShapes } from '@alexnet/data';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { parsePrepareFlags, runPrepare } from './prepare-command.js';
import { runStats } from './stats-command.js';

describe('alexnet prepare', () => {
  it('parses its flags, and says what is wrong with a bad one', () => {
    expect(parsePrepareFlags(['src', '--out', 'o', '--size', '64', '--encoding', 'jpeg', '--format', 'auto'])).toEqual({
      src: 'src',
      out: 'o',
      options: { size: 64, encoding: 'jpeg' },
    });
    expect(() => parsePrepareFlags(['src'])).toThrow('prepare needs --out <dir>');
    expect(() => parsePrepareFlags(['--out', 'o'])).toThrow('prepare takes one source folder, got none');
    expect(() => parsePrepareFlags(['a', 'b', '--out', 'o'])).toThrow('prepare takes one source folder, got a b');
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--encoding', 'png'])).toThrow("--encoding: expected one of raw, jpeg, got 'png'");
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--format', 'coco'])).toThrow("--format: expected one of class-folders, split-folders, ilsvrc, fashion-mnist, cifar-10, got 'coco'");
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--workers', '0'])).toThrow("--workers: expected a positive integer, got '0'");
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--val-fraction', '1'])).toThrow("--val-fraction: expected a number in (0, 1), got '1'");
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--jpeg-quality', '101'])).toThrow("--jpeg-quality: expected 1–100, got '101'");
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--sizes', '3'])).toThrow("Unknown option '--sizes'");
  });

  it('prepares a tree, prints a summary, and stats recomputes the same statistics', async () => {
    const src = await temporaryFolder('cli-src');
    await writeSyntheticShapes(src, { perClass: 2, seed: 1 });
    const out = join(await temporaryFolder('cli-out'), 'prepared');
    const lines: string[] = [];
    const summary = await runPrepare([src, '--out', out, '--size', '16', '--val-fraction', '0.5'], (l) => lines.push(l));
    expect(summary?.kept).toBe(20);
    expect(lines[0]).toBe(`kept 20 images (train 10, val 10), rejected 0 (${join(out, 'rejected.json')})`);
    expect(lines[1]).toBe('10 classes, 16×16 raw, 0.8 KiB per image on disk');
    const before = await readFile(join(out, 'stats.json'), 'utf8');
    let printed = '';
    const stats = await runStats([out, '--json'], (t) => (printed += t));
    expect(JSON.parse(printed)).toEqual(stats);
    expect(await readFile(join(out, 'stats.json'), 'utf8')).toBe(before);
  });
});
