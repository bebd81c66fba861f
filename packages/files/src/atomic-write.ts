import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';

/**
 * Writes a file so that readers see either the old content or all of the new:
 * write to a uniquely named `<file>.<random>.tmp`, flush to disk, then
 * rename over the target. `data` may be a list of chunks written one after
 * another (a large file need not be concatenated in memory first).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  try {
    await writeThenRename(file, data);
  } catch (error) {
    // ENOSPC, EROFS, EACCES …: say which file, keeping the code for callers that classify it.
    const code = (error as NodeJS.ErrnoException).code;
    throw Object.assign(
      new Error(
        `${file}: cannot be written (${code ?? (error as Error).message})${code === 'ENOSPC' ? ': the disk is full' : code === 'EROFS' ? ': read-only file system' : ''}`,
      ),
      code ? { code } : {},
    );
  }
}

async function writeThenRename(file: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    if (typeof data === 'string' || !Array.isArray(data)) await handle.writeFile(data as string | Uint8Array);
    else {
      for (const chunk of data as readonly Uint8Array[]) {
        // A write may take fewer bytes than offered: loop until the chunk is out.
        for (let done = 0; done < chunk.byteLength;) done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
      }
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(tmp, file);
}
