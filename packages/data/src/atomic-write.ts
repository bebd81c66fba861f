import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';

/**
 * Writes a file so that readers see either the old content or all of the new:
 * write to a uniquely named `<file>.<random>.tmp`, flush to disk, then
 * rename over the target. `data` may be a list of chunks written one after
 * another (a large file need not be concatenated in memory first).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    if (typeof data === 'string' || !Array.isArray(data)) await handle.writeFile(data as string | Uint8Array);
    else {
      for (const chunk of data as readonly Uint8Array[]) {
        // A write may take fewer bytes than offered: loop until the chunk is out.
        for (let done = 0; done < chunk.byteLength; ) done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
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
