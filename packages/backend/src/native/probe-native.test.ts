import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { loadFailureReason, probeNativeEngine } from './probe-native.js';

describe('loadFailureReason', () => {
  it("turns tfjs-node's load errors into one line", () => {
    const missing =
      'Error: The Node.js native addon module (tfjs_binding.node) can not be found at path: /p/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node. \nPlease run command ...';
    expect(loadFailureReason(missing)).toBe('its native binding is not built (no /p/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node)');
    expect(loadFailureReason('Error: libtensorflow_cc.so.2: cannot open shared object file: No such file or directory\n    at Module._extensions')).toBe(
      'libtensorflow_cc.so.2: cannot open shared object file (the TensorFlow library it was built against is gone)',
    );
  });
});

describe('probeNativeEngine', () => {
  it('reports a folder that is not an engine package as failing to load, in a child process', async () => {
    const result = await probeNativeEngine(await temporaryFolder('probe'));
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toMatch(/Cannot find module/);
  });
});
