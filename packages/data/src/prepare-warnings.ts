import { join } from 'node:path';
import type { DatasetFormat } from './dataset-listing.js';
import type { PreparedIndex } from './prepared-dataset.js';

/** Where a source of each format keeps its class folders (or class names), for a warning to point at. */
function classLayout(src: string, format: DatasetFormat): string {
  switch (format) {
    case 'class-folders':
      return join(src, '<class>', '<image>');
    case 'split-folders':
      return join(src, 'train', '<class>', '<image>');
    case 'ilsvrc':
      return join(src, 'train', '<wnid>', '<image>');
    case 'cifar-10':
      return `${join(src, 'batches.meta.txt')}, one class name per line`;
    case 'fashion-mnist':
      return `${src}: Fashion-MNIST's 10 classes`;
  }
}

const images = (n: number) => `${n} image${n === 1 ? '' : 's'}`;

/**
 * What makes a prepared dataset too small to train or judge a classifier on,
 * in sentences with the numbers: a single class, a split with fewer images
 * than classes, an empty validation split. None for a usable dataset.
 */
export function smallDataWarnings(src: string, index: PreparedIndex): string[] {
  const warnings: string[] = [];
  const classes = index.classes.length;
  if (classes === 1) {
    warnings.push(`only one class (${index.classes[0]}): a classifier needs at least two; check the source layout (${classLayout(src, index.source.format)})`);
  }
  const kept = Object.values(index.splits).reduce((n, s) => n + s.count, 0);
  for (const [name, split] of Object.entries(index.splits)) {
    if (name === 'val' && split.count === 0) {
      const why = index.source.heldOut
        ? `a class gives images to val (valFraction ${index.source.valFraction}) only when it has at least 2`
        : `the source's own val images are missing or were all rejected (see ${index.rejected})`;
      warnings.push(`the validation split is empty (0 of ${images(kept)}): no error rate can be measured; ${why}`);
    } else if (split.count < classes) {
      warnings.push(`the ${name} split has ${images(split.count)} for ${classes} classes: fewer than one per class, so some classes have none`);
    }
  }
  return warnings;
}
