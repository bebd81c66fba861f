import { createWriteStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { fakeElf, temporaryFolder } from '@alexnet/test-support';
import { checkWheelName, extractTensorFlowWheel, isNeededMember } from './wheel-archive.js';

const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

async function writeZip(path: string, members: Record<string, Buffer | string>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, body] of Object.entries(members)) zip.addBuffer(Buffer.from(body), name);
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await once(out, 'close');
}

const wheelMembers = {
  'tensorflow/libtensorflow_cc.so.2': fakeElf(process.arch),
  'tensorflow/libtensorflow_framework.so.2': fakeElf(process.arch),
  'tensorflow/include/tensorflow/c/c_api.h': '// c api',
  'tensorflow/include/tsl/platform/ctstring.h': '// tsl',
  'tensorflow/python/platform/build_info.py': "build_info = collections.OrderedDict([('is_cuda_build', False)])",
  'tensorflow/python/ops/array_ops.py': 'not needed',
  'tensorflow_cpu-2.21.0.dist-info/METADATA': 'Name: tensorflow_cpu\nVersion: 2.21.0\n',
  'tensorflow_cpu-2.21.0.dist-info/RECORD': 'not needed',
};

describe('checkWheelName', () => {
  it('accepts TensorFlow wheels for Linux on this architecture, and says why others are refused', () => {
    expect(checkWheelName(`/w/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_${arch}.whl`)).toEqual({ distribution: 'tensorflow-cpu', version: '2.21.0' });
    expect(checkWheelName(`tensorflow-2.20.0-cp312-cp312-manylinux_2_17_${arch}.manylinux2014_${arch}.whl`).distribution).toBe('tensorflow');
    expect(() => checkWheelName('numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl')).toThrow('not a TensorFlow wheel');
    expect(() => checkWheelName('tensorflow-2.20.0-cp312-cp312-macosx_12_0_arm64.whl')).toThrow('only on Linux');
    const other = arch === 'x86_64' ? 'aarch64' : 'x86_64';
    expect(() => checkWheelName(`tensorflow-2.20.0-cp312-cp312-manylinux_2_17_${other}.whl`)).toThrow(`but this machine is ${process.arch}`);
  });

  it('picks the library, the headers, the build info and the metadata', () => {
    expect(Object.keys(wheelMembers).filter(isNeededMember)).toEqual([
      'tensorflow/libtensorflow_cc.so.2',
      'tensorflow/libtensorflow_framework.so.2',
      'tensorflow/include/tensorflow/c/c_api.h',
      'tensorflow/include/tsl/platform/ctstring.h',
      'tensorflow/python/platform/build_info.py',
      'tensorflow_cpu-2.21.0.dist-info/METADATA',
    ]);
  });
});

describe('extractTensorFlowWheel', () => {
  it('extracts only what the binding needs, reporting progress, and leaves no staging folder', async () => {
    const dir = await temporaryFolder('wheel');
    const wheel = join(dir, `tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_${arch}.whl`);
    await writeZip(wheel, wheelMembers);
    const target = join(dir, 'out');
    const seen: Array<[number, number]> = [];
    await extractTensorFlowWheel(wheel, target, { onProgress: (done, total) => seen.push([done, total]) });
    expect((await readdir(join(target, 'tensorflow'))).sort()).toEqual(['include', 'libtensorflow_cc.so.2', 'libtensorflow_framework.so.2', 'python']);
    expect(await readFile(join(target, 'tensorflow', 'include', 'tsl', 'platform', 'ctstring.h'), 'utf8')).toBe('// tsl');
    expect(await readdir(join(target, 'tensorflow', 'python'), { recursive: true })).toEqual(['platform', join('platform', 'build_info.py')]);
    expect(seen.at(-1)![0]).toBe(seen.at(-1)![1]);
    expect((await readdir(dir)).sort()).toEqual(['out', `tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_${arch}.whl`]);
  });

  it('refuses a wheel without the library, an oversized one and a file that is not a zip, writing nothing', async () => {
    const dir = await temporaryFolder('wheel-bad');
    const partial = join(dir, 'partial.whl');
    const { 'tensorflow/libtensorflow_cc.so.2': _dropped, ...rest } = wheelMembers;
    await writeZip(partial, rest);
    await expect(extractTensorFlowWheel(partial, join(dir, 'a'))).rejects.toThrow('tensorflow/libtensorflow_cc.so.2 is missing');
    const whole = join(dir, 'whole.whl');
    await writeZip(whole, wheelMembers);
    await expect(extractTensorFlowWheel(whole, join(dir, 'b'), { maxBytes: 100 })).rejects.toThrow('more than the 100 allowed');
    const text = join(dir, 'text.whl');
    await writeFile(text, 'not a zip');
    await expect(extractTensorFlowWheel(text, join(dir, 'c'))).rejects.toThrow(`${text}: not a readable zip archive`);
    expect((await readdir(dir)).sort()).toEqual(['partial.whl', 'text.whl', 'whole.whl']);
  });
});
