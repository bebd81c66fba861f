import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prepareDataset, writeSyntheticShapes } from '@alexnet/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { runEval } from './eval-command.js';
import { runPredict } from './predict-command.js';
import { runTrain } from './train-command.js';

let src: string;
let data: string;
const TINY = ['--crop', '67', '--width', '0.0625', '--batch-size', '6', '--init', 'he', '--scale', '0.015625', '--backend', 'wasm', '--workers', '0'];
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  src = await temporaryFolder('untrusted-run-src');
  await writeSyntheticShapes(src, { perClass: 3, seed: 9 });
  // A class folder whose name holds a terminal escape, a formula start and a control character.
  await rename(join(src, 'star'), join(src, '=star\u001b[31m\u0001'));
  data = join(await temporaryFolder('untrusted-run-data'), 'prepared');
  await prepareDataset(src, data, { size: 72, valFraction: 0.34 });
});

describe('alexnet train with a checkpoint from someone else', () => {
  it('takes from state.json only the settings the run owns: not where to write, the data, the workers or the engine', async () => {
    const run = join(await temporaryFolder('untrusted-resume'), 'run');
    await runTrain(['--data', data, '--out', run, '--epochs', '1', ...TINY], () => undefined);
    const elsewhere = join(await temporaryFolder('untrusted-elsewhere'), 'target');
    const stateFile = join(run, 'checkpoints', 'last', 'state.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    Object.assign(state.config, { out: elsewhere, workers: 200, data: '/nonexistent', backend: 'cpu', resume: '/x' });
    await writeFile(stateFile, JSON.stringify(state));
    const resumed = await runTrain(
      ['--data', data, '--resume', join(run, 'checkpoints', 'last'), '--epochs', '2', '--backend', 'wasm', '--workers', '0'],
      () => undefined,
    );
    expect([resumed.runDir, resumed.state.epoch]).toEqual([run, 2]);
    expect(await exists(elsewhere)).toBe(false);
    const written = JSON.parse(await readFile(join(run, 'config.json'), 'utf8'));
    expect([written.workers, written.data, written.engine]).toEqual([0, data, 'wasm']);

    state.config.crop = 'abc';
    await writeFile(join(run, 'checkpoints', 'last', 'state.json'), JSON.stringify(state));
    await expect(runTrain(['--data', data, '--resume', join(run, 'checkpoints', 'last'), '--backend', 'wasm'], () => undefined)).rejects.toThrow(
      `${join(run, 'checkpoints', 'last', 'state.json')}: config.crop:`,
    );
  });
});

describe('one writer per run folder', () => {
  it('refuses a second train into a folder a train is writing, naming the holder; takes over a stale lock', async () => {
    const run = join(await temporaryFolder('untrusted-lock'), 'run');
    const first = runTrain(['--data', data, '--out', run, '--epochs', '1', ...TINY], () => undefined);
    while (!(await exists(join(run, '.alexnet.lock')))) await new Promise((r) => setTimeout(r, 5));
    await expect(runTrain(['--data', data, '--out', run, '--epochs', '1', ...TINY], () => undefined)).rejects.toThrow(`--out ${run} already holds a run (`);
    // Even --force does not replace a run that is being written.
    await expect(runTrain(['--data', data, '--out', run, '--epochs', '1', '--force', ...TINY], () => undefined)).rejects.toThrow(
      new RegExp(`^${run.replace(/[/.-]/g, '\\$&')} is in use by alexnet train \\(pid ${process.pid} on `),
    );
    await first;
    expect(await exists(join(run, '.alexnet.lock'))).toBe(false);
    // A lock whose process is gone is stale.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await writeFile(
      join(run, '.alexnet.lock'),
      JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), command: 'alexnet train', started: 'earlier' }),
    );
    await runTrain(
      ['--data', data, '--out', run, '--resume', join(run, 'checkpoints', 'last'), '--epochs', '2', '--backend', 'wasm', '--workers', '0'],
      () => undefined,
    );
  });
});

describe('eval and predict as library functions, on names from someone else', () => {
  let checkpoint: string;
  beforeAll(async () => {
    const run = join(await temporaryFolder('untrusted-eval'), 'run');
    await runTrain(['--data', data, '--out', run, '--epochs', '1', ...TINY], () => undefined);
    checkpoint = join(run, 'checkpoints', 'last');
  });

  it('free what they allocate: the tensor count does not grow from call to call', async () => {
    const quiet = () => undefined;
    await runEval(['--checkpoint', checkpoint, '--json'], quiet);
    const image = join(src, 'circle', 'circle-0001.jpg');
    await runPredict([image, '--checkpoint', checkpoint, '--json'], quiet, quiet);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      await runEval(['--checkpoint', checkpoint, '--json'], quiet);
      await runPredict([image, '--checkpoint', checkpoint, '--json'], quiet, quiet);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('escape class names for the CSV, the confusion picture and the terminal', async () => {
    const result = await runEval(['--checkpoint', checkpoint], () => undefined);
    const csv = await readFile(join(result.out, 'per-class.csv'), 'utf8');
    expect(csv).toContain('"\'=star\u001b[31m\u0001"');
    const png = await readFile(join(result.out, 'confusion.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    let out = '';
    await runPredict(
      [join(src, '=star\u001b[31m\u0001', 'star-0001.jpg'), '--checkpoint', checkpoint, '--top', '10'],
      (t) => (out += t),
      () => undefined,
    );
    expect(out).not.toMatch(/[\u0000-\u0008\u001b]/);
    expect(out).toContain('=star\\x1b[31m\\x01');
  });
});
