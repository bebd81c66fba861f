import { Option } from '@commander-js/extra-typings';
import { alexNet } from './alexnet.js';
import { CONV1_PADDINGS, LRN_MODES, POOL_MODES } from './alexnet-config.js';
import { alexNetOwt } from './alexnet-owt.js';
import { alexnetCommand, backendOption, parseCommandLine } from './command-line.js';
import { UsageError } from './exit-codes.js';
import { featureChain } from './feature-chain.js';
import { formatSummary, summarize, type ModelSummary } from './model-summary.js';
import { numberValue } from './option-values.js';

export const ARCHS = ['alexnet', 'alexnet-owt'] as const;
export type Arch = (typeof ARCHS)[number];

export function defineSummaryCommand() {
  return alexnetCommand('summary', "each layer's output shape and parameter count, and whether the paper's 55-27-13-6 chain holds")
    .addOption(
      new Option('--arch <name>', "alexnet: the paper's two-column network; alexnet-owt: torchvision's single column")
        .choices(ARCHS)
        .default('alexnet' as const),
    )
    .addOption(new Option('--classes <n>', 'output classes [1000]').argParser(numberValue({ integer: true, min: 2 })))
    .addOption(new Option('--input <px>', 'input side [227 for alexnet, 224 for alexnet-owt]').argParser(numberValue({ integer: true, min: 1, max: 4096 })))
    .addOption(new Option('--width <x>', 'width multiplier [1]').argParser(numberValue({ above: 0 })))
    .addOption(new Option('--columns <n>', 'alexnet: 2 GPU columns (the paper) or 1 [2]').choices(['1', '2'] as const))
    .addOption(new Option('--lrn <mode>', 'alexnet: paper, alpha-over-n or off [paper]').choices(LRN_MODES))
    .addOption(new Option('--pool <kind>', 'overlapping 3×3/2 or non-overlapping 2×2/2 [overlapping]').choices(POOL_MODES))
    .addOption(new Option('--conv1-padding <kind>', 'alexnet: valid, or paper (224 padded to 55×55) [paper at 224]').choices(CONV1_PADDINGS))
    .option('--json', 'print { name, params, layers: [{ name, type, outputShape, params }], chain }')
    .addOption(backendOption());
}

/** Builds the named architecture and summarizes it; the model is disposed afterwards. */
export function summaryFor(args: string[]): { summary: ModelSummary; chain: ReturnType<typeof featureChain>; json: boolean; conv1Padding?: 'valid' | 'paper' } {
  const v = parseCommandLine(defineSummaryCommand(), args).opts();
  const common = {
    ...(v.classes === undefined ? {} : { classes: v.classes }),
    ...(v.input === undefined ? {} : { inputSize: v.input }),
    ...(v.width === undefined ? {} : { width: v.width }),
    ...(v.pool === undefined ? {} : { pool: v.pool }),
  };
  if (v.arch === 'alexnet-owt' && (v.columns !== undefined || (v.lrn !== undefined && v.lrn !== 'off') || v.conv1Padding === 'paper')) {
    throw new UsageError(
      "--columns, --lrn and --conv1-padding apply to --arch alexnet; alexnet-owt is torchvision's single column without LRN, conv1 padded by 2",
    );
  }
  const model =
    v.arch === 'alexnet'
      ? alexNet({
          ...common,
          ...(v.columns === undefined ? {} : { columns: Number(v.columns) as 1 | 2 }),
          ...(v.lrn === undefined ? {} : { lrn: v.lrn }),
          ...(v.conv1Padding === undefined ? {} : { conv1Padding: v.conv1Padding }),
        })
      : alexNetOwt(common);
  const inputSize = model.inputs[0]!.shape[1] as number;
  const chain = featureChain({
    arch: v.arch,
    inputSize,
    width: v.width ?? 1,
    ...(v.columns ? { columns: Number(v.columns) as 1 | 2 } : {}),
    ...(v.pool ? { pool: v.pool } : {}),
    ...(v.conv1Padding ? { conv1Padding: v.conv1Padding } : {}),
  });
  const summary = summarize(model, { chain });
  model.dispose();
  // alexnet's conv1 padding as built (alexnet-owt pads by 2, as torchvision does).
  const conv1Padding = v.arch === 'alexnet' ? (summary.layers.some((l) => l.name === 'pad1') ? 'paper' : 'valid') : undefined;
  return { summary, chain, json: v.json === true, conv1Padding };
}

export function runSummary(args: string[], write: (text: string) => void = (t) => process.stdout.write(t)): void {
  const { summary, json, conv1Padding } = summaryFor(args);
  write(
    json
      ? `${JSON.stringify({ ...summary, conv1Padding })}\n`
      : `${formatSummary(summary)}\n${conv1Padding ? `conv1 padding: ${conv1Padding}${conv1Padding === 'paper' ? ' (1 top/left, 2 bottom/right)' : ''}\n` : ''}`,
  );
}
