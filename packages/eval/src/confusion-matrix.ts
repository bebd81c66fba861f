import { csvField } from './text-escaping.js';

/**
 * A confusion matrix streamed over batches: `counts[t][p]` is how many
 * examples of true class `t` were predicted as class `p` (row = true class,
 * column = prediction), so the diagonal holds the hits. As a picture:
 * `confusionHeatmapPng` (confusion-heatmap.ts, which needs sharp).
 */
export class ConfusionMatrix {
  private readonly cells: Float64Array;

  constructor(readonly classes: number) {
    if (!Number.isInteger(classes) || classes < 1) throw new Error(`classes must be a positive integer, got ${classes}`);
    this.cells = new Float64Array(classes * classes);
  }

  /** Counts one batch of predicted classes against its true labels. */
  add(predicted: ArrayLike<number>, labels: ArrayLike<number>): void {
    if (predicted.length !== labels.length) throw new Error(`${predicted.length} predictions for ${labels.length} labels`);
    // Check the whole batch first so a bad entry leaves the counts untouched.
    for (let i = 0; i < labels.length; i++) {
      this.checkClass(labels[i]!, `label ${i}`);
      this.checkClass(predicted[i]!, `prediction ${i}`);
    }
    for (let i = 0; i < labels.length; i++) this.cells[labels[i]! * this.classes + predicted[i]!]!++;
  }

  /** A copy of the counts, `[true class][predicted class]`. */
  get counts(): number[][] {
    return Array.from({ length: this.classes }, (_, t) => Array.from(this.cells.subarray(t * this.classes, (t + 1) * this.classes)));
  }

  /** How many examples were added. */
  get total(): number {
    return this.cells.reduce((sum, n) => sum + n, 0);
  }

  /** Each true class's fraction predicted correctly (recall); NaN for a class with no examples. */
  perClassAccuracy(): number[] {
    return this.counts.map((row, t) => row[t]! / row.reduce((sum, n) => sum + n, 0));
  }

  /** Each row divided by its sum (a class with no examples stays all zero). */
  rowNormalized(): number[][] {
    return this.counts.map((row) => {
      const sum = row.reduce((s, n) => s + n, 0);
      return row.map((n) => (sum === 0 ? 0 : n / sum));
    });
  }

  /**
   * The counts as CSV (RFC 4180 quoting, `\n` line ends): a header row
   * `true\predicted,<predicted names…>`, then one row per true class
   * starting with its name. Names default to the class indices.
   */
  toCsv(classNames?: readonly string[]): string {
    const names = classLabels(this.classes, classNames);
    const lines = [['true\\predicted', ...names], ...this.counts.map((row, t) => [names[t]!, ...row.map(String)])];
    return lines.map((fields) => fields.map(csvField).join(',')).join('\n') + '\n';
  }

  private checkClass(value: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value >= this.classes) throw new Error(`${what} is ${value}, not a class in [0, ${this.classes})`);
  }
}

/** The names of `classes` classes: the ones given (as many as there are classes), else the indices. */
export function classLabels(classes: number, classNames: readonly string[] | undefined): string[] {
  if (classNames && classNames.length !== classes) throw new Error(`${classNames.length} class names for ${classes} classes`);
  return classNames ? [...classNames] : Array.from({ length: classes }, (_, i) => String(i));
}
