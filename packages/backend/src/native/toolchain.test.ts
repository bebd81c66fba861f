import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { findToolchain } from './toolchain.js';

describe('findToolchain', () => {
  it('names every missing tool with what to install', async () => {
    const empty = await temporaryFolder('no-tools');
    const env = { PATH: empty, HOME: empty };
    const error = await findToolchain(env).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^cannot compile tfjs-node's binding; missing:/);
    expect(error?.message).toContain('Python 3, which node-gyp runs (Debian/Ubuntu: apt-get install python3)');
    expect(error?.message).toContain('make (Debian/Ubuntu: apt-get install make)');
    expect(error?.message).toContain('a C++ compiler (Debian/Ubuntu: apt-get install g++)');
  });
});
