import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { checkRunFolder, claimRunFolder, freshRunFolder } from './run-folder.js';

describe('run folders', () => {
  it('get a fresh name, are refused when they hold a run, and --force replaces only the run files', async () => {
    const root = await temporaryFolder('run-folder');
    const first = await freshRunFolder(root, 'paper');
    expect(first).toMatch(/\/paper-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    await mkdir(join(first, 'checkpoints'), { recursive: true });
    await writeFile(join(first, 'config.json'), '{}');
    await writeFile(join(first, 'notes.txt'), 'mine');
    const options = { force: false, resuming: false };
    await expect(checkRunFolder(first, options)).rejects.toThrow(`--out ${first} already holds a run (config.json, checkpoints)`);
    await checkRunFolder(first, { ...options, resuming: true });
    await checkRunFolder(join(root, 'empty'), options);
    await writeFile(join(root, 'file'), '');
    await expect(checkRunFolder(join(root, 'file'), options)).rejects.toThrow(`--out ${join(root, 'file')}: is a file, not a folder`);
    const lock = await claimRunFolder(first, { force: true, resuming: false });
    expect((await readdir(first)).sort()).toEqual(['.alexnet.lock', 'notes.txt']);
    await lock.release();
  });
});
