import * as tf from '@tensorflow/tfjs';
import { basename, join, resolve } from 'node:path';
import { initBackend } from '@alexnet/backend';
import { z } from 'zod';
import { BatchLoader, readPreparedIndex, validated, writeFileAtomic, type PreparedIndex } from '@alexnet/data';
import {
  loadCheckpoint,
  parseLrSchedule,
  saveModel,
  sgdMomentum,
  trainLoop,
  type EpochMetrics,
  type SgdMomentumOptimizer,
  type TrainState,
} from '@alexnet/train';
import { alexNet, logitsOf } from './alexnet.js';
import { alexNetOwt } from './alexnet-owt.js';
import { featureChain } from './feature-chain.js';
import { UsageError } from './exit-codes.js';
import { formatNumber, plural } from './option-values.js';
import { epochProgress, formatBytes, formatSeconds } from './progress.js';
import { checkRunFolder, claimRunFolder, freshRunFolder, realOrResolved, runOfCheckpoint } from './run-folder.js';
import { writeRunCurves } from './run-curves.js';
import { preprocessingFiles } from './checkpoint-preprocessing.js';
import { writeTfjsModel } from './tfjs-model-folder.js';
import { stopOnSignals, stoppedBy } from './stop-signals.js';
import { openScalarLog } from './tensorboard.js';
import { placeTraining, type PlacedTraining } from '@alexnet/parallel';
import { placementEnv, placementTransport, prepareRankZero } from './placement-resources.js';
import { copyWeightsFrom, freezeUpTo, initFromConfig } from './init-from.js';
import { checkPlacement, checkShape, parseTrainFlags, SAVED_TRAIN_CONFIG, type ExplicitFlags, type SavedTrainConfig, type TrainConfig } from './train-flags.js';

/** What a checkpoint fixes: a resumed run may not change these. */
const FIXED_ON_RESUME = [
  'recipe',
  'arch',
  'columns',
  'width',
  'crop',
  'batchSize',
  'accumulate',
  'lr',
  'momentum',
  'weightDecay',
  'rule',
  'lrSchedule',
  'patience',
  'init',
  'mean',
  'scale',
  'lighting',
  'dropout',
  'lrn',
  'pool',
  'conv1Padding',
  'seed',
] as const satisfies ReadonlyArray<keyof TrainConfig>;

/** The part of the configuration saved with every checkpoint. */
function savedConfig(config: TrainConfig): Record<string, unknown> {
  // data is where the run was trained from: predict and similar find the mean image and class names there.
  return Object.fromEntries(
    FIXED_ON_RESUME.map((k) => [k, config[k]]).concat([
      ['epochs', config.epochs],
      ['data', resolve(config.data)],
    ]),
  );
}

/**
 * A resumed run's configuration. From the checkpoint it takes only what it owns
 * — the settings a run may not change, validated as strictly as the flags, and
 * its epoch count — and refuses a flag that would change one of them. Where to
 * write, the dataset and the resources (workers, engine) come from this command line.
 */
function resumedConfig(saved: Record<string, unknown>, config: TrainConfig, explicit: ExplicitFlags, where: string): TrainConfig {
  const checked = validated(z.object({ config: SAVED_TRAIN_CONFIG }), { config: saved }, join(where, 'state.json')).config as SavedTrainConfig;
  for (const key of FIXED_ON_RESUME) {
    const given = explicit[key];
    if (given !== undefined && given !== checked[key]) {
      throw new UsageError(
        `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${String(given)} differs from the checkpoint's ${String(checked[key])} (${where}); a resumed run keeps its settings`,
      );
    }
  }
  const owned = Object.fromEntries(FIXED_ON_RESUME.map((k) => [k, checked[k]])) as Pick<TrainConfig, (typeof FIXED_ON_RESUME)[number]>;
  return { ...config, ...owned, epochs: explicit.epochs ?? checked.epochs };
}

