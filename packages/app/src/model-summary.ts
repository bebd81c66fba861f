import type * as tf from '@tensorflow/tfjs';
import type { FeatureChain } from './feature-chain.js';

export interface LayerSummary {
  name: string;
  type: string;
  outputShape: Array<number | null>;
  params: number;
}

export interface ModelSummary {
  name: string;
  params: number;
  layers: LayerSummary[];
  /** The feature-map chain the model was built for (featureChain), when the caller gives it. */
  chain?: FeatureChain;
}

/** Each layer's output shape (batch dimension first, null) and parameter count, and the total; `extra.chain` is passed through. */
export function summarize(model: tf.LayersModel, extra: { chain?: FeatureChain } = {}): ModelSummary {
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    type: layer.getClassName(),
    outputShape: layer.outputShape as Array<number | null>,
    params: layer.countParams(),
  }));
  return { name: model.name, params: model.countParams(), layers, ...(extra.chain === undefined ? {} : { chain: extra.chain }) };
}

/** The chain as one line, e.g. "feature maps: conv1 55×55, pool1 27×27, pool2 13×13, pool5 6×6; fc6 reads 9,216 inputs (the paper's 55-27-13-6)". */
export function formatChain(chain: FeatureChain): string {
  const sides = (['conv1', 'pool1', 'pool2', 'pool5'] as const).map((k) => `${k} ${chain[k]}×${chain[k]}`).join(', ');
  return `feature maps: ${sides}; fc6 reads ${chain.fc6Inputs.toLocaleString('en-US')} inputs${chain.matchesPaper ? " (the paper's 55-27-13-6)" : ''}`;
}

/** The summary as an aligned text table, then the total; with a chain, its line and its note (prefixed "note: ") after the total. */
export function formatSummary(summary: ModelSummary): string {
  const rows = summary.layers.map((l) => [l.name, l.type, `[${l.outputShape.slice(1).join(', ')}]`, l.params.toLocaleString('en-US')]);
  const header = ['layer', 'type', 'output', 'params'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const chain = summary.chain === undefined ? [] : [formatChain(summary.chain), ...(summary.chain.note === undefined ? [] : [`note: ${summary.chain.note}`])];
  return [line(header), ...rows.map(line), `total parameters: ${summary.params.toLocaleString('en-US')}`, ...chain].join('\n');
}
