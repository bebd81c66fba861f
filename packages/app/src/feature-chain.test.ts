import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@alexnet/backend';
import { alexNet } from './alexnet.js';
import { alexNetOwt } from './alexnet-owt.js';
import { featureChain, type FeatureChainConfig } from './feature-chain.js';
import { formatSummary, summarize } from './model-summary.js';

const PAPER = { conv1: 55, pool1: 27, pool2: 13, pool5: 6, fc6Inputs: 9216, matchesPaper: true };

describe('featureChain', () => {
  it("is the paper's 55-27-13-6 at 227, and at 224 with conv1Padding 'paper' (224's default)", () => {
    expect(featureChain({ arch: 'alexnet', inputSize: 227 })).toEqual(PAPER);
    expect(featureChain({ arch: 'alexnet', inputSize: 224 })).toEqual(PAPER);
    expect(featureChain({ arch: 'alexnet', inputSize: 224, conv1Padding: 'paper' })).toEqual(PAPER);
    expect(featureChain({ arch: 'alexnet', inputSize: 227, pool: 'non-overlapping' })).toEqual(PAPER);
    expect(featureChain({ arch: 'alexnet-owt', inputSize: 224 })).toEqual(PAPER);
    expect(featureChain({ arch: 'alexnet-owt', inputSize: 224, pool: 'non-overlapping' })).toEqual(PAPER);
    // alexnet-owt's conv1 padding is torchvision's whatever conv1Padding says (its builder refuses the setting).
    expect(featureChain({ arch: 'alexnet-owt', inputSize: 224, conv1Padding: 'valid' })).toEqual(PAPER);
  });

  it('says, in one line, what 224 with valid padding gives instead', () => {
    expect(featureChain({ arch: 'alexnet', inputSize: 224, conv1Padding: 'valid' })).toEqual({
      conv1: 54,
      pool1: 26,
      pool2: 12,
      pool5: 5,
      fc6Inputs: 6400,
      matchesPaper: false,
      note: "input 224 with valid conv1 padding gives conv1 54×54 and pool5 5×5 (fc6 reads 6,400 inputs per 256 channels instead of 9,216); the paper's 55-27-13-6 needs 227, or 224 with --conv1-padding paper",
    });
    expect(featureChain({ arch: 'alexnet', inputSize: 224, conv1Padding: 'valid', pool: 'non-overlapping' })).toEqual({
      conv1: 54,
      pool1: 27,
      pool2: 13,
      pool5: 6,
      fc6Inputs: 9216,
      matchesPaper: false,
      note: "input 224 with valid conv1 padding and 2×2 non-overlapping pooling gives conv1 54×54 and pool5 6×6 (fc6 still reads 9,216 inputs per 256 channels); the paper's 55-27-13-6 needs 227, or 224 with --conv1-padding paper",
    });
    expect(featureChain({ arch: 'alexnet-owt', inputSize: 227 })).toMatchObject({
      conv1: 56,
      pool5: 6,
      matchesPaper: false,
      note: "input 227 with torchvision's conv1 padding of 2 gives conv1 56×56 and pool5 6×6 (fc6 still reads 9,216 inputs per 256 channels); alexnet-owt gives the paper's 55-27-13-6 at 224",
    });
    expect(featureChain({ arch: 'alexnet', inputSize: 112 }).note).toBe(
      "input 112 with valid conv1 padding gives conv1 26×26 and pool5 2×2 (fc6 reads 1,024 inputs per 256 channels instead of 9,216); the paper's 55-27-13-6 needs 227, or 224 with --conv1-padding paper",
    );
  });

  it("counts fc6's inputs for a width (conv5's channels rounded per column)", () => {
    expect(featureChain({ arch: 'alexnet', inputSize: 227, width: 0.25 }).fc6Inputs).toBe(36 * 64);
    // conv5 is 256 × width, rounded per column: 0.066 gives 2 × 8 = 16 channels in two columns, 17 in one.
    expect(featureChain({ arch: 'alexnet', inputSize: 227, width: 0.07 }).fc6Inputs).toBe(36 * 18);
    expect(featureChain({ arch: 'alexnet', inputSize: 227, width: 0.07, columns: 1 }).fc6Inputs).toBe(36 * 18);
    expect(featureChain({ arch: 'alexnet', inputSize: 227, width: 0.066, columns: 2 }).fc6Inputs).toBe(36 * 16);
    expect(featureChain({ arch: 'alexnet', inputSize: 227, width: 0.066, columns: 1 }).fc6Inputs).toBe(36 * 17);
  });

  it('refuses what the builders refuse', () => {
    expect(() => featureChain({ arch: 'alexnet', inputSize: 66 })).toThrow('input size 66 is too small for AlexNet: need at least 67 pixels');
    expect(() => featureChain({ arch: 'alexnet-owt', inputSize: 62 })).toThrow('input size 62 is too small for AlexNet: need at least 63 pixels');
    expect(() => featureChain({ arch: 'vgg' as never, inputSize: 224 })).toThrow("arch must be 'alexnet' or 'alexnet-owt'");
  });
});