function buildModel(config: TrainConfig, classes: number): tf.LayersModel {
  const common = { classes, inputSize: config.crop, width: config.width, seed: config.seed, dropout: config.dropout, pool: config.pool, init: config.init };
  return config.arch === 'alexnet' ? alexNet({ ...common, columns: config.columns, lrn: config.lrn, conv1Padding: config.conv1Padding }) : alexNetOwt(common);
}

const PLACEMENT_NAMES = { data: 'data parallel', columns: 'column split', hybrid: 'hybrid (conv data parallel, fc column split)' } as const;

/** The largest power of two ≤ n (a batch size that fits a split of n images). */
const fittingBatch = (n: number) => 2 ** Math.floor(Math.log2(Math.max(1, n)));

/** Small-data problems, found before anything is created, each with the numbers and the fix. */
function checkDataFits(config: TrainConfig, index: PreparedIndex): void {
  const classes = index.classes.length;
  if (classes < 2) {
    throw new UsageError(
      `${config.data} has ${plural(classes, 'class', 'classes')} (${index.classes.join(', ')}): a classifier needs at least two; prepare a source with one folder per class (<src>/<class>/<image>)`,
    );
  }
  if (config.crop > index.size)
    throw new UsageError(`--crop ${config.crop} is larger than the prepared images of ${config.data} (${index.size}×${index.size})`);
  const trainCount = index.splits.train?.count ?? 0;
  const valCount = index.splits.val?.count ?? 0;
  if (trainCount < config.batchSize) {
    throw new UsageError(
      `--batch-size ${config.batchSize}: the training split of ${config.data} has ${plural(trainCount, 'image')}, fewer than one batch; ` +
        (trainCount > 0 ? `use --batch-size ${fittingBatch(trainCount)} or smaller, or prepare more images` : 'prepare it from a source with training images'),
    );
  }
  if (valCount === 0)
    throw new UsageError(
      `${config.data} has no validation images to measure the run with: prepare it again with --val-fraction 0.1 (or a val/ folder in the source)`,
    );
}

export interface TrainResult {
  runDir: string;
  /** The engine it ran on. */
  engine: string;
  state: TrainState;
  last?: EpochMetrics;
  /** The signal that stopped the run (after saving checkpoints/last), if one did. */
  stopped?: NodeJS.Signals;
}

/** `alexnet train` from its command-line arguments. */
export async function runTrain(args: string[], log: (line: string) => void = (l) => console.log(l)): Promise<TrainResult> {
  const { config, explicit } = parseTrainFlags(args);
  return train(config, explicit, log);
}

/** One epoch's line: numbers as people write them, top-5 only where it means something. */
function epochLine(m: EpochMetrics, classes: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return (
    `epoch ${m.epoch}: lr ${formatNumber(m.learningRate)}, train loss ${m.trainLoss.toFixed(3)}, train top-1 error ${pct(m.trainTop1Error)}, ` +
    `val loss ${m.valLoss.toFixed(3)}, top-1 error ${pct(m.top1Error)}, top-5 error ${classes > 5 ? pct(m.top5Error) : 'n/a'}, ${m.imagesPerSecond.toFixed(1)} img/s` +
    (m.parallel
      ? `; per step ${m.parallel.stepSeconds.toFixed(2)} s (compute ${m.parallel.computeSeconds.toFixed(2)} s, comm ${m.parallel.commSeconds.toFixed(2)} s), ` +
        `${formatBytes(m.parallel.bytesSentPerRank)} sent per rank`
      : '')
  );
}

/**
 * The paper's procedure over a prepared dataset (also the demo's, with its
 * recipe). Everything is checked before the run folder is created; the folder
 * is never one that holds another run unless `force` says to replace it.
 */
