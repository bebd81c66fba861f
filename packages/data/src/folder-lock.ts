import { unlinkSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** The lock file a writer keeps in the folder it owns (a run, a prepared dataset). */
export const LOCK_FILE = '.alexnet.lock';

const HOLDER = z.object({ pid: z.number().int().positive(), host: z.string(), command: z.string(), started: z.string() });
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

/** The holder of an existing lock, or null when the lock is stale (its process is gone) or unreadable and old. */
async function currentHolder(file: string): Promise<Holder | null | 'fresh'> {
  const text = await readFile(file, 'utf8').catch(() => '');
  let holder: Holder | undefined;
  try {
    holder = HOLDER.parse(JSON.parse(text));
  } catch {
    // Created but not yet written, or cut short by a crash: stale once it is a few seconds old.
    const age = await stat(file).then((s) => Date.now() - s.mtimeMs, () => Infinity);
    return age < 5000 ? 'fresh' : null;
  }
  if (holder.host !== hostname()) return holder; // another machine (a shared disk): cannot check, so held
  return alive(holder.pid) ? holder : null;
}

/**
 * Takes the folder for this process alone: a lock file with the pid, created
 * exclusively. A second writer gets an error naming the holder; a lock left by
 * a process that no longer runs is taken over.
 */
export async function lockFolder(dir: string, command: string): Promise<FolderLock> {
  const file = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.close();
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
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${file}: cannot create the lock (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const holder = await currentHolder(file);
    if (holder === 'fresh') throw new Error(`${dir} is being taken by another process (${file} was just created); try again in a moment`);
    if (holder !== null) {
      throw new Error(`${dir} is in use by ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.started}); wait for it to finish or stop it — one writer per folder`);
    }
    await unlink(file).catch(() => undefined); // stale: its process is gone
  }
  throw new Error(`${file}: could not take the lock after removing a stale one`);
}
