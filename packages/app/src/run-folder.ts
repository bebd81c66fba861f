import { mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { lockFolder, LOCK_FILE, type FolderLock } from '@alexnet/data';
import { UsageError } from './exit-codes.js';

/** What a run writes into its folder: what --force replaces (nothing else there is touched). */
export const RUN_FILES = ['config.json', 'metrics.jsonl', 'metrics.csv', 'curves.png', 'checkpoints', 'model'] as const;

/** runs/<prefix>-<time>, with -2, -3 … when a run started in the same millisecond took the name. */
export async function freshRunFolder(parent: string, prefix: string): Promise<string> {
  const stem = join(parent, `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  for (let n = 1; ; n++) {
    const dir = resolve(n === 1 ? stem : `${stem}-${n}`);
    if (!(await exists(dir))) return dir;
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The run files already in `dir` (none when it does not exist). */
async function runFilesIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    if (error.code === 'ENOTDIR') throw new UsageError(`--out ${dir}: is a file, not a folder`);
    throw error;
  });
  return [...RUN_FILES, LOCK_FILE].filter((n) => names.includes(n));
}

/** Whether the files found are a run's (not a folder that only happens to hold a config.json or a model/). */
async function isRun(dir: string, found: string[]): Promise<boolean> {
  if (found.includes('checkpoints') || found.includes('metrics.jsonl') || found.includes(LOCK_FILE)) return true;
  if (!found.includes('config.json')) return false;
  const config = await readFile(join(dir, 'config.json'), 'utf8').then(
    (text) => JSON.parse(text) as unknown,
    () => undefined,
  );
  return typeof config === 'object' && config !== null && 'recipe' in config && 'engine' in config;
}

/**
 * The run folder a checkpoint belongs to: <run>/checkpoints/<name> inside a
 * folder with a run's config.json. A checkpoint copied anywhere else belongs to
 * no run, and a resume from it needs --out.
 */
export async function runOfCheckpoint(checkpointDir: string): Promise<string | undefined> {
  const real = await realpath(checkpointDir);
  const checkpoints = dirname(real);
  if (basename(checkpoints) !== 'checkpoints') return undefined;
  const run = dirname(checkpoints);
  return (await isRun(run, await runFilesIn(run))) ? run : undefined;
}

/** A path's real location when it exists (so a link or `..` cannot make one folder look like two), else as resolved. */
export async function realOrResolved(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

/**
 * Checks, before anything is created, that `dir` may receive a run: it holds
 * none, or it is the run being resumed, or `force` says to replace the run it
 * holds. A folder whose files are not a run's is never replaced.
 */
export async function checkRunFolder(dir: string, options: { force: boolean; resuming: boolean }): Promise<void> {
  if (options.resuming) return;
  const found = await runFilesIn(dir);
  if (found.length === 0) return;
  if (!(await isRun(dir, found))) {
    throw new UsageError(`--out ${dir} holds files a run would overwrite (${found.join(', ')}) but no run: choose another --out`);
  }
  if (options.force) return;
  const last = join(dir, 'checkpoints', 'last');
  const resumable = await exists(join(last, 'state.json'));
  throw new UsageError(
    `--out ${dir} already holds a run (${found.join(', ')}): ` +
      (resumable ? `continue it with --resume ${last}, ` : 'it has no checkpoint to continue from; ') +
      'replace it with --force, or choose another --out',
  );
}

/**
 * Creates and locks the run folder (a second writer is refused, even with
 * --force), then, with `force`, removes the earlier run's files. Called when
 * everything else has been checked: the caller writes config.json next.
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
