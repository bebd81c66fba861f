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
    // --data names the dataset as in every other command; -j/--workers counts threads (4 images in flight each).
    expect(parsePrepareFlags(['src', '--data', 'o', '-j', '2'])).toEqual({ src: 'src', out: 'o', options: { workers: 8 } });
    expect(() => parsePrepareFlags(['src'])).toThrow("required option '--out, --data <dir>' not specified");
    expect(() => parsePrepareFlags(['--out', 'o'])).toThrow("missing required argument 'src'");
    expect(() => parsePrepareFlags(['a', 'b', '--out', 'o'])).toThrow('too many arguments. Expected 1 argument but got 2.');
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--encoding', 'png'])).toThrow(
      "option '--encoding <e>' argument 'png' is invalid. Allowed choices are raw, jpeg.",
    );
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--format', 'coco'])).toThrow(
      "option '--format <f>' argument 'coco' is invalid. Allowed choices are auto, class-folders, split-folders, ilsvrc, fashion-mnist, cifar-10.",
    );
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--workers', '0'])).toThrow(
      "option '-j, --workers <n>' argument '0' is invalid. expected an integer from 1 to 256",
    );
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--val-fraction', '1'])).toThrow(
      "option '--val-fraction <x>' argument '1' is invalid. expected a number in (0, 1)",
    );
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--jpeg-quality', '101'])).toThrow(
      "option '--jpeg-quality <q>' argument '101' is invalid. expected an integer from 1 to 100",
    );
    expect(() => parsePrepareFlags(['src', '--out', 'o', '--sizes', '3'])).toThrow("unknown option '--sizes'\n(Did you mean --size?)");
  });

  it('prepares a tree, prints a summary, and stats recomputes the same statistics', async () => {
    const src = await temporaryFolder('cli-src');
    await writeSyntheticShapes(src, { perClass: 2, seed: 1 });
    const out = join(await temporaryFolder('cli-out'), 'prepared');
    const lines: string[] = [];
    const { summary } = await runPrepare([src, '--out', out, '--size', '16', '--val-fraction', '0.5'], (l) => lines.push(l));
    expect(summary?.kept).toBe(20);
    expect(lines[0]).toBe(`kept 20 images (train 10, val 10), rejected 0 (${join(out, 'rejected.json')})`);
    expect(lines[1]).toBe('10 classes, 16×16 raw, 0.8 KiB per image on disk');
    const before = await readFile(join(out, 'stats.json'), 'utf8');
    let printed = '';
    const stats = await runStats(['--data', out, '--json'], (t) => (printed += t));
    expect(JSON.parse(printed)).toEqual(stats);
    expect(await readFile(join(out, 'stats.json'), 'utf8')).toBe(before);
  });
});
