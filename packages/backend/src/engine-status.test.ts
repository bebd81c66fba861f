import { describe, expect, it } from 'vitest';
import { engineAvailable } from '@alexnet/test-support/engines';
import { engineStatus } from './engine-status.js';

describe('engineStatus', () => {
  it('lists every engine, best first, with versions, and agrees with what loads in this process', async () => {
    const report = await engineStatus();
    expect(report.engines.map((e) => e.engine)).toEqual(['node-gpu', 'node', 'wasm', 'cpu']);
    const byName = Object.fromEntries(report.engines.map((e) => [e.engine, e]));
    expect(byName.cpu).toMatchObject({ status: 'usable', versions: { '@tensorflow/tfjs': expect.stringMatching(/^\d+\.\d+\.\d+$/) } });
    expect(byName.wasm!.status).toBe('usable');
    expect(byName.node!.status === 'usable').toBe(engineAvailable('node'));
    if (byName.node!.status === 'usable') expect(byName.node!.versions.TensorFlow).toMatch(/^\d+\.\d+\.\d+/);
    else expect(['not installed', 'failed to load']).toContain(byName.node!.status);
    const expected = byName['node-gpu']!.status === 'usable' ? 'node-gpu' : engineAvailable('node') ? 'node' : 'wasm';
    expect(report.auto).toBe(expected);
  });
});
