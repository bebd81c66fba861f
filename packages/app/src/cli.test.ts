import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder, tinyPreparedShapes } from '@alexnet/test-support';

// The command line from its sources (tsx, with the tests' path mapping), as a user runs it.
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const children = new Set<ChildProcess>();

function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }>; stdout: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.tests.json'), ALEXNET_BACKEND: 'cpu' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done, stdout: () => stdout };
}

const run = (args: string[]) => start(args).done;

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe('the alexnet command line', () => {
  it('prints its version, help per command, and exits 0', async () => {
    const version = JSON.parse(await readFile(join(ROOT, 'packages/app/package.json'), 'utf8')).version as string;
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const help = await run(['help', 'train']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: alexnet train \[options\]/);
    expect(help.stdout).toContain('-b, --batch-size <n>');
    expect(help.stdout).toContain('--wd, --weight-decay <x>');
    expect(help.stdout).toContain('Exit codes: 0 done, 1 failed, 2 usage error');
    expect((await run(['train', '--help'])).stdout).toBe(help.stdout);
    const general = await run(['--help']);
    expect(general.stdout).toMatch(/^ {2}plot \[options\] <run\.\.\.>/m);
  });

  it('exits 2 on a usage error, suggesting the flag or command meant; 1 when the work fails', async () => {
    const typo = await run(['train', '--data', 'd', '--bach-size', '8']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("alexnet: unknown option '--bach-size'\n(Did you mean --batch-size?)");
    const command = await run(['trian']);
    expect([command.code, command.stderr]).toEqual([2, "alexnet: unknown command 'trian'\n(Did you mean train?)\n"]);
    expect((await run([])).code).toBe(2);
    const missing = await run(['eval', '--checkpoint', join(ROOT, 'no-such-checkpoint')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^alexnet: .*no-such-checkpoint/);
  });
});

describe('alexnet train stopped by a signal', () => {
  let data: string;
  beforeAll(async () => {
    ({ data } = await tinyPreparedShapes('cli-signal', 3));
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`saves checkpoints/last and exits ${code} on ${signal}`, async () => {
      const out = join(await temporaryFolder('cli-signal-run'), 'run');
      const training = start([
        'train',
        '--data',
        data,
        '--out',
        out,
        '--epochs',
        '1000',
        '--crop',
        '67',
        '--width',
        '0.0625',
        '-b',
        '4',
        '-j',
        '0',
        '--init',
        'he',
        '--scale',
        '0.015625',
      ]);
      // Stop it once an epoch is done, so there is a run to save.
      while (!/^epoch 1:/m.test(training.stdout()) && training.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      training.child.kill(signal);
      const { code: exit, stdout } = await training.done;
      expect(exit).toBe(code);
      expect(stdout).toContain(`continue with --resume ${join(out, 'checkpoints', 'last')}`);
      expect(await readdir(join(out, 'checkpoints', 'last'))).toContain('state.json');
      // An existing run is refused with exit code 2, and its files are left as they were.
      const again = await run(['train', '--data', data, '--out', out]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`already holds a run`);
    }, 120_000);
  }
});

/** The processes whose parent is `pid` (from /proc: field 4 of /proc/<pid>/stat). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // The command name (field 2) is in parentheses and may hold spaces: the fields after it are split.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('alexnet train --parallel with a rank that dies', () => {
  it('stops within seconds naming the rank and how it died, exits 1, and keeps the last checkpoint', async () => {
    const { data } = await tinyPreparedShapes('cli-rank', 4);
    const out = join(await temporaryFolder('cli-rank-run'), 'run');
    const training = start(
      ['train', '--data', data, '--out', out, '--epochs', '1000', '--crop', '67', '--width', '0.0625', '--columns', '2', '-b', '4', '-j', '0'].concat([
        '--init',
        'he',
        '--scale',
        '0.015625',
        '--parallel',
        'columns',
        '--transport',
        'processes',
      ]),
    );
    while (!/^epoch 1:/m.test(training.stdout()) && training.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const ranks = childrenOf(training.child.pid!);
    expect(ranks).toHaveLength(1);
    process.kill(ranks[0]!, 'SIGKILL');
    const killed = performance.now();
    const { code, stderr } = await training.done;
    expect(performance.now() - killed).toBeLessThan(10_000);
    expect(code).toBe(1);
    expect(stderr).toContain('alexnet: rank 1 failed: exited on SIGKILL (killed, or out of memory)');
    const state = JSON.parse(await readFile(join(out, 'checkpoints', 'last', 'state.json'), 'utf8')) as { epoch: number };
    expect(state.epoch).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
