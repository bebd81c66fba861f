import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeElf, fakeSitePackages, temporaryFolder } from '@alexnet/test-support';
import { describeTensorFlowFolder, parseBuildInfo } from './tensorflow-library.js';

describe('parseBuildInfo', () => {
  it("reads a wheel's build_info.py", () => {
    expect(parseBuildInfo("build_info = collections.OrderedDict([('is_cuda_build', False), ('is_rocm_build', False)])")).toEqual({ variant: 'cpu' });
    expect(parseBuildInfo("build_info = collections.OrderedDict([('cuda_version', '12.5.1'), ('cudnn_version', '9'), ('is_cuda_build', True)])")).toEqual({
      variant: 'cuda',
      cuda: { cuda: '12.5.1', cudnn: '9' },
    });
    expect(parseBuildInfo('')).toEqual({ variant: 'unknown' });
  });
});

describe('describeTensorFlowFolder', () => {
  it('describes a Python site-packages TensorFlow, with version and variant from its dist-info and build info', async () => {
    const tensorflow = await fakeSitePackages(await temporaryFolder('tf-site'), { distribution: 'tensorflow_cpu', version: '2.21.0' });
    const library = await describeTensorFlowFolder(tensorflow, 'test');
    expect(library).toMatchObject({
      libDir: tensorflow,
      includeDir: join(tensorflow, 'include'),
      library: 'libtensorflow_cc.so.2',
      distribution: 'tensorflow-cpu',
      version: '2.21.0',
      variant: 'cpu',
      origin: 'test',
    });
    // The site-packages folder itself is accepted too.
    expect((await describeTensorFlowFolder(join(tensorflow, '..'), 'test')).libDir).toBe(tensorflow);
  });

  it('describes a libtensorflow archive folder (lib/ + include/)', async () => {
    const root = await temporaryFolder('tf-archive');
    await mkdir(join(root, 'lib'));
    await mkdir(join(root, 'include', 'tensorflow', 'c'), { recursive: true });
    await writeFile(join(root, 'include', 'tensorflow', 'c', 'c_api.h'), '');
    await writeFile(join(root, 'lib', 'libtensorflow.so.2.15.0'), fakeElf(process.arch));
    await writeFile(join(root, 'lib', 'libtensorflow_framework.so.2'), fakeElf(process.arch));
    const { symlink } = await import('node:fs/promises');
    await symlink('libtensorflow.so.2.15.0', join(root, 'lib', 'libtensorflow.so.2'));
    expect(await describeTensorFlowFolder(root, 'test')).toMatchObject({
      libDir: join(root, 'lib'),
      library: 'libtensorflow.so.2',
      distribution: 'libtensorflow',
      version: '2.15.0',
    });
  });

  it('names the folder and what is wrong', async () => {
    const empty = await temporaryFolder('tf-empty');
    await expect(describeTensorFlowFolder(join(empty, 'nope'), 'test')).rejects.toThrow(`${join(empty, 'nope')}: no such folder`);
    await expect(describeTensorFlowFolder(empty, 'test')).rejects.toThrow(`${empty}: not a TensorFlow C library`);
    const other = process.arch === 'x64' ? 'arm64' : 'x64';
    const foreign = await fakeSitePackages(await temporaryFolder('tf-foreign'), { distribution: 'tensorflow', version: '2.20.0', arch: other });
    await expect(describeTensorFlowFolder(foreign, 'test')).rejects.toThrow(`is built for ${other}, but this machine is ${process.arch}`);
    const headless = await fakeSitePackages(await temporaryFolder('tf-headless'), { distribution: 'tensorflow', version: '2.20.0', headers: false });
    await expect(describeTensorFlowFolder(headless, 'test')).rejects.toThrow('the C API headers are missing');
  });
});
