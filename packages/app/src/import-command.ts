import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MEAN_IMAGE_FILE, STATS_FILE } from '@alexnet/data';
import { moveIntoPlace, readRegularFile } from '@alexnet/files';
import { refuseExistingOut } from './new-output.js';
import { saveCheckpoint, type TrainState } from '@alexnet/train';
import { alexnetCommand, backendOption, parseCommandLine } from './command-line.js';
import { CLASS_NAMES_FILE } from './checkpoint-preprocessing.js';
import { UsageError } from './exit-codes.js';
import { loadInference } from './inference.js';
import { readOnnxGraph } from './onnx/onnx-graph.js';
import { alexNetFromOnnx, type ImportedArchitecture } from './onnx/onnx-import.js';
import { readPreprocessingMetadata } from './onnx/onnx-metadata.js';
import { channelMeanImage, foldStdIntoConv1, TORCHVISION_MEAN, TORCHVISION_RESIZE, torchvisionStats } from './onnx/torchvision-preprocessing.js';

/** AlexNet's float32 weights are 244 MB; a larger file is refused unread. */
const MAX_ONNX_BYTES = 2 ** 30;
const MAX_CLASS_NAMES_BYTES = 16 * 2 ** 20;

export function defineImportCommand() {
  return alexnetCommand('import', "a checkpoint from an ONNX AlexNet: torchvision's (torch.onnx.export) or one `alexnet export` wrote")
    .argument('<model.onnx>', 'the ONNX file')
    .requiredOption('--out <dir>', 'the checkpoint folder to write; must not exist')
    .option('--class-names <file>', "a text file of the class names, one per line in output order (torchvision: weights.meta['categories'])")
    .addOption(backendOption())
    .addHelpText(
      'after',
      `
A file \`alexnet export\` wrote carries its preprocessing and classes, and comes back as it was.
Any other (torchvision's AlexNet) gets torchvision's ImageNet preprocessing: images resized to
${TORCHVISION_RESIZE}, center crop of the network's input size, (pixel − 255·mean) / 255 with
torchvision's mean, and its per-channel 1/std folded into conv1's weights. The checkpoint then
works with predict, eval, filters, export and train --init-from.`,
    );
}

/** Class names from a text file: one per line, as many as the network has outputs. */
async function readClassNamesFile(file: string, classes: number): Promise<string[]> {
  const lines = (await readRegularFile(file, { maxBytes: MAX_CLASS_NAMES_BYTES })).toString('utf8').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== classes) throw new UsageError(`import: --class-names ${file} has ${lines.length} lines; the network has ${classes} outputs`);
  const long = lines.findIndex((l) => l.length > 1000 || l.trim() === '');
  if (long >= 0) throw new UsageError(`import: --class-names ${file}: line ${long + 1} is empty or longer than 1000 characters`);
  return lines;
}

/** Class ids for a network without names of its own: 000, 001, … (names may repeat; ids may not). */
const classIds = (n: number) => Array.from({ length: n }, (_, i) => String(i).padStart(String(n - 1).length, '0'));

/** stats.size of an export's metadata, bounded before an image of that side is allocated (the checkpoint's read-back checks the rest). */
function checkedSize(size: unknown, file: string): number {
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > 4096)
    throw new Error(`${file}: metadata stats.size ${String(size)} is not an image side of 1 to 4096`);
  return size as number;
}

function checkedMean(mean: unknown, file: string): number[] {
  if (!Array.isArray(mean) || mean.length !== 3 || !mean.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new Error(`${file}: metadata stats.channelMean is not three finite numbers`);
  return mean as number[];
}

export interface ImportResult {
  out: string;
  architecture: ImportedArchitecture;
  preprocessing: 'carried' | 'torchvision';
}

export async function runImport(args: string[], log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<ImportResult> {
  const command = parseCommandLine(defineImportCommand(), args);
  const values = command.opts();
  const file = command.args[0]!;
  const out = resolve(values.out);
  await refuseExistingOut('import', out, values.out, 'folder');
  const graph = readOnnxGraph(await readRegularFile(file, { maxBytes: MAX_ONNX_BYTES }), file);
  const { architecture, model } = alexNetFromOnnx(graph);
  try {
    const carried = readPreprocessingMetadata(graph.metadata, file, architecture.classes);
    let files: Record<string, string | Uint8Array>;
    let classes: string[];
    let config: Record<string, unknown>;
    if (carried) {
      const { preprocessing: p, meanImage } = carried;
      classes = p.classes;
      files = {
        [STATS_FILE]: JSON.stringify({ ...p.stats, meanImage: MEAN_IMAGE_FILE }, null, 2) + '\n',
        // A mean image travels only when the network needs it; otherwise its channel mean, everywhere.
        [MEAN_IMAGE_FILE]: meanImage ?? new Uint8Array(channelMeanImage(checkedSize(p.stats.size, file), checkedMean(p.stats.channelMean, file)).buffer),
        [CLASS_NAMES_FILE]: JSON.stringify(p.names) + '\n',
      };
      config = { crop: p.crop, mean: p.mean, scale: p.scale };
    } else {
      foldStdIntoConv1(model);
      const size = Math.max(TORCHVISION_RESIZE, architecture.inputSize);
      const { stats, meanImage } = torchvisionStats(size);
      classes = classIds(architecture.classes);
      const names = values.classNames ? await readClassNamesFile(values.classNames, architecture.classes) : classes;
      files = {
        [STATS_FILE]: JSON.stringify(stats, null, 2) + '\n',
        [MEAN_IMAGE_FILE]: new Uint8Array(meanImage.buffer),
        [CLASS_NAMES_FILE]: JSON.stringify(names) + '\n',
      };
      config = { crop: architecture.inputSize, mean: 'channel', scale: 1 / 255, normalisation: { mean: [...TORCHVISION_MEAN], stdFoldedIntoConv1: true } };
    }
    if (carried && values.classNames) throw new UsageError(`import: ${file} carries its class names; --class-names is for files without them`);
    const { arch, ...shape } = architecture;
    const state: TrainState = {
      epoch: 0,
      batchInEpoch: 0,
      step: 0,
      schedule: {},
      dropoutSteps: {},
      best: null,
      classes,
      config: { arch, ...shape, ...config, importedFrom: resolve(file), producer: graph.producer },
    };
    // Written beside --out first and checked by loading it as predict does; only then moved into place.
    const staging = await mkdtemp(join(dirname(out), '.import-'));
    try {
      await saveCheckpoint(join(staging, 'checkpoint'), model, null, state, files);
      (await loadInference(join(staging, 'checkpoint'))).dispose();
      await moveIntoPlace(join(staging, 'checkpoint'), out); // refuses an --out that appeared since the check above
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    log(
      `imported ${file} (${graph.producer || 'unknown producer'}): ${arch}, width ${shape.width}, ${shape.classes} classes at ${shape.inputSize}×${shape.inputSize}; ` +
        `${carried ? 'its own preprocessing' : "torchvision's preprocessing (std folded into conv1)"}; checkpoint ${out}`,
    );
    return { out, architecture, preprocessing: carried ? 'carried' : 'torchvision' };
  } finally {
    model.dispose();
  }
}
