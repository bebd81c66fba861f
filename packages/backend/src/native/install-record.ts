import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TensorFlowLibrary } from './tensorflow-library.js';

/** What `installNativeEngine` left in a package's deps/ folder, so status and reruns can say where TensorFlow came from. */
export interface InstallRecord {
  /** 'built': compiled here against `library`; 'stock': the package's own install script (libtensorflow download). */
  method: 'built' | 'stock';
  library: TensorFlowLibrary | null;
  /** TensorFlow's version as the binding reports it. */
  tensorflow: string;
  packageVersion: string;
  node: string;
  date: string;
}

export function recordPath(packageDir: string): string {
  return join(packageDir, 'deps', 'alexnet-engine.json');
}

/** The record in a package folder, or null when there is none or it is not one of ours. */
export async function readInstallRecord(packageDir: string): Promise<InstallRecord | null> {
  try {
    const value = JSON.parse(await readFile(recordPath(packageDir), 'utf8')) as Partial<InstallRecord>;
    const ok =
      (value.method === 'built' || value.method === 'stock') &&
      typeof value.tensorflow === 'string' &&
      typeof value.packageVersion === 'string' &&
      typeof value.node === 'string' &&
      typeof value.date === 'string' &&
      (value.library === null || (typeof value.library === 'object' && typeof value.library?.libDir === 'string' && typeof value.library?.origin === 'string'));
    return ok ? (value as InstallRecord) : null;
  } catch {
    return null;
  }
}
