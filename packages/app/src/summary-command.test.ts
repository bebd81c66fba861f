import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { runSummary, summaryFor } from './summary-command.js';

describe('alexnet summary', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', log: null });
  });

  it('reports the paper network by default and torchvision’s with --arch alexnet-owt', () => {
    expect(summaryFor([]).summary.params).toBe(60_965_224);
    expect(summaryFor(['--arch', 'alexnet-owt']).summary.params).toBe(61_100_840);
  });

  it('prints a table, or JSON with params and layers', () => {
    let text = '';
    runSummary(['--classes', '10', '--input', '112', '--width', '0.25'], (t) => (text += t));
    expect(text).toMatch(/^layer\s+type\s+output\s+params$/m);
    expect(text).toMatch(/^conv2\s+AlexNetGroupedConv2D\s+\[12, 12, 64\]\s+19,264$/m);
    expect(text).toMatch(/^total parameters: [\d,]+$/m);
    let json = '';
    runSummary(['--json', '--classes', '10', '--input', '112', '--width', '0.25'], (t) => (json += t));
    const parsed = JSON.parse(json);
    expect(parsed.layers.find((l: { name: string }) => l.name === 'fc8')).toEqual({ name: 'fc8', type: 'Dense', outputShape: [null, 10], params: 10_250 });
    expect(parsed.params).toBe(parsed.layers.reduce((s: number, l: { params: number }) => s + l.params, 0));
  });

  it('rejects unknown architectures and bad numbers, naming the flag', () => {
    expect(() => summaryFor(['--arch', 'vgg'])).toThrow("--arch: expected one of alexnet, alexnet-owt, got 'vgg'");
    expect(() => summaryFor(['--width=-1'])).toThrow("--width: expected a positive number, got '-1'");
    expect(() => summaryFor(['--classes', '2.5'])).toThrow("--classes: expected a positive integer, got '2.5'");
    expect(() => summaryFor(['--input', '50'])).toThrow('input size 50 is too small for AlexNet');
    expect(() => summaryFor(['--bogus'])).toThrow(/--bogus/);
  });
});
