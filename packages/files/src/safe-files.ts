import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/**
 * A name read from a file (a shard, a weights file, the mean image) as a path
 * in `dir`: it must be a plain file name — no separator, not `.` or `..`, not
 * absolute, no NUL — so a file from someone else cannot point outside its folder.
 * `source` names where the name was read, for the error.
 */
export function fileInside(dir: string, name: unknown, source: string): string {
  const plain = typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && !isAbsolute(name) && name.length <= 255;
  if (!plain) throw new Error(`${source}: ${JSON.stringify(name)} is not a plain file name inside ${dir}`);
  return join(dir, name);
}

export interface RegularFileLimits {
  /** Refuse files larger than this. */
  maxBytes?: number;
  /** Follow a symbolic link at the last component (a user's own image tree may link images in); default false. */
  followLinks?: boolean;
  /** Refuse files of any other size (what a header or manifest promises). */
  exactBytes?: number;
}

// O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: no symbolic link out of the folder.
const readFlags = (limits: RegularFileLimits) => constants.O_RDONLY | constants.O_NONBLOCK | (limits.followLinks ? 0 : constants.O_NOFOLLOW);

/** Errors keep the system's code (ENOENT, EACCES …) so callers can classify them. */
function openFailure(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'ELOOP' ? `${path}: is a symbolic link; only regular files are read` : `${path}: cannot be opened (${code ?? (error as Error).message})`;
  return Object.assign(new Error(message), code ? { code } : {});
}

/** Only regular files, of the size promised: checked on the open descriptor, before anything is read. */
function checkRegular(path: string, info: Stats, limits: RegularFileLimits): number {
  if (!info.isFile()) throw new Error(`${path}: not a regular file`);
  if (limits.exactBytes !== undefined && info.size !== limits.exactBytes)
    throw new Error(`${path}: ${info.size} bytes where ${limits.exactBytes} were expected`);
  if (limits.maxBytes !== undefined && info.size > limits.maxBytes) throw new Error(`${path}: ${info.size} bytes, more than the ${limits.maxBytes} allowed`);
  return info.size;
}

/**
 * Opens a file for reading only if it is a regular file (not a FIFO, device,
 * socket or symbolic link — a FIFO would block forever, /dev/zero never ends)
 * whose size is within the limits.
 */
export async function openRegularFile(path: string, limits: RegularFileLimits = {}): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(path, readFlags(limits)).catch((error: unknown) => {
    throw openFailure(path, error);
  });
  try {
    return { handle, size: checkRegular(path, await handle.stat(), limits) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** openRegularFile for synchronous readers (shards are read with positional reads on a descriptor). */
export function openRegularFileSync(path: string, limits: RegularFileLimits = {}): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, readFlags(limits));
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    return { fd, size: checkRegular(path, fstatSync(fd), limits) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The whole of a regular file within the limits (see openRegularFile). */
export async function readRegularFile(path: string, limits: RegularFileLimits = {}): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path, limits);
  try {
    const buffer = Buffer.allocUnsafe(size);
    for (let done = 0; done < size;) {
      const { bytesRead } = await handle.read(buffer, done, size - done, done);
      if (bytesRead === 0) throw new Error(`${path}: ended after ${done} of ${size} bytes (changed while read)`);
      done += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

/** JSON files this project reads are small: their size is capped before parsing. */
export const MAX_JSON_BYTES = 64 * 2 ** 20;

/** Parses a JSON file (a regular file of at most `maxBytes`), naming the file on failure. */
export async function readJsonFile(path: string, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  const text = (await readRegularFile(path, { maxBytes })).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
}
