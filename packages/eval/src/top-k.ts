import * as tf from '@tensorflow/tfjs';

/** Scores as plain numbers, row-major [B, classes]. */
export interface ScoreRows {
  scores: ArrayLike<number>;
  classes: number;
}

/**
 * Top-k hits for one batch of scores [B, classes] (row-major) and labels:
 * the label's rank is the number of other classes scoring at least as high,
 * so ties count against the model and a model that scores every class
 * equally gets no credit. A NaN score for the label is a miss.
 */
export function topKHits(scores: ArrayLike<number>, labels: ArrayLike<number>, classes: number, ks: readonly number[]): number[] {
  checkKs(ks);
  if (scores.length !== labels.length * classes) {
    throw new Error(`${scores.length} scores do not make ${labels.length} rows of ${classes} classes`);
  }
  const hits = ks.map(() => 0);
  for (let b = 0; b < labels.length; b++) {
    const row = b * classes;
    const label = labels[b]!;
    // An out-of-range label would read `undefined` and count as a hit: refuse it.
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw new Error(`label ${label} (row ${b}) is not a class in [0, ${classes})`);
    const target = scores[row + label]!;
    let rank = Number.isNaN(target) ? classes : 0;
    for (let c = 0; c < classes && rank < classes; c++) if (c !== label && scores[row + c]! >= target) rank++;
    ks.forEach((k, i) => {
      if (rank < k) hits[i]!++;
    });
  }
  return hits;
}

/** Streams top-k accuracy over batches. */
export class TopKMeter {
  private readonly hits: number[];
  private seen = 0;
  constructor(
    readonly classes: number,
    readonly ks: readonly number[] = [1, 5],
  ) {
    checkKs(ks);
    this.hits = ks.map(() => 0);
  }

  add(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
    topKHits(scores, labels, this.classes, this.ks).forEach((h, i) => (this.hits[i]! += h));
    this.seen += labels.length;
  }

  get count(): number {
    return this.seen;
  }

  /** Accuracy per k, as fractions. */
  accuracy(): Record<number, number> {
    return Object.fromEntries(this.ks.map((k, i) => [k, this.seen === 0 ? 0 : this.hits[i]! / this.seen]));
  }
}

/**
 * One-shot top-k accuracy `{ [k]: fraction }` of logits (or probabilities:
 * the ranking is the same) against integer labels, with {@link topKHits}'
 * tie rule. Takes a [B, classes] tensor or plain row-major scores with their
 * class count; tensors passed in are read, not disposed.
 */
export async function topK(
  logits: tf.Tensor2D | ScoreRows,
  labels: ArrayLike<number> | tf.Tensor1D,
  ks: readonly number[] = [1, 5],
): Promise<Record<number, number>> {
  const { scores, classes } = logits instanceof tf.Tensor ? { scores: await logits.data(), classes: logits.shape[1] } : logits;
  const labelValues = labels instanceof tf.Tensor ? await labels.data() : labels;
  const meter = new TopKMeter(classes, ks);
  meter.add(scores, labelValues);
  return meter.accuracy();
}

/** Top-k error `{ [k]: 1 − accuracy }`, the form the paper reports (§6: 37.5% top-1, 17.0% top-5 on ILSVRC-2010). */
export function errorRates(accuracy: Readonly<Record<number, number>>): Record<number, number> {
  return Object.fromEntries(Object.entries(accuracy).map(([k, fraction]) => [Number(k), 1 - fraction]));
}

function checkKs(ks: readonly number[]): void {
  for (const k of ks) if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
}
