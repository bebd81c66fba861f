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
    expect(() => summaryFor(['--arch', 'vgg'])).toThrow("option '--arch <name>' argument 'vgg' is invalid. Allowed choices are alexnet, alexnet-owt.");
    expect(() => summaryFor(['--width=-1'])).toThrow("option '--width <x>' argument '-1' is invalid. expected a positive number");
    expect(() => summaryFor(['--classes', '2.5'])).toThrow("option '--classes <n>' argument '2.5' is invalid. expected an integer ≥ 2");
    expect(() => summaryFor(['--input', '50'])).toThrow('input size 50 is too small for AlexNet');
    expect(() => summaryFor(['--bogus'])).toThrow(/--bogus/);
  });

  it("builds the paper's 55-27-13-6 at 224 by padding conv1, and says so; valid padding there is reported, not silent", () => {
    const paper = summaryFor(['--input', '224']);
    expect([paper.summary.params, paper.chain.conv1, paper.chain.pool5, paper.chain.matchesPaper]).toEqual([60_965_224, 55, 6, true]);
    let text = '';
    runSummary(['--input', '224', '--conv1-padding', 'valid', '--width', '0.25', '--classes', '10'], (t) => (text += t));
    expect(text).toContain('feature maps: conv1 54×54, pool1 26×26, pool2 12×12, pool5 5×5; fc6 reads 1,600 inputs');
    expect(text).toContain(
      "note: input 224 with valid conv1 padding gives conv1 54×54 and pool5 5×5 (fc6 reads 6,400 inputs per 256 channels instead of 9,216); the paper's 55-27-13-6 needs 227, or 224 with --conv1-padding paper",
    );
    text = '';
    runSummary(['--width', '0.25', '--classes', '10'], (t) => (text += t));
    expect(text).toContain("fc6 reads 2,304 inputs (the paper's 55-27-13-6)");
    expect(() => summaryFor(['--arch', 'alexnet-owt', '--lrn', 'paper'])).toThrow('--columns, --lrn and --conv1-padding apply to --arch alexnet');
  });
});
