import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipDownload } from './pip-download.js';
import { findPythonTensorFlow } from './python-tensorflow.js';
import { cachedLibrary, libraryFromWheel } from './tensorflow-cache.js';
import { checkWheelName } from './wheel-archive.js';
import { describeTensorFlowFolder, type TensorFlowLibrary } from './tensorflow-library.js';

export interface LocateOptions {
  /** A path given by the user (a libtensorflow folder, a wheel, a site-packages TensorFlow) and where it came from ('--tensorflow', 'ALEXNET_TENSORFLOW'). */
  explicit?: { path: string; source: string };
  /** 'cuda' for tfjs-node-gpu. */
  variant: 'cpu' | 'cuda';
  pythons: readonly string[];
  cacheRoot: string;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  onProgress?: (stage: 'download' | 'extract', done: number, total: number | undefined) => void;
}

/** The pip distribution that holds the C library for each variant. */
export const PIP_DISTRIBUTION = { cpu: 'tensorflow-cpu', cuda: 'tensorflow' } as const;

function usable(library: TensorFlowLibrary, variant: 'cpu' | 'cuda'): boolean {
  return variant === 'cpu' || library.variant !== 'cpu';
}

/**
 * Finds a TensorFlow C library to build against, in this order: the path the
 * user gave; an installed Python TensorFlow; one downloaded before (the cache);
 * `pip download` of tensorflow-cpu (tensorflow, the CUDA build, for 'cuda').
 */
export async function locateTensorFlow(options: LocateOptions): Promise<TensorFlowLibrary> {
  const { explicit, variant, log } = options;
  const extract = (done: number, total: number) => options.onProgress?.('extract', done, total);
  if (explicit) {
    const info = await stat(explicit.path).catch(() => null);
    if (info === null) throw new Error(`${explicit.source} ${explicit.path}: no such file or folder`);
    const cpuOnly = () =>
      new Error(`${explicit.source} ${explicit.path}: a CPU-only TensorFlow; a GPU engine needs a CUDA build (pip's '${PIP_DISTRIBUTION.cuda}')`);
    // Refuse a CPU-only wheel by its name, before extracting a gigabyte from it.
    if (!info.isDirectory() && variant === 'cuda' && checkWheelName(explicit.path).distribution === 'tensorflow-cpu') throw cpuOnly();
    const library = info.isDirectory()
      ? await describeTensorFlowFolder(explicit.path, `${explicit.source} ${explicit.path}`)
      : await libraryFromWheel(explicit.path, options.cacheRoot, extract);
    if (!usable(library, variant)) throw cpuOnly();
    return library;
  }
  const python = await findPythonTensorFlow(options.pythons, log, options.env);
  if (python && usable(python, variant)) return python;
  if (python) log(`  ${python.origin} is a CPU-only build: not usable for a GPU engine`);
  const distribution = PIP_DISTRIBUTION[variant];
  const cached = await cachedLibrary(options.cacheRoot, distribution);
  if (cached) return cached;
  const size = variant === 'cpu' ? 'about 270 MB' : 'the CUDA build, larger; CUDA and cuDNN themselves must be installed on the machine';
  log(`no Python TensorFlow found: downloading ${distribution} with pip (${size}) for the C library inside it`);
  const downloads = join(options.cacheRoot, 'downloads');
  const wheel = await pipDownload(distribution, downloads, {
    pythons: options.pythons,
    log,
    ...(options.env ? { env: options.env } : {}),
    onProgress: (done, total) => options.onProgress?.('download', done, total),
  });
  try {
    return await libraryFromWheel(wheel, options.cacheRoot, extract);
  } finally {
    await rm(wheel, { force: true }); // the extracted library is kept; the archive is not needed again
  }
}
