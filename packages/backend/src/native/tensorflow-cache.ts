import { access, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { describeTensorFlowFolder, type TensorFlowLibrary } from './tensorflow-library.js';
import { checkWheelName, extractTensorFlowWheel } from './wheel-archive.js';

/** Where extracted TensorFlow libraries are kept: ALEXNET_CACHE_DIR, else $XDG_CACHE_HOME/alexnet, else ~/.cache/alexnet. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ALEXNET_CACHE_DIR) return env.ALEXNET_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'alexnet');
}

function wheelFolder(root: string, wheel: string): string {
  return join(root, 'tensorflow', basename(wheel, '.whl'));
}

/**
 * The TensorFlow C library inside a wheel, extracted once into the cache (a
 * second call finds it there) and described.
 */
export async function libraryFromWheel(wheel: string, root: string, onProgress?: (done: number, total: number) => void): Promise<TensorFlowLibrary> {
  checkWheelName(wheel);
  const target = wheelFolder(root, wheel);
  const folder = join(target, 'tensorflow');
  const complete = await access(join(folder, 'libtensorflow_cc.so.2')).then(
    () => true,
    () => false,
  );
  if (!complete) await extractTensorFlowWheel(wheel, target, onProgress ? { onProgress } : {});
  return describeTensorFlowFolder(folder, `wheel ${basename(wheel)} (extracted to ${target})`);
}

function compareVersions(a: string | null, b: string | null): number {
  const parts = (v: string | null) => (v ?? '0').split(/[.+-]/).map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The newest library of a distribution already extracted into the cache, or null. */
export async function cachedLibrary(root: string, distribution: string): Promise<TensorFlowLibrary | null> {
  const found: TensorFlowLibrary[] = [];
  for (const name of await readdir(join(root, 'tensorflow')).catch(() => [] as string[])) {
    if (name.includes('.partial-')) continue;
    try {
      if (checkWheelName(`${name}.whl`).distribution !== distribution) continue;
      found.push(
        await describeTensorFlowFolder(join(root, 'tensorflow', name, 'tensorflow'), `wheel ${name}.whl (extracted to ${join(root, 'tensorflow', name)})`),
      );
    } catch {
      // an incomplete or foreign folder: not a candidate
    }
  }
  return found.sort((a, b) => compareVersions(b.version, a.version))[0] ?? null;
}
