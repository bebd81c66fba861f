import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO } from './demo-config.js';
import { parseDemoFlags } from './demo-flags.js';

describe('demo flags', () => {
  it('defaults to the demo data and recipe, engine from ALEXNET_BACKEND', () => {
    expect(parseDemoFlags([], {})).toEqual(DEFAULT_DEMO);
    expect(parseDemoFlags([], { ALEXNET_BACKEND: 'cpu' }).train.backend).toBe('cpu');
    expect(parseDemoFlags(['--backend', 'wasm'], { ALEXNET_BACKEND: 'cpu' }).train.backend).toBe('wasm');
    expect(parseDemoFlags([], { ALEXNET_BACKEND: '' }).train.backend).toBe('auto');
  });

  it('takes every train flag, over the demo recipe', () => {
    const config = parseDemoFlags(['--epochs', '3', '--lr', '0.02', '--width', '0.5', '--crop', '100', '-b', '16', '--lrn', 'off', '--per-class', '20'], {});
    expect(config.train).toEqual({ backend: 'auto', epochs: 3, lr: 0.02, width: 0.5, crop: 100, batchSize: 16, lrn: 'off' });
    expect(config.perClass).toBe(20);
  });

  it('rejects unknown flags and impossible values, naming them', () => {
    expect(() => parseDemoFlags(['--epoch', '3'], {})).toThrow("unknown option '--epoch'\n(Did you mean --epochs?)");
    expect(() => parseDemoFlags(['--epochs', '0'], {})).toThrow("option '--epochs <n>' argument '0' is invalid. expected a positive integer");
    expect(() => parseDemoFlags(['--lr', 'fast'], {})).toThrow("option '--lr <x>' argument 'fast' is invalid. expected a positive number");
    expect(() => parseDemoFlags(['--crop', '200'], {})).toThrow('--crop 200 is larger than --size 128');
    expect(() => parseDemoFlags(['--backend', 'gpu'], {})).toThrow(
      "option '--backend <engine>' argument 'gpu' is invalid. Allowed choices are auto, node-gpu, node, wasm, cpu.",
    );
  });
});