export async function train(
  config: TrainConfig,
  explicit: ExplicitFlags = {},
  log: (line: string) => void = (l) => console.log(l),
  runPrefix?: string,
): Promise<TrainResult> {
  // A placed run divides the native engine's threads (and GPUs) between its ranks: rank 0 is this process.
  if (config.parallel) prepareRankZero(config.parallel);
  const report = await initBackend({ prefer: config.backend });
  tf.env().set('PROD', true);
  const index = await readPreparedIndex(config.data);

  /** Whether a checkpoint's classes are this dataset's, in the same order. */
  const sameClasses = (had: string[]) => had.length === index.classes.length && had.every((c, i) => c === index.classes[i]);
  const checkpoint = config.resume ? await loadCheckpoint(config.resume) : undefined;
  const source = config.initFrom ? await loadCheckpoint(config.initFrom) : undefined;
  // The network's weights are freed however this ends (the CLI exits, but a library caller goes on).
  let built: tf.LayersModel | undefined = checkpoint?.model;
  try {
    if (source) {
      config = initFromConfig(source, config, explicit);
      checkShape(config);
      checkPlacement(config);
    }
    if (checkpoint) {
      config = resumedConfig(checkpoint.state.config, config, explicit, checkpoint.dir);
      const had = checkpoint.state.classes;
      if (!sameClasses(had)) {
        throw new UsageError(
          `${checkpoint.dir} was trained on ${had.length} classes (${had.slice(0, 3).join(', ')}…); ${config.data} has ${index.classes.length} (${index.classes.slice(0, 3).join(', ')}…)`,
        );
      }
    }
    // A resume continues its own run (<run>/checkpoints/<name>) unless --out branches it elsewhere.
    const ownRun = checkpoint ? await runOfCheckpoint(checkpoint.dir) : undefined;
    if (checkpoint && ownRun === undefined && config.out === undefined) {
      throw new UsageError(`${checkpoint.dir} is not in a run folder (<run>/checkpoints/<name>): give the resumed run a folder with --out <dir>`);
    }
    const runDir = config.out !== undefined ? await realOrResolved(config.out) : (ownRun ?? (await freshRunFolder('runs', runPrefix ?? config.recipe)));
    const inPlace = checkpoint !== undefined && runDir === ownRun;
    if (inPlace && basename(checkpoint.dir) !== 'last' && !config.force) {
      throw new UsageError(
        `--resume ${checkpoint.dir} would take ${runDir} back to epoch ${checkpoint.state.epoch}, replacing its later metrics and checkpoints/last: ` +
          `continue from ${join(runDir, 'checkpoints', 'last')}, branch with --out <new dir>, or --force`,
      );
    }
    checkPlacement(config);
    const folder = { force: config.force, resuming: inPlace };
    await checkRunFolder(runDir, folder);
    checkDataFits(config, index);
    const model = checkpoint?.model ?? buildModel(config, index.classes.length);
    built = model;
    if (source) {
      const had = source.state.classes;
      const same = sameClasses(had);
      const copied = copyWeightsFrom(model, source, same);
      log(
        `initialised from ${source.dir}: ${copied.join(', ')}${same ? '' : ` (fc8 starts afresh: ${had.length} classes there, ${index.classes.length} here)`}`,
      );
    }
    if (config.freeze) log(`frozen: ${freezeUpTo(model, config.freeze).join(', ')}`);
    const chain = featureChain({ arch: config.arch, inputSize: config.crop, pool: config.pool, conv1Padding: config.conv1Padding });
    if (!chain.matchesPaper && chain.note) log(`note: ${chain.note}`);

    const microBatch = config.batchSize / config.accumulate;
    const loaderOptions = {
      crop: config.crop,
      mean: config.mean,
      scale: config.scale,
      batchSize: microBatch,
      ...(config.workers !== undefined ? { workers: config.workers } : {}),
    };
    const trainData = await BatchLoader.open(config.data, { ...loaderOptions, split: 'train', seed: config.seed, lighting: config.lighting });
    // Everything opened from here on is closed in the one finally below, whatever fails.
    let val: BatchLoader | undefined;
    let optimizer: SgdMomentumOptimizer | undefined;
    let stop: ReturnType<typeof stopOnSignals> | undefined;
    let scalars: Awaited<ReturnType<typeof openScalarLog>> | undefined;
    let lock: Awaited<ReturnType<typeof claimRunFolder>> | undefined;
    let placement: PlacedTraining | undefined;
    try {
      val = await BatchLoader.open(config.data, { ...loaderOptions, split: 'val', workers: Math.min(1, config.workers ?? 1) });
      const schedule = parseLrSchedule(config.lrSchedule, {
        initial: config.lr,
        epochs: config.epochs,
        stepsPerEpoch: Math.floor(trainData.batchesPerEpoch / config.accumulate),
        patience: config.patience,
      });
      if (checkpoint) {
        // The schedule's saved state is read now, so a damaged one is refused before any training.
        try {
          schedule.learningRate(checkpoint.state.schedule as never, { epoch: checkpoint.state.epoch + 1, step: 0 });
        } catch (error) {
          throw new Error(`${join(checkpoint.dir, 'state.json')}: schedule: ${(error as Error).message}`);
        }
      }
      optimizer = sgdMomentum({ learningRate: config.lr, momentum: config.momentum, weightDecay: config.weightDecay, rule: config.rule });
      const slots = checkpoint?.optimizerWeights(model);
      if (slots) await optimizer.setWeights(slots);
      else if (checkpoint) {
        log(
          `note: ${checkpoint.dir} carries no optimizer state (best checkpoints leave it out): momentum starts from zero; resume from checkpoints/last to continue exactly`,
        );
      }
      if (config.parallel) {
        const transport = placementTransport(config.parallel, report.engine);
        placement = await placeTraining({
          kind: config.parallel.kind,
          devices: config.parallel.devices,
          transport,
          model,
          optimizer,
          engine: report.engine,
          env: placementEnv(config.parallel, transport),
        });
      }

      scalars = config.tensorboard !== undefined ? await openScalarLog(resolve(config.tensorboard), report.engine) : undefined;
      // Ctrl-C / SIGTERM: finish the step, save checkpoints/last, stop. A second signal quits at once.
      stop = stopOnSignals('saving a checkpoint after this step');

      // Everything is checked: now the run folder (one writer at a time), config.json first.
      lock = await claimRunFolder(runDir, folder);
      const state: TrainState = {
        ...(checkpoint?.state ?? {
          epoch: 0,
          batchInEpoch: 0,
          step: 0,
          schedule: schedule.initialState(),
          dropoutSteps: {},
          best: null,
          classes: index.classes,
        }),
        // A run branched into another folder keeps its own best there (the first epoch sets it).
        ...(checkpoint && !inPlace ? { best: null } : {}),
        config: savedConfig(config),
      };
      const params = model.countParams();
      await writeFileAtomic(
        join(runDir, 'config.json'),
        JSON.stringify({ ...config, engine: report.engine, params, classes: index.classes.length, resumedFrom: checkpoint?.dir ?? null }, null, 2) + '\n',
      );
      log(
        `${config.arch} (${plural(config.columns, 'column')}, width ${formatNumber(config.width)}) at ${config.crop}×${config.crop}: ${params.toLocaleString('en-US')} parameters; ` +
          `${plural(trainData.count, 'training image')}, ${plural(val.count, 'validation image')}, ${plural(index.classes.length, 'class', 'classes')}; ${report.engine}; run folder ${runDir}` +
          (config.arch === 'alexnet' ? `; conv1 padding ${config.conv1Padding}` : '') +
          (config.parallel
            ? `; ${PLACEMENT_NAMES[config.parallel.kind]} on ${config.parallel.devices} devices (${placementTransport(config.parallel, report.engine)})`
            : '') +
          (checkpoint ? `; resuming after epoch ${state.epoch}, step ${state.step}${inPlace ? '' : ` of ${checkpoint.dir}`}` : ''),
      );

      const preprocessing = await preprocessingFiles(config.data, index);
      const started = performance.now();
      let last: EpochMetrics | undefined;
      const classes = index.classes.length;
      const result = await trainLoop({
        logits: logitsOf(model),
        model,
        optimizer,
        schedule,
        train: trainData,
        val,
        epochs: config.epochs,
        accumulate: config.accumulate,
        runDir,
        state,
        // Every checkpoint carries its preprocessing: predict and filters then work without the dataset.
        checkpointFiles: preprocessing,
        signal: stop.signal,
        ...(placement ? { placement } : {}),
        onBatch: epochProgress(config.epochs, config.batchSize),
        onEpoch: async (m) => {
          last = m;
          log(epochLine(m, classes));
          // The pictures and logs are for people: a failure there is reported, and training goes on.
          try {
            await writeRunCurves(runDir, classes);
            if (scalars) {
              const values: Record<string, number> = {
                'loss/train': m.trainLoss,
                'loss/val': m.valLoss,
                'error/train_top1': m.trainTop1Error,
                'error/val_top1': m.top1Error,
                learning_rate: m.learningRate,
              };
              if (classes > 5) values['error/val_top5'] = m.top5Error;
              for (const [tag, value] of Object.entries(values)) scalars.scalar(tag, value, m.epoch);
            }
          } catch (error) {
            log(`warning: epoch ${m.epoch}'s curves or TensorBoard events were not written (${(error as Error).message})`);
          }
        },
      });
      const stopped = stoppedBy(stop.signal);
      if (result.stopped) {
        log(`stopped after step ${result.state.step}; continue with --resume ${join(runDir, 'checkpoints', 'last')}`);
      } else {
        // The deployable model: the softmax network and its preprocessing, no optimizer state.
        await writeTfjsModel(join(runDir, 'model'), model, preprocessing, {
          crop: config.crop,
          scale: config.scale,
          mean: config.mean,
          classes: index.classes,
          names: index.classNames ?? index.classes,
        });
        log(
          `done: ${plural(result.state.epoch, 'epoch')} in ${formatSeconds((performance.now() - started) / 1000)}; best top-1 error ${(100 * (result.state.best?.top1Error ?? NaN)).toFixed(1)} % ` +
            `(epoch ${result.state.best?.epoch}); checkpoints in ${join(runDir, 'checkpoints')}, the model in ${join(runDir, 'model')}, curves in ${join(runDir, 'curves.png')}`,
        );
      }
      return { runDir, engine: report.engine, state: result.state, ...(last ? { last } : {}), ...(result.stopped && stopped ? { stopped } : {}) };
    } catch (error) {
      // The wasm engine aborts (XNNPACK out of memory) when a batch does not fit in its 4 GB heap.
      if (report.engine === 'wasm' && /Aborted\(\)/.test((error as Error).message)) {
        // Suggest a split with at most a quarter of the images per pass.
        let split = config.accumulate + 1;
        while (split < config.batchSize && (config.batchSize % split !== 0 || config.batchSize / split > microBatch / 4)) split++;
        throw new Error(
          `the wasm engine ran out of memory with ${microBatch} images per forward pass at ${config.crop}×${config.crop} ` +
            `(its heap is limited to 4 GB); split each batch with --accumulate ${split} (${config.batchSize / split} images per pass)` +
            `, resuming from ${join(runDir, 'checkpoints', 'last')} if one was saved`,
        );
      }
      throw error;
    } finally {
      stop?.release();
      await placement?.close();
      optimizer?.dispose();
      await scalars?.close();
      await Promise.all([trainData.close(), val?.close()]);
      await lock?.release();
    }
  } finally {
    built?.dispose();
    source?.model.dispose();
  }
}