describe('featureChain against the built models', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'cpu', log: null });
  });

  const cases: FeatureChainConfig[] = [
    { arch: 'alexnet', inputSize: 227 },
    { arch: 'alexnet', inputSize: 224 },
    { arch: 'alexnet', inputSize: 224, conv1Padding: 'valid' },
    { arch: 'alexnet', inputSize: 224, conv1Padding: 'valid', pool: 'non-overlapping', columns: 1 },
    { arch: 'alexnet', inputSize: 100, conv1Padding: 'paper', pool: 'non-overlapping' },
    { arch: 'alexnet-owt', inputSize: 224 },
    { arch: 'alexnet-owt', inputSize: 227, pool: 'non-overlapping' },
  ];
  it.each(cases)('agrees with the layers of %o', (config) => {
    const { arch, ...rest } = config;
    const width = 0.0625;
    const model =
      arch === 'alexnet' ? alexNet({ ...rest, classes: 10, width }) : alexNetOwt({ inputSize: rest.inputSize, pool: rest.pool, classes: 10, width });
    const chain = featureChain({ ...config, width });
    const side = (name: string) => (model.getLayer(name).outputShape as number[])[1];
    expect({ conv1: side('conv1'), pool1: side('pool1'), pool2: side('pool2'), pool5: side('pool5'), fc6Inputs: side('flatten') }).toEqual({
      conv1: chain.conv1,
      pool1: chain.pool1,
      pool2: chain.pool2,
      pool5: chain.pool5,
      fc6Inputs: chain.fc6Inputs,
    });
    model.dispose();
  });

  it('goes into a model summary: the table as before, then the chain and its note', () => {
    const model = alexNet({ classes: 10, inputSize: 224, width: 0.0625, conv1Padding: 'valid' });
    const chain = featureChain({ arch: 'alexnet', inputSize: 224, conv1Padding: 'valid', width: 0.0625 });
    const plain = formatSummary(summarize(model));
    const text = formatSummary(summarize(model, { chain }));
    expect(text.startsWith(`${plain}\n`)).toBe(true);
    expect(text.slice(plain.length + 1).split('\n')).toEqual([
      'feature maps: conv1 54×54, pool1 26×26, pool2 12×12, pool5 5×5; fc6 reads 400 inputs',
      `note: ${chain.note}`,
    ]);
    expect(summarize(model)).not.toHaveProperty('chain');
    const paper = alexNet({ classes: 10, width: 0.0625 });
    expect(
      formatSummary(summarize(paper, { chain: featureChain({ arch: 'alexnet', inputSize: 227, width: 0.0625 }) }))
        .split('\n')
        .at(-1),
    ).toBe("feature maps: conv1 55×55, pool1 27×27, pool2 13×13, pool5 6×6; fc6 reads 576 inputs (the paper's 55-27-13-6)");
    for (const m of [model, paper]) m.dispose();
    tf.disposeVariables();
  });
});
