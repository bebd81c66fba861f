// TensorFlow-shaped folders with tiny fake libraries, for the native-engine installer's tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const E_MACHINE: Record<string, number> = { x64: 0x3e, arm64: 0xb7 };

/** A 64-byte ELF header for an architecture: enough for the architecture check, not a loadable library. */
export function fakeElf(arch: string): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header[6] = 1;
  header.writeUInt16LE(3, 16); // shared object
  header.writeUInt16LE(E_MACHINE[arch] ?? 0, 18);
  return header;
}

/** A site-packages folder with tensorflow/ and its dist-info; returns the tensorflow/ folder. */
export async function fakeSitePackages(
  sitePackages: string,
  options: { distribution: string; version: string; arch?: string; headers?: boolean; cuda?: boolean },
): Promise<string> {
  const tensorflow = join(sitePackages, 'tensorflow');
  await mkdir(join(tensorflow, 'python', 'platform'), { recursive: true });
  for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) await writeFile(join(tensorflow, lib), fakeElf(options.arch ?? process.arch));
  if (options.headers !== false) {
    await mkdir(join(tensorflow, 'include', 'tensorflow', 'c'), { recursive: true });
    await writeFile(join(tensorflow, 'include', 'tensorflow', 'c', 'c_api.h'), '');
  }
  const info = options.cuda ? "[('cuda_version', '12.5.1'), ('cudnn_version', '9'), ('is_cuda_build', True)]" : "[('is_cuda_build', False)]";
  await writeFile(join(tensorflow, 'python', 'platform', 'build_info.py'), `build_info = collections.OrderedDict(${info})\n`);
  const distInfo = join(sitePackages, `${options.distribution}-${options.version}.dist-info`);
  await mkdir(distInfo);
  await writeFile(join(distInfo, 'METADATA'), `Metadata-Version: 2.4\nName: ${options.distribution}\nVersion: ${options.version}\n`);
  return tensorflow;
}
