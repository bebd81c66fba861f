import { spawnSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { fileInside, openRegularFile, readJsonFile, readRegularFile } from './safe-files.js';

describe('fileInside', () => {
  it('accepts plain file names and refuses anything that leaves the folder', () => {
    expect(fileInside('/data', 'train-00000.shard', 'index.json')).toBe('/data/train-00000.shard');
    for (const name of ['../outside.shard', '/dev/zero', 'a/b', 'a\\b', '', '.', '..', 'x\0y', 42, null]) {
      expect(() => fileInside('/data', name, 'index.json: splits.train.shards')).toThrow(
        `index.json: splits.train.shards: ${JSON.stringify(name)} is not a plain file name inside /data`,
      );
    }
  });
});

describe('openRegularFile / readRegularFile', () => {
  it('refuses a FIFO at once instead of waiting for a writer, and a device, a symbolic link and a folder', async () => {
    const dir = await temporaryFolder('safe-files');
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await expect(readRegularFile(fifo)).rejects.toThrow(`${fifo}: not a regular file`);
    await expect(readRegularFile('/dev/zero')).rejects.toThrow('/dev/zero: not a regular file');
    const link = join(dir, 'link');
    await symlink('/etc/hostname', link);
    await expect(readRegularFile(link)).rejects.toThrow(`${link}: is a symbolic link; only regular files are read`);
    await expect(readRegularFile(dir)).rejects.toThrow(`${dir}: not a regular file`);
    await expect(readRegularFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('checks sizes before reading', async () => {
    const file = join(await temporaryFolder('safe-sizes'), 'f');
    await writeFile(file, Buffer.alloc(100));
    await expect(readRegularFile(file, { exactBytes: 99 })).rejects.toThrow(`${file}: 100 bytes where 99 were expected`);
    await expect(readRegularFile(file, { maxBytes: 10 })).rejects.toThrow(`${file}: 100 bytes, more than the 10 allowed`);
    expect((await readRegularFile(file, { exactBytes: 100 })).length).toBe(100);
    const { handle, size } = await openRegularFile(file);
    await handle.close();
    expect(size).toBe(100);
  });

  it('parses JSON, naming the file when it is not', async () => {
    const file = join(await temporaryFolder('safe-json'), 'x.json');
    await writeFile(file, '{"a": 1');
    await expect(readJsonFile(file)).rejects.toThrow(`${file}: not valid JSON`);
    await writeFile(file, '{"a": 1}');
    expect(await readJsonFile(file)).toEqual({ a: 1 });
    await expect(readJsonFile(file, 3)).rejects.toThrow('more than the 3 allowed');
  });
});
