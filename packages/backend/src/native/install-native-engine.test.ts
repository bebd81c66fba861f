import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { describeEachEngine } from '@alexnet/test-support/engines';
import { installNativeEngine } from './install-native-engine.js';

describe('installNativeEngine', () => {
  // A TensorFlow the user names is checked before node_modules is touched, so these change nothing.
  it('names a --tensorflow path that does not exist or is not TensorFlow', async () => {
    const dir = await temporaryFolder('install');
    await expect(installNativeEngine({ tensorflow: join(dir, 'missing') })).rejects.toThrow(`--tensorflow ${join(dir, 'missing')}: no such file or folder`);
    await expect(installNativeEngine({ env: { ...process.env, ALEXNET_TENSORFLOW: dir } })).rejects.toThrow(`${dir}: not a TensorFlow C library`);
  });

  it('refuses a CPU-only wheel for the GPU engine by its name, before extracting it', async () => {
    const wheel = join(
      await temporaryFolder('install-gpu'),
      `tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}.whl`,
    );
    await writeFile(wheel, 'never read');
    await expect(installNativeEngine({ gpu: true, tensorflow: wheel })).rejects.toThrow(
      `--tensorflow ${wheel}: a CPU-only TensorFlow; a GPU engine needs a CUDA build (pip's 'tensorflow')`,
    );
  });
});

describeEachEngine(
  'installNativeEngine where the engine is installed',
  () => {
    it('does nothing and says so', async () => {
      const lines: string[] = [];
      const result = await installNativeEngine({ log: (l) => lines.push(l), env: { ...process.env, ALEXNET_TENSORFLOW: '' } });
      expect(result).toMatchObject({ engine: 'node', action: 'already usable', package: '@tensorflow/tfjs-node' });
      expect(result.tensorflow).toMatch(/^\d+\.\d+\.\d+/);
      expect(lines.at(-1)).toMatch(/^@tensorflow\/tfjs-node already loads TensorFlow \d+\.\d+\.\d+.*: nothing to do$/);
    });
  },
  ['node'],
);
