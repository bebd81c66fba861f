/**
 * Top-k hits for one batch of scores [B, classes] (row-major) and labels:
 * the label's rank is the number of other classes scoring at least as high,
 * so ties count against the model and a model that scores every class
 * equally gets no credit.
 */
export function topKHits(scores: ArrayLike<number>, labels: ArrayLike<number>, classes: number, ks: readonly number[]): number[] {
  const hits = ks.map(() => 0);
  for (let b = 0; b < labels.length; b++) {
    const row = b * classes;
    const label = labels[b]!;
    const target = scores[row + label]!;
    let rank = 0;
    for (let c = 0; c < classes; c++) if (c !== label && scores[row + c]! >= target) rank++;
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
  constructor(readonly classes: number, readonly ks: readonly number[] = [1, 5]) {
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
