import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { lockFolder, LOCK_FILE, type FolderLock } from '@alexnet/data';
import { UsageError } from './exit-codes.js';

/** What a run writes into its folder: what --force replaces (nothing else there is touched). */
export const RUN_FILES = ['config.json', 'metrics.jsonl', 'metrics.csv', 'curves.png', 'checkpoints', 'model'] as const;

/** runs/<prefix>-<time>, with -2, -3 … when a run started in the same millisecond took the name. */
export async function freshRunFolder(parent: string, prefix: string): Promise<string> {
  const stem = join(parent, `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  for (let n = 1; ; n++) {
    const dir = resolve(n === 1 ? stem : `${stem}-${n}`);
    if (!(await runFilesIn(dir)).length && !(await exists(dir))) return dir;
  }
}

async function exists(dir: string): Promise<boolean> {
  return readdir(dir).then(
    () => true,
    () => false,
  );
}

/** The run files already in `dir` (none when it does not exist). */
async function runFilesIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    if (error.code === 'ENOTDIR') throw new UsageError(`--out ${dir}: is a file, not a folder`);
    throw error;
  });
  return [...RUN_FILES, LOCK_FILE].filter((n) => names.includes(n));
}

/**
 * Checks, before anything is created, that `dir` may receive a new run: it
 * holds none, or `force` says to replace it, or it is the run being resumed.
 */
export async function checkRunFolder(dir: string, options: { force: boolean; resuming: boolean }): Promise<void> {
  if (options.resuming || options.force) return;
  const found = await runFilesIn(dir);
  if (found.length > 0) {
    throw new UsageError(
      `--out ${dir} already holds a run (${found.join(', ')}): continue it with --resume ${join(dir, 'checkpoints', 'last')}, ` +
        'replace it with --force, or choose another --out',
    );
  }
}

/**
 * Creates and locks the run folder (a second writer is refused, even with
 * --force), then, with `force`, removes the earlier run's files.
 */
export async function claimRunFolder(dir: string, options: { force: boolean; resuming: boolean }): Promise<FolderLock> {
  await mkdir(dir, { recursive: true });
  const lock = await lockFolder(dir, 'alexnet train');
  if (options.force && !options.resuming) {
    try {
      for (const name of RUN_FILES) await rm(join(dir, name), { recursive: true, force: true });
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  return lock;
}
