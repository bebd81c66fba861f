import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO } from './demo-config.js';
import { parseDemoFlags } from './demo-flags.js';

describe('demo flags', () => {
  it('defaults to the demo config, engine from ALEXNET_BACKEND', () => {
    expect(parseDemoFlags([], {})).toEqual(DEFAULT_DEMO);
    expect(parseDemoFlags([], { ALEXNET_BACKEND: 'cpu' }).backend).toBe('cpu');
    expect(parseDemoFlags(['--backend', 'wasm'], { ALEXNET_BACKEND: 'cpu' }).backend).toBe('wasm');
    expect(parseDemoFlags([], { ALEXNET_BACKEND: '' }).backend).toBe(DEFAULT_DEMO.backend);
  });

  it('overrides by flag', () => {
    const config = parseDemoFlags(['--epochs', '3', '--lr', '0.02', '--width', '0.5', '--crop', '100'], {});
    expect([config.epochs, config.learningRate, config.width, config.crop]).toEqual([3, 0.02, 0.5, 100]);
  });

  it('rejects unknown flags and impossible values, naming them', () => {
    expect(() => parseDemoFlags(['--epoch', '3'], {})).toThrow(/--epoch/);
    expect(() => parseDemoFlags(['--epochs', '0'], {})).toThrow("--epochs: expected a positive integer, got '0'");
    expect(() => parseDemoFlags(['--lr', 'fast'], {})).toThrow("--lr: expected a positive number, got 'fast'");
    expect(() => parseDemoFlags(['--crop', '200'], {})).toThrow('--crop 200 is larger than --size 128');
  });
});
