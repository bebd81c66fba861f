import { seededRandom, shuffleInPlace } from './random.js';
import type { LabelledFile } from './class-folders.js';

/**
 * Splits items into train and val, taking the same fraction from every class
 * (at least one per class when the class has two or more, and never the
 * whole class), seeded.
 */
export function heldOutSplit<T extends LabelledFile>(items: T[], valFraction: number, seed: number): { train: T[]; val: T[] } {
  if (!(valFraction > 0 && valFraction < 1)) throw new Error(`val fraction must be in (0, 1), got ${valFraction}`);
  const random = seededRandom(seed);
  const byClass = new Map<number, T[]>();
  for (const item of items) {
    const members = byClass.get(item.label);
    if (members) members.push(item);
    else byClass.set(item.label, [item]);
  }
  const train: T[] = [];
  const val: T[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffleInPlace([...byClass.get(label)!], random);
    // At least one held out and at least one left to train on, per class.
    const held = members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * valFraction)));
    val.push(...members.slice(0, held));
    train.push(...members.slice(held));
  }
  return { train, val };
}
