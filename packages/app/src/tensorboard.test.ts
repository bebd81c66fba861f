import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEventFile } from '@alexnet/train';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { openScalarLog } from './tensorboard.js';

/** The scalars of every event file in `dir`, as [tag, value, step]. */
async function scalarsIn(dir: string): Promise<Array<[string, number, number]>> {
  const files = (await readdir(dir)).filter((f) => f.includes('tfevents')).sort();
  const events = (await Promise.all(files.map((f) => readEventFile(join(dir, f))))).flat();
  return events.flatMap((e) => e.scalars.map((s): [string, number, number] => [s.tag, s.value, e.step]));
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('openScalarLog on the JavaScript engines', () => {
  it('writes with TensorBoardWriter, each burst of scalars on the next turn', async () => {
    const dir = join(await temporaryFolder('app-tb'), 'tb');
    const log = await openScalarLog(dir, 'cpu');
    expect(log.kind).toBe('alexnet');
    log.scalar('loss/train', 2.5, 1);
    log.scalar('loss/val', 2.75, 1);
    await nextTurn();
    await nextTurn();
    // Flushed without close(): a TensorBoard watching the folder sees epoch 1 already.
    expect(await scalarsIn(dir)).toEqual([
      ['loss/train', 2.5, 1],
      ['loss/val', 2.75, 1],
    ]);
    log.scalar('loss/train', 1.5, 2);
    await log.close();
    expect((await scalarsIn(dir)).at(-1)).toEqual(['loss/train', 1.5, 2]);
    const wasm = await openScalarLog(dir, 'wasm');
    expect(wasm.kind).toBe('alexnet');
    await wasm.close();
  });
});

describeEachEngine(
  'openScalarLog',
  () => {
    it("writes with TensorFlow's summary writer", async () => {
      const dir = await temporaryFolder('app-tb-node');
      const log = await openScalarLog(dir, 'node');
      expect(log.kind).toBe('tfjs-node');
      log.scalar('loss/train', 0.5, 3);
      log.scalar('error/val_top1', 0.25, 3);
      await log.close();
      expect(await scalarsIn(dir)).toEqual([
        ['loss/train', 0.5, 3],
        ['error/val_top1', 0.25, 3],
      ]);
    });
  },
  ['node'],
);
