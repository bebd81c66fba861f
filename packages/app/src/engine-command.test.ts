import { describe, expect, it } from 'vitest';
import type { EnginesReport } from '@alexnet/backend';
import { formatEngineStatus, runEngine } from './engine-command.js';

describe('alexnet engine', () => {
  it('prints every engine with its status and the one auto picks; --json gives the same report', async () => {
    let text = '';
    const report = (await runEngine([], (t) => (text += t))) as EnginesReport;
    const lines = text.trim().split('\n');
    expect(lines.slice(0, 4).map((l) => l.split(/\s+/)[0])).toEqual(['node-gpu', 'node', 'wasm', 'cpu']);
    expect(lines).toContain(`auto picks: ${report.auto}`);
    let json = '';
    await runEngine(['--json'], (t) => (json += t));
    expect(JSON.parse(json).engines.map((e: { engine: string }) => e.engine)).toEqual(['node-gpu', 'node', 'wasm', 'cpu']);
  });

  it('says what to type when the native engine is not usable', () => {
    const text = formatEngineStatus({
      auto: 'wasm',
      engines: [
        {
          engine: 'node-gpu',
          package: '@tensorflow/tfjs-node-gpu',
          status: 'not installed',
          detail: '@tensorflow/tfjs-node-gpu is not installed',
          versions: {},
        },
        {
          engine: 'node',
          package: '@tensorflow/tfjs-node',
          status: 'failed to load',
          detail: 'its native binding is not built',
          versions: { '@tensorflow/tfjs-node': '4.22.0' },
        },
        { engine: 'wasm', package: '@tensorflow/tfjs-backend-wasm', status: 'usable', detail: 'WebAssembly', versions: {} },
        { engine: 'cpu', package: '@tensorflow/tfjs', status: 'usable', detail: 'plain JavaScript', versions: {} },
      ],
    });
    expect(text).toContain('node      failed to load  @tensorflow/tfjs-node 4.22.0 — its native binding is not built');
    expect(text.trim().split('\n').at(-1)).toBe("the native engine (TensorFlow's C library, several times faster than wasm): npx alexnet engine install");
  });

  it('refuses unknown flags', async () => {
    await expect(runEngine(['install', '--gpus'])).rejects.toThrow("unknown option '--gpus'\n(Did you mean --gpu?)");
    await expect(runEngine(['--verbose'])).rejects.toThrow("unknown option '--verbose'");
  });
});
