import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, parseEngineChoice } from './index.js';

describe('initBackend', () => {
  it('auto picks the best engine that loads and says why better ones were passed over', async () => {
    const lines: string[] = [];
    const report = await initBackend({ log: (l) => lines.push(l), env: {} });
    expect(report.attempts.map((a) => a.engine)).toEqual(['node-gpu', 'node', 'wasm', 'cpu'].slice(0, report.attempts.length));
    expect(report.attempts.at(-1)?.status).toBe('used');
    for (const passed of report.attempts.slice(0, -1)) {
      expect(['not installed', 'failed to load', 'no GPU']).toContain(passed.status);
      expect(lines[0]).toContain(`${passed.engine}: ${passed.status}`);
    }
    expect(lines[0]).toMatch(new RegExp(`^engine: ${report.engine}`));
    expect(tf.getBackend()).toBe(report.tfBackend);
  });

  it('honours an explicit choice', async () => {
    const report = await initBackend({ prefer: 'cpu', log: null });
    expect(report.engine).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initBackend({ prefer: 'wasm', log: null });
    expect(wasm.engine).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('reads ALEXNET_BACKEND when no choice is given', async () => {
    const report = await initBackend({ env: { ALEXNET_BACKEND: 'cpu' }, log: null });
    expect(report.engine).toBe('cpu');
  });

  it('rejects an unknown engine, naming where it came from', async () => {
    await expect(initBackend({ env: { ALEXNET_BACKEND: 'tpu' }, log: null })).rejects.toThrow("ALEXNET_BACKEND: unknown engine 'tpu'");
    expect(() => parseEngineChoice('gpu', '--backend')).toThrow("--backend: unknown engine 'gpu'; expected one of auto, node-gpu, node, wasm, cpu");
  });

  it('fails clearly when an engine that is asked for is not installed', async () => {
    let installed = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      installed = false;
    }
    if (installed) return; // on a machine with tfjs-node this case cannot be produced
    await expect(initBackend({ prefer: 'node', log: null })).rejects.toThrow("engine 'node' was asked for but is unavailable: not installed");
  });
});
