import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readRegularFile } from './safe-files.js';

/** The lock file a writer keeps in the folder it owns (a run, a prepared dataset). */
export const LOCK_FILE = '.alexnet.lock';

const HOLDER = z.object({ pid: z.number().int().positive(), host: z.string().max(256), command: z.string().max(256), started: z.string().max(64) });
type Holder = z.infer<typeof HOLDER>;

export interface FolderLock {
  readonly file: string;
  /** Removes the lock (also done when the process exits). */
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

type Reading = { state: 'held'; holder: Holder } | { state: 'stale' | 'fresh'; text: string };

function parseHolder(text: string): Holder | undefined {
  try {
    return HOLDER.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** What an existing lock file says: held by a live process, stale (its process is gone), or just being written. */
async function readLock(file: string): Promise<Reading> {
  // Only a small regular file is read: a FIFO or device planted under the name must not hang or flood us.
  const text = await readRegularFile(file, { maxBytes: 4096 }).then(
    (b) => b.toString('utf8'),
    (error: Error) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new Error(`${error.message}; remove it if no alexnet command is running in ${join(file, '..')}`);
    },
  );
  const holder = parseHolder(text);
  if (holder === undefined) {
    // Created but not yet written, or cut short by a crash: stale once it is a few seconds old.
    const age = await stat(file).then(
      (s) => Date.now() - s.mtimeMs,
      () => Infinity,
    );
    return { state: age < 5000 ? 'fresh' : 'stale', text };
  }
  if (holder.host !== hostname()) return { state: 'held', holder }; // another machine (a shared disk): cannot check, so held
  return alive(holder.pid) ? { state: 'held', holder } : { state: 'stale', text };
}

function inUse(dir: string, holder: Holder): Error {
  return new Error(
    `${dir} is in use by ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.started}); wait for it to finish or stop it — one writer per folder`,
  );
}

/**
 * Moves a lock judged stale out of the way. Two processes may judge the same
 * lock stale: the rename lets only one move that file, and a process that
 * finds it moved a different (fresh) lock puts it back and reports its holder.
 */
async function takeOverStale(file: string, dir: string, judged: string): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch {
    return; // someone else moved it first: try again from the start
  }
  const moved = await readRegularFile(aside, { maxBytes: 4096 }).then(
    (b) => b.toString('utf8'),
    () => '',
  );
  if (moved !== judged) {
    await link(aside, file).catch(() => undefined); // put a live lock back where it was
    await unlink(aside).catch(() => undefined);
    const holder = parseHolder(moved);
    if (holder) throw inUse(dir, holder);
    return;
  }
  await unlink(aside).catch(() => undefined);
}

/**
 * Takes the folder for this process alone: a lock file with the pid, created
 * exclusively. A second writer gets an error naming the holder; a lock left by
 * a process that no longer runs is taken over.
 */
export async function lockFolder(dir: string, command: string): Promise<FolderLock> {
  const file = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    let created = false;
    try {
      const handle = await open(file, 'wx');
      created = true;
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      const onExit = () => {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.once('exit', onExit);
      return {
        file,
        async release() {
          process.removeListener('exit', onExit);
          await unlink(file).catch(() => undefined);
        },
      };
    } catch (error) {
      if (created) {
        await unlink(file).catch(() => undefined);
        throw new Error(`${file}: cannot write the lock (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new Error(`${file}: cannot create the lock (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const reading = await readLock(file);
    if (reading.state === 'held') throw inUse(dir, reading.holder);
    if (reading.state === 'fresh') throw new Error(`${dir} is being taken by another process (${file} was just created); try again in a moment`);
    await takeOverStale(file, dir, reading.text);
  }
  throw new Error(`${file}: could not take the lock (it kept changing)`);
}
