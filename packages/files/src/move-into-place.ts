import { copyFile, constants, link, lstat, mkdir, rename, rmdir, unlink } from 'node:fs/promises';

/**
 * Moves a finished file or folder from its staging name to `to` on the same file system, refusing
 * when `to` exists — also when it appeared after the caller checked, which a plain `rename` would
 * silently replace (a file) or fill (an empty folder on POSIX). Errors name `to`, keep the system's
 * code (EEXIST when it exists) and the original error as `cause`.
 */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  if ((await lstat(from)).isDirectory()) return moveFolder(from, to);
  try {
    await link(from, to); // a second name for the same file, or EEXIST: never a replacement
  } catch (error) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP'].includes(codeOf(error) ?? '')) throw moveError(to, error);
    await copyExclusive(from, to);
  }
  // `to` is in place; a staging name that cannot be removed is left behind rather than reported as a failed move.
  await unlink(from).catch(() => undefined);
}

async function moveFolder(from: string, to: string): Promise<void> {
  // Windows' rename refuses any existing folder already (as EPERM); POSIX's replaces an empty one.
  if (process.platform === 'win32') {
    await rename(from, to).catch(async (error: unknown) => {
      const taken = await lstat(to).then(
        () => true,
        () => false,
      );
      throw moveError(to, taken ? Object.assign(new Error(`${to} exists`, { cause: error }), { code: 'EEXIST' }) : error);
    });
    return;
  }
  // Claim the name with an empty folder (mkdir fails if anything is there), then rename onto it.
  // A crash between the two leaves that empty folder, which a rerun then reports as existing.
  await mkdir(to).catch((error: unknown) => {
    throw moveError(to, error);
  });
  try {
    await rename(from, to);
  } catch (error) {
    await rmdir(to).catch(() => undefined); // ours while empty; if someone wrote into it, it stays
    throw moveError(to, error);
  }
}

/**
 * A file system without hard links: an exclusive copy (not atomic: a reader could see it half
 * written). A copy that fails after creating `to` removes it itself (libuv's copyfile does), and
 * one that failed before must not touch `to`, which may be someone else's: no unlink here.
 */
async function copyExclusive(from: string, to: string): Promise<void> {
  await copyFile(from, to, constants.COPYFILE_EXCL).catch((error: unknown) => {
    throw moveError(to, error);
  });
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function moveError(to: string, error: unknown): Error {
  const code = codeOf(error);
  const exists = code === 'EEXIST' || code === 'ENOTEMPTY';
  const message = exists ? `${to} exists; nothing was overwritten` : `${to}: cannot be moved into place (${code ?? (error as Error).message})`;
  return Object.assign(new Error(message, { cause: error }), { code: exists ? 'EEXIST' : code });
}
