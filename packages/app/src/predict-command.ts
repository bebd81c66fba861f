import * as tf from '@tensorflow/tfjs';
import { Option } from '@commander-js/extra-typings';
import { readRegularFile, rejectionReason, resizeAndCenterCrop } from '@alexnet/data';
import { averageViews, centerCrop, tenCrop, terminalText } from '@alexnet/eval';
import { alexnetCommand, backendOption, checkpointsOption, dataOption, parseCommandLine } from './command-line.js';
import { loadEnsemble, type Inference } from './inference.js';
import { numberValue } from './option-values.js';

export function definePredictCommand() {
  return alexnetCommand('predict', 'the top classes of image files, from a checkpoint or an ensemble of them')
    .argument('<image...>', 'image files')
    .addOption(checkpointsOption().makeOptionMandatory())
    .addOption(dataOption('the prepared dataset for the mean image and class names [the one the checkpoint was trained on]'))
    .addOption(new Option('--top <k>', 'classes shown per image [5]').argParser(numberValue({ integer: true, min: 1 })).default(5))
    .option('--ten-crop', 'the mean softmax of the ten views of §4.1 instead of the center crop')
    .option('--json', 'print the predictions as JSON')
    .addOption(backendOption())
    .addHelpText(
      'after',
      "\nEach image is prepared as in training (shorter side resized, center crop, mean subtracted); with\nseveral --checkpoint the models' probabilities are averaged (§6). A file that cannot be read is\nreported (exit code 1) and the rest still scored.",
    );
}

/** An image file larger than this is refused unread (sharp's pixel limit guards the decoded size). */
const MAX_IMAGE_BYTES = 256 * 2 ** 20;

export interface Prediction {
  file: string;
  top?: Array<{ class: string; name: string; probability: number }>;
  error?: string;
}

/** One model's probabilities for one stored-size image. */
function probabilitiesOf(inference: Inference, pixels: Uint8Array, views: boolean): tf.Tensor1D {
  return tf.tidy(() => {
    const image = inference.normalize(pixels);
    const p = views
      ? averageViews(tf.softmax(inference.logits.predict(tenCrop(image, inference.crop)) as tf.Tensor2D), 10)
      : tf.softmax(inference.logits.predict(centerCrop(image, inference.crop).expandDims(0)) as tf.Tensor2D);
    return p.reshape([-1]) as tf.Tensor1D;
  });
}

export async function runPredict(
  args: string[],
  write: (text: string) => void = (t) => process.stdout.write(t),
  warn: (text: string) => void = (t) => process.stderr.write(t),
): Promise<Prediction[]> {
  const command = parseCommandLine(definePredictCommand(), args);
  const values = command.opts();
  const models = await loadEnsemble(values.checkpoint, values.data);
  try {
    const first = models[0]!;
    const top = Math.min(values.top, first.classes.length);
    const predictions: Prediction[] = [];
    for (const file of command.args) {
      let pixels: Uint8Array;
      let bytes: Buffer | undefined;
      try {
        // Read here rather than by sharp, so a missing or unreadable file gets its own reason.
        bytes = await readRegularFile(file, { maxBytes: MAX_IMAGE_BYTES });
        pixels = (await resizeAndCenterCrop(bytes, first.size)).data;
      } catch (error) {
        const reason = rejectionReason(error, bytes);
        warn(`alexnet: ${terminalText(file)}: ${terminalText(reason)}\n`);
        predictions.push({ file, error: reason });
        continue;
      }
      const mean = tf.tidy(() => tf.div(tf.addN(models.map((m) => probabilitiesOf(m, pixels, values.tenCrop === true))), models.length));
      const p = await mean.data();
      mean.dispose();
      const order = Array.from(p.keys())
        .sort((a, b) => p[b]! - p[a]! || a - b)
        .slice(0, top);
      predictions.push({ file, top: order.map((c) => ({ class: first.classes[c]!, name: first.names[c]!, probability: p[c]! })) });
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
    for (const m of models) m.dispose();
  }
}
