import type * as tf from '@tensorflow/tfjs';

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
}

/** Each layer's output shape (batch dimension first, null) and parameter count, and the total. */
export function summarize(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    type: layer.getClassName(),
    outputShape: layer.outputShape as Array<number | null>,
    params: layer.countParams(),
  }));
  return { name: model.name, params: model.countParams(), layers };
}

/** The summary as an aligned text table. */
export function formatSummary(summary: ModelSummary): string {
  const rows = summary.layers.map((l) => [l.name, l.type, `[${l.outputShape.slice(1).join(', ')}]`, l.params.toLocaleString('en-US')]);
  const header = ['layer', 'type', 'output', 'params'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line), `total parameters: ${summary.params.toLocaleString('en-US')}`].join('\n');
}
