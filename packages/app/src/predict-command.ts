import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { readRegularFile, rejectionReason, resizeAndCenterCrop } from '@alexnet/data';
import { averageViews, centerCrop, tenCrop, terminalText } from '@alexnet/eval';
import { numberFlag } from './flag-values.js';
import { loadInference } from './inference.js';

export const PREDICT_USAGE = `usage: alexnet predict <image…> --checkpoint <dir> [--data <prepared dir>] [--top 5] [--ten-crop] [--json]
  Each image is prepared as in training (shorter side resized, center crop, mean subtracted) and
  scored on its center crop, or with --ten-crop on the mean softmax of its ten views. Prints the
  top classes with probabilities. A file that cannot be read is reported and the rest still scored.
`;

/** An image file larger than this is refused unread (sharp's pixel limit guards the decoded size). */
const MAX_IMAGE_BYTES = 256 * 2 ** 20;

export interface Prediction {
  file: string;
  top?: Array<{ class: string; name: string; probability: number }>;
  error?: string;
}

export async function runPredict(args: string[], write: (text: string) => void = (t) => process.stdout.write(t), warn: (text: string) => void = (t) => process.stderr.write(t)): Promise<Prediction[]> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { checkpoint: { type: 'string' }, data: { type: 'string' }, top: { type: 'string' }, 'ten-crop': { type: 'boolean' }, json: { type: 'boolean' } },
  });
  if (values.checkpoint === undefined) throw new Error(`predict needs --checkpoint <dir>\n\n${PREDICT_USAGE}`);
  if (positionals.length === 0) throw new Error(`predict needs at least one image file\n\n${PREDICT_USAGE}`);
  const inference = await loadInference(values.checkpoint, values.data);
  try {
    const top = Math.min(numberFlag('top', values.top, { integer: true, min: 1 }) ?? 5, inference.classes.length);
    const predictions: Prediction[] = [];
    for (const file of positionals) {
      let pixels: Uint8Array;
      let bytes: Buffer | undefined;
      try {
        // Read here rather than by sharp, so a missing or unreadable file gets its own reason.
        bytes = await readRegularFile(file, { maxBytes: MAX_IMAGE_BYTES });
        pixels = (await resizeAndCenterCrop(bytes, inference.size)).data;
      } catch (error) {
        const reason = rejectionReason(error, bytes);
        warn(`alexnet: ${terminalText(file)}: ${terminalText(reason)}\n`);
        predictions.push({ file, error: reason });
        continue;
      }
      const probabilities = tf.tidy(() => {
        const image = inference.normalize(pixels);
        if (values['ten-crop']) return averageViews(tf.softmax(inference.logits.predict(tenCrop(image, inference.crop)) as tf.Tensor2D), 10);
        return tf.softmax(inference.logits.predict(centerCrop(image, inference.crop).expandDims(0)) as tf.Tensor2D);
      });
      const p = await probabilities.data();
      probabilities.dispose();
      const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b).slice(0, top);
      predictions.push({ file, top: order.map((c) => ({ class: inference.classes[c]!, name: inference.names[c]!, probability: p[c]! })) });
    }
    if (values.json) write(JSON.stringify(predictions) + '\n');
    else {
      for (const { file, top: best } of predictions) {
        if (!best) continue;
        write(`${terminalText(file)}\n`);
        for (const { name, probability } of best) write(`  ${(100 * probability).toFixed(1).padStart(5)} %  ${terminalText(name)}\n`);
      }
    }
    if (predictions.some((p) => p.error)) process.exitCode = 1;
    return predictions;
  } finally {
    inference.dispose();
  }
}
