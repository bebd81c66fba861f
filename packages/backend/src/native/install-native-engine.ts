import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENGINE_PACKAGES } from '../engines.js';
import { buildBinding } from './build-binding.js';
import { ensureEnginePackage } from './engine-package.js';
import { readInstallRecord, recordPath, type InstallRecord } from './install-record.js';
import { locateTensorFlow } from './locate-tensorflow.js';
import { probeNativeEngine } from './probe-native.js';
import { runStockInstall } from './stock-install.js';
import { cacheRoot } from './tensorflow-cache.js';
import type { TensorFlowLibrary } from './tensorflow-library.js';
import { findToolchain } from './toolchain.js';

export interface InstallProgress {
  stage: 'download' | 'extract' | 'compile';
  done: number;
  /** Unknown while pip has not said how large the wheel is. */
  total: number | undefined;
  unit: 'B' | 'step';
}

export interface InstallNativeEngineOptions {
  /** Make @tensorflow/tfjs-node-gpu usable (CUDA) instead of @tensorflow/tfjs-node. */
  gpu?: boolean;
  /** A TensorFlow to build against: a libtensorflow folder (lib/ + include/), a TensorFlow wheel, or a Python site-packages TensorFlow. Default: ALEXNET_TENSORFLOW, then an installed Python TensorFlow, then `pip download`. */
  tensorflow?: string;
  /** Rebuild even when the engine already loads. */
  force?: boolean;
  /** Python interpreters to ask for TensorFlow and pip (default: PYTHON, python3, python). */
  pythons?: string[];
  /** Where downloaded libraries are extracted (default: ALEXNET_CACHE_DIR, $XDG_CACHE_HOME/alexnet or ~/.cache/alexnet). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** What it does, a line at a time (default: none). */
  log?: (line: string) => void;
  onProgress?: (progress: InstallProgress) => void;
}

export interface NativeEngineInstall {
  engine: 'node' | 'node-gpu';
  package: string;
  packageDir: string;
  /** What was done: nothing (it already loaded), the package's own install, or a build here. */
  action: 'already usable' | 'stock install' | 'built';
  /** TensorFlow's version as the loaded binding reports it. */
  tensorflow: string;
  /** Whether TensorFlow sees a CUDA GPU. */
  gpu: boolean;
  /** The library it was built against (null for the stock install). */
  library: TensorFlowLibrary | null;
  seconds: number;
}

const COMPILE_STEP = /^\s*(CXX|SOLINK_MODULE|COPY)\(target\)|^\s*COPY \//;

/**
 * Makes tfjs-node (or, with `gpu`, tfjs-node-gpu) usable in this install.
 * Where the package already loads, nothing is done. Otherwise the package's own
 * install (a libtensorflow 2.9 download) is tried for the CPU engine when its
 * host answers and no TensorFlow was named; failing that — offline, or for the
 * GPU engine, whose stock build needs CUDA 11.2 — the binding is compiled from
 * the package's sources against a current TensorFlow C library found on this
 * machine or fetched with pip. Errors name what is missing and what to do; a
 * binding that was built but does not load is removed, so the wasm and cpu
 * engines keep working whatever happens.
 */
export async function installNativeEngine(options: InstallNativeEngineOptions = {}): Promise<NativeEngineInstall> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const engine = options.gpu ? 'node-gpu' : 'node';
  const name = ENGINE_PACKAGES[engine].pkg;
  const pythons = options.pythons ?? [...new Set([env.PYTHON, 'python3', 'python'].filter((p): p is string => !!p))];
  const seconds = () => (performance.now() - started) / 1000;

  const explicitPath = options.tensorflow ?? (env.ALEXNET_TENSORFLOW || undefined);
  const explicit =
    explicitPath === undefined ? undefined : { path: explicitPath, source: options.tensorflow !== undefined ? '--tensorflow' : 'ALEXNET_TENSORFLOW' };
  const root = options.cacheDir ?? cacheRoot(env);
  const locate = () =>
    locateTensorFlow({
      ...(explicit ? { explicit } : {}),
      variant: options.gpu ? 'cuda' : 'cpu',
      pythons,
      cacheRoot: root,
      log,
      env,
      onProgress: (stage, done, total) => options.onProgress?.({ stage, done, total, unit: 'B' }),
    });
  // A TensorFlow the user named is checked before anything in node_modules changes.
  const named = explicit ? await locate() : undefined;
  const pkg = await ensureEnginePackage(name, log);

  if (!explicit && !options.force) {
    const probe = await probeNativeEngine(pkg.dir, env);
    if (probe.ok) {
      const record = await readInstallRecord(pkg.dir);
      log(`${name} already loads TensorFlow ${probe.tensorflow}${record?.library ? ` (${record.library.origin})` : ''}: nothing to do`);
      return {
        engine,
        package: name,
        packageDir: pkg.dir,
        action: 'already usable',
        tensorflow: probe.tensorflow,
        gpu: probe.gpu,
        library: record?.library ?? null,
        seconds: seconds(),
      };
    }
    log(`${name} ${pkg.version} does not load yet: ${probe.reason}`);
  }

  const finish = async (action: 'stock install' | 'built', library: TensorFlowLibrary | null): Promise<NativeEngineInstall> => {
    const probe = await probeNativeEngine(pkg.dir, env);
    if (!probe.ok) {
      await rm(pkg.bindingPath, { force: true });
      throw new Error(
        `${name}'s binding was ${action === 'built' ? 'built' : 'installed'} but does not load: ${probe.reason}. It was removed, so the wasm and cpu engines are unaffected`,
      );
    }
    const record: InstallRecord = {
      method: action === 'built' ? 'built' : 'stock',
      library,
      tensorflow: probe.tensorflow,
      packageVersion: pkg.version,
      node: process.version,
      date: new Date().toISOString(),
    };
    await writeFile(recordPath(pkg.dir), `${JSON.stringify(record, null, 2)}\n`);
    return { engine, package: name, packageDir: pkg.dir, action, tensorflow: probe.tensorflow, gpu: probe.gpu, library, seconds: seconds() };
  };

  // The ordinary path where it works: the package's own install script.
  if (!explicit && !options.gpu) {
    const why = await runStockInstall(pkg, log, env);
    if (why === null) return finish('stock install', null);
    log(`${name}'s own install cannot run here: ${why}`);
  }

  const library = named ?? (await locate());
  const cuda = library.cuda ? ` for CUDA ${library.cuda.cuda ?? '?'} / cuDNN ${library.cuda.cudnn ?? '?'}` : '';
  log(`TensorFlow ${library.version ?? '(version unknown)'} (${library.distribution}${cuda}): ${library.origin}`);
  const toolchain = await findToolchain(env);
  log(`compiling ${name}'s binding from its sources with node-gyp and ${toolchain.compiler}`);
  let steps = 0;
  await buildBinding(pkg, library, toolchain, {
    logFile: join(root, 'logs', `build-${name.replace('/', '+')}-${Date.now()}.log`),
    onLine: (line) => {
      if (COMPILE_STEP.test(line)) options.onProgress?.({ stage: 'compile', done: ++steps, total: 4, unit: 'step' });
    },
  });
  return finish('built', library);
}
