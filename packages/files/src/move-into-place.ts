import { copyFile, constants, link, lstat, mkdir, rename, rmdir, unlink } from 'node:fs/promises';

/**
 * Moves a finished file or folder from its staging name to `to`, refusing when `to` exists — also
 * when it appeared after the caller checked, which a plain `rename` would silently replace (a file)
 * or fill (an empty folder). Errors name `to` and keep the system's code (EEXIST when it exists).
 */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  const exists = (error: unknown): Error => {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTEMPTY' ? 'exists; nothing was overwritten' : `cannot be written (${code ?? (error as Error).message})`;
    return Object.assign(new Error(`${to} ${why}`), { code: code === 'ENOTEMPTY' ? 'EEXIST' : code });
  };
  if ((await lstat(from)).isDirectory()) {
    // Claim the name with an empty folder (mkdir fails if anything is there); rename may replace only an empty folder.
    await mkdir(to).catch((error: unknown) => {
      throw exists(error);
    });
    try {
      await rename(from, to);
    } catch (error) {
      await rmdir(to).catch(() => undefined); // ours while empty; if someone wrote into it, it stays
      throw exists(error);
    }
    return;
  }
  try {
    await link(from, to); // a new name for the same file, or EEXIST: never a replacement
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw exists(error);
    // A file system without hard links: an exclusive copy (a reader could see it half written).
    await copyFile(from, to, constants.COPYFILE_EXCL).catch((copyError: unknown) => {
      throw exists(copyError);
    });
  }
  await unlink(from);
}
