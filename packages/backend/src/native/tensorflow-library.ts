import { access, readdir, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { elfMachine } from './elf-machine.js';

/** Whether a TensorFlow build runs on the CPU only or can use CUDA GPUs. */
export type TensorFlowVariant = 'cpu' | 'cuda' | 'unknown';

/** A TensorFlow C library on disk that tfjs-node's binding can be built against. */
export interface TensorFlowLibrary {
  /** Folder holding the shared libraries; the binding is linked with an rpath to it. */
  libDir: string;
  /** Folder holding `tensorflow/c/c_api.h` and what it includes. */
  includeDir: string;
  /** The library that exports the C and eager C APIs (`libtensorflow_cc.so.2` in wheels, `libtensorflow.so.2` in libtensorflow archives). */
  library: string;
  /** `libtensorflow_framework.so.2`, which `library` needs. */
  framework: string;
  /** The distribution it came from: `tensorflow-cpu`, `tensorflow`, `libtensorflow`, … */
  distribution: string;
  /** Its version as packaged (the binding reports the library's own after the build). */
  version: string | null;
  variant: TensorFlowVariant;
  /** CUDA and cuDNN versions a CUDA build was made for (from the wheel's build_info.py). */
  cuda?: { cuda?: string; cudnn?: string };
  /** Where it was found, for people: "Python TensorFlow at …", "wheel …". */
  origin: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Python's `name-version.dist-info` folder names normalise `-` to `_`; people write `tensorflow-cpu`. */
function distributionName(raw: string): string {
  return raw.toLowerCase().replace(/[_.]+/g, '-');
}

/** Name and version from the METADATA of the tensorflow*.dist-info beside a site-packages `tensorflow/` folder. */
async function wheelMetadata(sitePackages: string): Promise<{ distribution: string; version: string } | null> {
  const entries = await readdir(sitePackages).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => /^(tensorflow|tensorflow[-_]cpu|tensorflow[-_]gpu|tf[-_]nightly[-\w]*)-[^-]+\.dist-info$/i.test(e)).sort()) {
    const text = await readFile(join(sitePackages, entry, 'METADATA'), 'utf8').catch(() => '');
    const name = /^Name:\s*(\S+)/m.exec(text)?.[1];
    const version = /^Version:\s*(\S+)/m.exec(text)?.[1];
    if (name && version) return { distribution: distributionName(name), version };
  }
  return null;
}

/** `build_info.py` of a wheel: whether it is a CUDA build and for which CUDA and cuDNN. */
export function parseBuildInfo(text: string): { variant: TensorFlowVariant; cuda?: { cuda?: string; cudnn?: string } } {
  const field = (name: string) => new RegExp(`\\(?['"]${name}['"]\\s*[,:]\\s*['"]?([^'")]+)['"]?\\)?`).exec(text)?.[1]?.trim();
  const isCuda = field('is_cuda_build');
  if (isCuda === undefined) return { variant: 'unknown' };
  if (isCuda !== 'True') return { variant: 'cpu' };
  const cuda = field('cuda_version');
  const cudnn = field('cudnn_version');
  return { variant: 'cuda', cuda: { ...(cuda ? { cuda } : {}), ...(cudnn ? { cudnn } : {}) } };
}

/**
 * Describes a folder that holds a TensorFlow C library: a Python site-packages
 * `tensorflow/` folder (`libtensorflow_cc.so.2` + `include/`), or a libtensorflow
 * archive's folder (`lib/libtensorflow.so.2` + `include/`). Throws, naming the
 * folder and what is missing or wrong (e.g. a library for another architecture).
 */
export async function describeTensorFlowFolder(folder: string, origin: string): Promise<TensorFlowLibrary> {
  const dir = await realpath(folder).catch(() => {
    throw new Error(`${folder}: no such folder`);
  });
  let found: Omit<TensorFlowLibrary, 'origin'> | undefined;
  if (await exists(join(dir, 'libtensorflow_cc.so.2'))) {
    const meta = await wheelMetadata(dirname(dir));
    const info = parseBuildInfo(await readFile(join(dir, 'python', 'platform', 'build_info.py'), 'utf8').catch(() => ''));
    found = {
      libDir: dir,
      includeDir: join(dir, 'include'),
      library: 'libtensorflow_cc.so.2',
      framework: 'libtensorflow_framework.so.2',
      distribution: meta?.distribution ?? 'tensorflow',
      version: meta?.version ?? null,
      ...info,
    };
  } else if (await exists(join(dir, 'lib', 'libtensorflow.so.2'))) {
    const versioned = basename(await realpath(join(dir, 'lib', 'libtensorflow.so.2')));
    found = {
      libDir: join(dir, 'lib'),
      includeDir: join(dir, 'include'),
      library: 'libtensorflow.so.2',
      framework: 'libtensorflow_framework.so.2',
      distribution: 'libtensorflow',
      version: /^libtensorflow\.so\.(\d+\.\d+\.\d+)$/.exec(versioned)?.[1] ?? null,
      variant: 'unknown',
    };
  } else if (await exists(join(dir, 'tensorflow', 'libtensorflow_cc.so.2'))) {
    return describeTensorFlowFolder(join(dir, 'tensorflow'), origin); // a site-packages folder itself
  } else {
    throw new Error(
      `${folder}: not a TensorFlow C library (expected libtensorflow_cc.so.2 and include/ as in a Python TensorFlow, or lib/libtensorflow.so.2 and include/ as in a libtensorflow archive)`,
    );
  }
  for (const file of [found.library, found.framework]) {
    if (!(await exists(join(found.libDir, file)))) throw new Error(`${folder}: ${file} is missing from ${found.libDir}`);
  }
  if (!(await exists(join(found.includeDir, 'tensorflow', 'c', 'c_api.h')))) {
    throw new Error(`${folder}: the C API headers are missing (no ${join(found.includeDir, 'tensorflow', 'c', 'c_api.h')})`);
  }
  const machine = await elfMachine(join(found.libDir, found.library));
  if (machine === null) throw new Error(`${join(found.libDir, found.library)}: not a Linux shared library (ELF)`);
  if (machine !== process.arch) {
    throw new Error(`${join(found.libDir, found.library)} is built for ${machine}, but this machine is ${process.arch}: use a TensorFlow for ${process.arch}`);
  }
  return { ...found, origin };
}
