import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { LOCK_FILE, lockFolder } from './folder-lock.js';

describe('lockFolder', () => {
  it('holds the folder for one writer, naming the holder to a second, until released', async () => {
    const dir = await temporaryFolder('lock');
    const lock = await lockFolder(dir, 'first');
    expect(lock.file).toBe(join(dir, LOCK_FILE));
    expect(JSON.parse(await readFile(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), command: 'first' });
    await expect(lockFolder(dir, 'second')).rejects.toThrow(`${dir} is in use by first (pid ${process.pid} on ${hostname()}`);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    await (await lockFolder(dir, 'second')).release();
  });

  it('takes over a lock whose process is gone', async () => {
    const dir = await temporaryFolder('lock-stale');
    const gone = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid names no live process (barring reuse)
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, host: hostname(), command: 'crashed', started: new Date().toISOString() }));
    const lock = await lockFolder(dir, 'next');
    expect(JSON.parse(await readFile(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, command: 'next' });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not hang on a FIFO planted under the lock name', async () => {
    const dir = await temporaryFolder('lock-fifo');
    expect(spawnSync('mkfifo', [join(dir, LOCK_FILE)]).status).toBe(0);
    await expect(lockFolder(dir, 'x')).rejects.toThrow(`${join(dir, LOCK_FILE)}: not a regular file; remove it if no alexnet command is running in ${dir}`);
  });
});
