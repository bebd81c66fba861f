import { Option } from '@commander-js/extra-typings';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { moveIntoPlace, writeFileAtomic } from '@alexnet/files';
import { alexnetCommand, backendOption, dataOption, parseCommandLine } from './command-line.js';
import { statsFilesOf } from './checkpoint-preprocessing.js';
import { refuseExistingOut } from './new-output.js';
import { loadInference, type Inference } from './inference.js';
import { alexNetToOnnx } from './onnx/onnx-export.js';
import { preprocessingMetadata, type OnnxPreprocessing } from './onnx/onnx-metadata.js';
import { PREPROCESSING_FILE, writeTfjsModel } from './tfjs-model-folder.js';

export const EXPORT_FORMATS = ['tfjs', 'onnx'] as const;

export function defineExportCommand() {
  return alexnetCommand('export', 'a deployable model from a checkpoint: tfjs layers format or ONNX')
    .requiredOption('--checkpoint <dir>', 'the checkpoint (e.g. runs/x/checkpoints/best)')
    .addOption(new Option('--format <format>', 'tfjs: a folder for tf.loadLayersModel; onnx: one .onnx file').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--out <path>', 'the folder (tfjs) or file (onnx) to write; must not exist')
    .addOption(dataOption('the prepared dataset, for a checkpoint that does not carry its preprocessing'))
    .addOption(backendOption())
    .addHelpText(
      'after',
      `
No optimizer state. tfjs: model.json and weights, with ${PREPROCESSING_FILE}, stats.json,
mean-image.f32 and class-names.json beside them (register @alexnet/layers' layers before
loading). onnx: input 'input' [batch, 3, H, W] normalized as in training ((pixel − mean) · scale,
channels first), output 'prob'; the preprocessing is in the file's metadata_props
('alexnet:preprocessing', 'alexnet:mean-image'), so \`alexnet import\` restores a checkpoint.`,
    );
}

/** The preprocessing of a loaded checkpoint, from what loadInference read (the checkpoint's own, or its dataset's). */
function preprocessingOf(inference: Inference): OnnxPreprocessing {
  const { crop, scale, mean, classes, names, stats } = inference;
  return { crop, scale, mean, classes, names, stats: { ...stats } };
}

export interface ExportResult {
  format: (typeof EXPORT_FORMATS)[number];
  out: string;
}

/** `alexnet export`: writes to a hidden sibling first, then renames it into place. */
export async function runExport(args: string[], log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<ExportResult> {
  const values = parseCommandLine(defineExportCommand(), args).opts();
  const out = resolve(values.out);
  await refuseExistingOut('export', out, values.out, 'path');
  const inference = await loadInference(values.checkpoint, values.data);
  try {
    const preprocessing = preprocessingOf(inference);
    const meanImage = inference.meanImage;
    const staging = join(dirname(out), `.${basename(out)}-new-${randomBytes(4).toString('hex')}`);
    try {
      if (values.format === 'onnx') {
        await writeFileAtomic(
          staging,
          alexNetToOnnx(inference.model, preprocessingMetadata(preprocessing, preprocessing.mean === 'image' ? meanImage : undefined)),
        );
      } else {
        const { stats: _, ...rest } = preprocessing;
        await writeTfjsModel(staging, inference.model, statsFilesOf(inference.stats, meanImage, inference.names), rest);
      }
      await moveIntoPlace(staging, out); // refuses an --out that appeared since the check above
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    log(`exported ${inference.checkpoint} as ${values.format} to ${out}`);
    return { format: values.format, out };
  } finally {
    inference.dispose();
  }
}
