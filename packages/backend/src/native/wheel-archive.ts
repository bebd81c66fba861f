import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** The members of a TensorFlow wheel that building tfjs-node's binding needs. */
export function isNeededMember(name: string): boolean {
  return (
    name === 'tensorflow/libtensorflow_cc.so.2' ||
    name === 'tensorflow/libtensorflow_framework.so.2' ||
    name === 'tensorflow/python/platform/build_info.py' ||
    (name.startsWith('tensorflow/include/') && !name.endsWith('/')) ||
    /^[^/]+\.dist-info\/METADATA$/.test(name)
  );
}

/** No member may leave the folder it is extracted into. */
function safeMemberPath(name: string): string {
  const normal = posix.normalize(name);
  if (name.includes('\0') || posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    throw new Error(`member '${name}' would be written outside the extraction folder`);
  }
  return normal;
}

const WHEEL_ARCH: Record<string, RegExp> = { x64: /x86_64/, arm64: /aarch64|arm64/ };

/** Checks a wheel's file name: a TensorFlow distribution, for Linux and this machine's architecture. */
export function checkWheelName(file: string): { distribution: string; version: string } {
  const match = /^(tensorflow|tensorflow_cpu|tensorflow_gpu|tf_nightly(?:_cpu)?)-([^-]+)-[^-]+-[^-]+-([^-]+)\.whl$/i.exec(basename(file));
  if (!match) throw new Error(`${file}: not a TensorFlow wheel (expected a name like tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl)`);
  const [, name, version, platform] = match as unknown as [string, string, string, string];
  if (!platform.includes('linux')) throw new Error(`${file}: a wheel for ${platform}; the binding can be built only on Linux here`);
  const arch = WHEEL_ARCH[process.arch];
  if (arch && !arch.test(platform)) throw new Error(`${file}: a wheel for ${platform}, but this machine is ${process.arch}`);
  return { distribution: name.toLowerCase().replace(/_/g, '-'), version };
}

export interface ExtractOptions {
  /** Called as bytes are written: done and total of the needed members, uncompressed. */
  onProgress?: (done: number, total: number) => void;
  /** Refuse archives whose needed members add up to more than this (default 8 GiB). */
  maxBytes?: number;
}

/**
 * Extracts the needed members of a TensorFlow wheel into `target` (which then
 * holds `tensorflow/` and the `.dist-info` as a site-packages folder would). The
 * members go into a staging folder renamed into place at the end, so an
 * interrupted extraction never leaves a half-written library at `target`.
 */
export async function extractTensorFlowWheel(wheel: string, target: string, options: ExtractOptions = {}): Promise<void> {
  const maxBytes = options.maxBytes ?? 8 * 2 ** 30;
  const zip = await yauzl.openPromise(wheel, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }).catch((error: Error) => {
    throw new Error(`${wheel}: not a readable zip archive (${error.message})`);
  });
  const staging = `${target}.partial-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const entries: yauzl.Entry[] = [];
    for await (const entry of zip.eachEntry()) {
      if (isNeededMember(entry.fileName)) entries.push(entry);
    }
    const total = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
    if (total > maxBytes) throw new Error(`${wheel}: its library and headers would take ${total} bytes, more than the ${maxBytes} allowed`);
    for (const name of ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2', 'tensorflow/include/tensorflow/c/c_api.h']) {
      if (!entries.some((e) => e.fileName === name)) throw new Error(`${wheel}: ${name} is missing; this wheel cannot give tfjs-node a TensorFlow C library`);
    }
    let done = 0;
    for (const entry of entries) {
      const path = join(staging, safeMemberPath(entry.fileName));
      await mkdir(dirname(path), { recursive: true });
      const stream = await zip.openReadStreamPromise(entry);
      stream.on('data', (chunk: Buffer) => options.onProgress?.((done += chunk.length), total));
      await pipeline(stream, createWriteStream(path, { mode: entry.fileName.endsWith('.so.2') ? 0o755 : 0o644 }));
    }
    options.onProgress?.(total, total);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  } finally {
    zip.close();
  }
}
