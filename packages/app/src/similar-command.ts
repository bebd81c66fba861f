import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { Option } from '@commander-js/extra-typings';
import { PreparedSplit, resizeAndCenterCrop, writeFileAtomic } from '@alexnet/data';
import { centerCropBatch, contactSheetPng, FeatureIndex, terminalText } from '@alexnet/eval';
import { alexnetCommand, backendOption, dataOption, parseCommandLine } from './command-line.js';
import { numberValue } from './option-values.js';
import { datasetOf, loadInference, normalizedBatches, type Inference } from './inference.js';
import { Progress } from './progress.js';

export function defineSimilarCommand() {
  return alexnetCommand('similar', 'the training images nearest in fc7 feature space, as a contact sheet (Figure 4)')
    .argument('<image>', 'the query image')
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder')
    .requiredOption('--out <file.png>', 'the contact sheet to write')
    .addOption(dataOption('the prepared dataset searched [the one the checkpoint was trained on]'))
    .option('--split <name>', 'the split searched [train]', 'train')
    .addOption(new Option('--k <n>', 'neighbours shown [8]').argParser(numberValue({ integer: true, min: 1, max: 1000 })).default(8))
    .addOption(backendOption())
    .addHelpText(
      'after',
      `
The k images whose last-hidden-layer (fc7) vectors are nearest to the image's in Euclidean
distance, with the distances. The split's feature index is built once per checkpoint and dataset
and cached in the checkpoint's folder (features-<split>-<dataset>.idx).`,
    );
}

/**
 * Center-crop features of every image of a split, cached in the checkpoint's
 * own folder: a new save replaces the folder, and with it the stale cache. Not
 * beside the dataset: its path comes from state.json, which someone else may
 * have written. A checkpoint folder that cannot be written to only costs the cache.
 */
async function featureIndex(inference: Inference, split: PreparedSplit): Promise<FeatureIndex> {
  const { data, index: prepared } = datasetOf(inference, '`alexnet similar`');
  // Keyed by the dataset too: the same checkpoint pointed at another --data must not reuse these vectors.
  const dataset = createHash('sha256')
    .update(resolve(data))
    .update(JSON.stringify([prepared.classes, prepared.splits[split.name]]))
    .digest('hex')
    .slice(0, 12);
  const file = join(inference.checkpoint, `features-${split.name}-${dataset}.idx`);
  const dim = inference.features.outputs[0]!.shape[1] as number;
  // Anything unreadable, or for another split or model, is rebuilt rather than trusted.
  const cached = await FeatureIndex.load(file, { dim, count: split.count }).catch(() => undefined);
  if (cached) return cached;
  const index = new FeatureIndex(dim);
  const progress = new Progress(`features ${split.name}`, split.count, 'img');
  for await (const { ids, images } of normalizedBatches(inference, split)) {
    const vectors = tf.tidy(() => inference.features.predict(centerCropBatch(images, inference.crop)) as tf.Tensor2D);
    index.add((await vectors.data()) as Float32Array, ids);
    tf.dispose([vectors, images]);
    progress.update(ids.at(-1)! + 1);
  }
  await index.save(file).catch((error: Error) => process.stderr.write(`alexnet: the feature index is not cached (${error.message})\n`));
  return index;
}

export async function runSimilar(args: string[], log: (line: string) => void = (l) => console.log(l)) {
  const command = parseCommandLine(defineSimilarCommand(), args);
  const values = command.opts();
  const positionals = command.args;
  const k = values.k;
  const inference = await loadInference(values.checkpoint, values.data);
  try {
    const { data, index: prepared } = datasetOf(inference, '`alexnet similar`');
    const split = await PreparedSplit.open(data, values.split, prepared);
    try {
      const index = await featureIndex(inference, split);
      const file = positionals[0]!;
      const pixels = (
        await resizeAndCenterCrop(file, inference.size).catch((error: Error) => {
          throw new Error(`${file}: ${error.message}`);
        })
      ).data;
      const query = tf.tidy(
        () => inference.features.predict(centerCropBatch(inference.normalize(pixels).expandDims(0) as tf.Tensor4D, inference.crop)) as tf.Tensor2D,
      );
      const nearest = index.nearest((await query.data()) as Float32Array, Math.min(k, split.count));
      query.dispose();
      const neighbours = await Promise.all(
        nearest.map(async ({ id, distance }) => ({
          pixels: await split.pixels(id),
          size: inference.size,
          distance,
          label: inference.names[split.labels[id]!]!,
        })),
      );
      const png = await contactSheetPng({ pixels, size: inference.size, label: basename(file) }, neighbours);
      const out = resolve(values.out);
      await writeFileAtomic(out, png);
      for (const [i, n] of nearest.entries())
        log(
          `${String(i + 1).padStart(2)}. ${n.distance.toFixed(2).padStart(9)}  ${terminalText(neighbours[i]!.label)}  ${terminalText(split.sources[n.id] ?? '')}`,
        );
      log(`contact sheet: ${out}`);
      return { out, nearest };
    } finally {
      split.close();
    }
  } finally {
    inference.dispose();
  }
}
