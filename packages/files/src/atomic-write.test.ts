import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { writeFileAtomic } from './atomic-write.js';

describe('writeFileAtomic', () => {
  it('replaces a file whole, leaving no temporary behind', async () => {
    const dir = await temporaryFolder('atomic');
    const file = join(dir, 'a.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, [Buffer.from('tw'), Buffer.from('o')]);
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('names the file it could not write, keeping the system code', async () => {
    const file = join(await temporaryFolder('atomic-missing'), 'no-such-folder', 'a.json');
    await expect(writeFileAtomic(file, 'x')).rejects.toMatchObject({ message: `${file}: cannot be written (ENOENT)`, code: 'ENOENT' });
  });
});
