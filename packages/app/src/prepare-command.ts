import { Option } from '@commander-js/extra-typings';
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASET_FORMATS, prepareDataset, PrepareInterrupted, type PrepareOptions, type PrepareSummary } from '@alexnet/data';
import { alexnetCommand, parseCommandLine, workersOption } from './command-line.js';
import { UsageError } from './exit-codes.js';
import { numberValue, plural } from './option-values.js';
import { Progress, formatSeconds } from './progress.js';
import { stopOnSignals, stoppedBy } from './stop-signals.js';

/** Images each decoding thread has in flight: sharp waits on I/O between its steps, so one per thread leaves cores idle. */
const IN_FLIGHT_PER_THREAD = 4;

export function definePrepareCommand() {
  return alexnetCommand('prepare', 'turn an image tree, ILSVRC, Fashion-MNIST or CIFAR-10 into shards + statistics')
    .argument('<src>', 'class folders (<src>/<class>/<image>), train/ + val/ class folders, an ILSVRC tree, or Fashion-MNIST IDX / CIFAR-10 binary files')
    .addOption(
      new Option('--out, --data <dir>', 'the prepared dataset to write: shards, index.json, stats.json, mean-image.f32, rejected.json').makeOptionMandatory(),
    )
    .addOption(new Option('--format <f>', 'the source layout [auto]').choices(['auto', ...DATASET_FORMATS] as const))
    .addOption(new Option('--size <px>', 'shorter side resized to S, then center crop S×S [256]').argParser(numberValue({ integer: true, min: 1, max: 4096 })))
    .addOption(workersOption(`threads decoding images [${availableParallelism()} = the cores]`).argParser(numberValue({ integer: true, min: 1, max: 256 })))
    .addOption(new Option('--val-fraction <x>', 'held out per class when the source has no val split [0.1]').argParser(numberValue({ above: 0, below: 1 })))
    .addOption(new Option('--seed <n>', 'held-out split and shard order [1]').argParser(numberValue({ integer: true })))
    .addOption(new Option('--shard-size <n>', 'images per shard [1024]').argParser(numberValue({ integer: true, min: 1, max: 1 << 20 })))
    .addOption(new Option('--encoding <e>', 'raw pixels (fastest to read) or JPEG (smaller) [raw]').choices(['raw', 'jpeg'] as const))
    .addOption(new Option('--jpeg-quality <q>', 'for --encoding jpeg [90]').argParser(numberValue({ integer: true, min: 1, max: 100 })))
    .addOption(new Option('--stats-sample <n>', 'training images used for stats.json [all]').argParser(numberValue({ integer: true, min: 1 })))
    .addHelpText('after', '\nInterrupted runs resume: run the same command again.');
}

export function parsePrepareFlags(args: string[]): { src: string; out: string; options: PrepareOptions } {
  const command = parseCommandLine(definePrepareCommand(), args);
  const v = command.opts();
  const entries: Array<[keyof PrepareOptions, unknown]> = [
    ['format', v.format === 'auto' ? undefined : v.format],
    ['size', v.size],
    ['workers', v.workers === undefined ? undefined : IN_FLIGHT_PER_THREAD * v.workers],
    ['valFraction', v.valFraction],
    ['seed', v.seed],
    ['shardSize', v.shardSize],
    ['encoding', v.encoding],
    ['jpegQuality', v.jpegQuality],
    ['statsSample', v.statsSample],
  ];
  const options = Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as PrepareOptions;
  return { src: command.args[0]!, out: v.data, options };
}

export interface PrepareResult {
  summary?: PrepareSummary;
  /** The signal that stopped it (what was written is kept; the same command resumes). */
  stopped?: NodeJS.Signals;
}

/** `alexnet prepare`: shows progress, stops cleanly on Ctrl-C (a second Ctrl-C exits at once), prints a summary. */
export async function runPrepare(
  args: string[],
  log: (line: string) => void = (l) => console.log(l),
  warn: (line: string) => void = (l) => console.error(l),
): Promise<PrepareResult> {
  const { src, out, options } = parsePrepareFlags(args);
  if (!(await stat(src).catch(() => undefined))) throw new UsageError(`prepare: the source ${src} does not exist`);
  const stop = stopOnSignals('stopping after the images in flight');
  const bars: Partial<Record<'images' | 'stats', Progress>> = {};
  const started = performance.now();
  try {
    const summary = await prepareDataset(src, out, {
      ...options,
      signal: stop.signal,
      onProgress: (stage, done, total) => (bars[stage] ??= new Progress(stage === 'images' ? 'prepare' : 'stats', total, 'img')).update(done),
    });
    const seconds = (performance.now() - started) / 1000;
    const { index, stats } = summary;
    let bytes = 0;
    for (const info of Object.values(index.splits)) for (const shard of info.shards) bytes += (await stat(join(out, shard.file))).size;
    const round = (v: number[]) => v.map((x) => Number(x.toFixed(4)));
    log(
      `kept ${summary.kept} images (${Object.entries(index.splits)
        .map(([n, s]) => `${n} ${s.count}`)
        .join(', ')}), rejected ${summary.rejected.length} (${join(out, index.rejected)})`,
    );
    log(
      `${plural(index.classes.length, 'class', 'classes')}, ${index.size}×${index.size} ${index.encoding}, ${(bytes / Math.max(1, summary.kept) / 1024).toFixed(1)} KiB per image on disk`,
    );
    log(`shards: ${summary.writtenShards} written, ${summary.reusedShards} reused from an earlier run; ${formatSeconds(seconds)}`);
    log(
      `stats (${stats.samples} training images, 0–255): channel mean ${JSON.stringify(round(stats.channelMean))}, eigenvalues ${JSON.stringify(round(stats.eigenvalues))}`,
    );
    for (const warning of summary.warnings) warn(`warning: ${warning}`);
    return { summary };
  } catch (error) {
    if (error instanceof PrepareInterrupted) {
      log(error.message);
      return { stopped: stoppedBy(stop.signal) ?? 'SIGINT' };
    }
    throw error;
  } finally {
    stop.release();
  }
}
