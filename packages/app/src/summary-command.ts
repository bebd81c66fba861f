import { parseArgs } from 'node:util';
import { alexNet } from './alexnet.js';
import { alexNetOwt } from './alexnet-owt.js';
import { choiceFlag, numberFlag } from './flag-values.js';
import { formatSummary, summarize, type ModelSummary } from './model-summary.js';

export const ARCHS = ['alexnet', 'alexnet-owt'] as const;
export type Arch = (typeof ARCHS)[number];

export const SUMMARY_USAGE = `usage: alexnet summary [--arch alexnet|alexnet-owt] [--classes N] [--input S] [--width W] [--json]
  --arch     alexnet: the paper's two-column network (default); alexnet-owt: torchvision's single column
  --classes  output classes [1000]
  --input    input side in pixels [227 for alexnet, 224 for alexnet-owt]
  --width    width multiplier [1]
  --json     print { name, params, layers: [{ name, type, outputShape, params }] }
`;

/** Builds the named architecture and summarizes it; the model is disposed afterwards. */
export function summaryFor(args: string[]): { summary: ModelSummary; json: boolean } {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { arch: { type: 'string' }, classes: { type: 'string' }, input: { type: 'string' }, width: { type: 'string' }, json: { type: 'boolean' } },
  });
  const arch = choiceFlag('arch', values.arch, ARCHS) ?? 'alexnet';
  const classes = numberFlag('classes', values.classes, { integer: true, min: 1 });
  const inputSize = numberFlag('input', values.input, { integer: true, min: 1 });
  const width = numberFlag('width', values.width, { above: 0 });
  const overrides = {
    ...(classes === undefined ? {} : { classes }),
    ...(inputSize === undefined ? {} : { inputSize }),
    ...(width === undefined ? {} : { width }),
  };
  const model = arch === 'alexnet' ? alexNet(overrides) : alexNetOwt(overrides);
  const summary = summarize(model);
  model.dispose();
  return { summary, json: values.json === true };
}

export function runSummary(args: string[], write: (text: string) => void = (t) => process.stdout.write(t)): void {
  const { summary, json } = summaryFor(args);
  write(json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
}
