import { describe, expect, it } from 'vitest';
import { isMissingModule } from './load-engine.js';

describe('isMissingModule', () => {
  const pkg = '@tensorflow/tfjs-node';
  it('recognises the engine package itself missing', () => {
    expect(isMissingModule(new Error(`Cannot find package '${pkg}' imported from /app/x.js`), pkg)).toBe(true);
    expect(isMissingModule(new Error(`Cannot find module '${pkg}/dist/index.js'`), pkg)).toBe(true);
    expect(isMissingModule(new Error(`Could not resolve "${pkg}" imported by "@alexnet/backend"`), pkg)).toBe(true);
  });

  it('does not take a broken install for a missing one', () => {
    // A dependency of the engine is missing: the package is installed but cannot load.
    const broken = new Error(`Cannot find module 'google-protobuf'\nRequire stack:\n- /app/node_modules/${pkg}/dist/index.js`);
    expect(isMissingModule(broken, pkg)).toBe(false);
    expect(isMissingModule(new Error(`/app/node_modules/${pkg}/lib/napi-v8/tfjs_binding.node: cannot open shared object file`), pkg)).toBe(false);
  });
});
