import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { initBackend } from '@alexnet/backend';
import { z } from 'zod';
import { BatchLoader, lockFolder, readPreparedIndex, validated, writeFileAtomic } from '@alexnet/data';
import { loadCheckpoint, parseLrSchedule, sgdMomentum, trainLoop, type EpochMetrics, type SgdMomentumOptimizer, type TrainState } from '@alexnet/train';
import { alexNet, logitsOf } from './alexnet.js';
import { alexNetOwt } from './alexnet-owt.js';
import { epochProgress, formatSeconds } from './progress.js';
import { stopOnSignals } from './stop-signals.js';
import { parseTrainFlags, SAVED_TRAIN_CONFIG, type ExplicitFlags, type SavedTrainConfig, type TrainConfig } from './train-flags.js';

/** What a checkpoint fixes: a resumed run may not change these. */
const FIXED_ON_RESUME = [
  'recipe', 'arch', 'columns', 'width', 'crop', 'batchSize', 'accumulate', 'lr', 'momentum', 'weightDecay',
  'rule', 'lrSchedule', 'init', 'mean', 'scale', 'lighting', 'dropout', 'seed',
] as const satisfies ReadonlyArray<keyof TrainConfig>;

/** The part of the configuration saved with every checkpoint. */
function savedConfig(config: TrainConfig): Record<string, unknown> {
  // data is where the run was trained from: predict and similar find the mean image and class names there.
  return Object.fromEntries(FIXED_ON_RESUME.map((k) => [k, config[k]]).concat([['epochs', config.epochs], ['data', resolve(config.data)]]));
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
      throw new Error(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${String(given)} differs from the checkpoint's ${String(checked[key])} (${where}); a resumed run keeps its settings`);
    }
  }
  const owned = Object.fromEntries(FIXED_ON_RESUME.map((k) => [k, checked[k]])) as Pick<TrainConfig, (typeof FIXED_ON_RESUME)[number]>;
  return { ...config, ...owned, epochs: explicit.epochs ?? checked.epochs };
}

function buildModel(config: TrainConfig, classes: number): tf.LayersModel {
  const common = { classes, inputSize: config.crop, width: config.width, seed: config.seed, dropout: config.dropout };
  return config.arch === 'alexnet' ? alexNet({ ...common, columns: config.columns, init: config.init }) : alexNetOwt({ ...common, init: config.init });
}

/** `alexnet train`: the paper's procedure over a prepared dataset, with checkpoints and resume. */
export async function runTrain(args: string[], log: (line: string) => void = (l) => console.log(l)): Promise<{ runDir: string; state: TrainState; last?: EpochMetrics }> {
  const parsed = parseTrainFlags(args);
  let config = parsed.config;
  const report = await initBackend({ prefer: config.backend });
  tf.env().set('PROD', true);
  const index = await readPreparedIndex(config.data);

  const checkpoint = config.resume ? await loadCheckpoint(config.resume) : undefined;
  // The network's weights are freed however this ends (the CLI exits, but a library caller goes on).
  let built: tf.LayersModel | undefined = checkpoint?.model;
  try {
    if (checkpoint) {
      config = resumedConfig(checkpoint.state.config, config, parsed.explicit, checkpoint.dir);
      const had = checkpoint.state.classes;
      if (had.length !== index.classes.length || had.some((c, i) => c !== index.classes[i])) {
        throw new Error(`${checkpoint.dir} was trained on ${had.length} classes (${had.slice(0, 3).join(', ')}…); ${config.data} has ${index.classes.length} (${index.classes.slice(0, 3).join(', ')}…)`);
      }
    }
    if (config.crop > index.size) throw new Error(`--crop ${config.crop} is larger than the prepared images of ${config.data} (${index.size}×${index.size})`);
    const runDir = resolve(config.out ?? (checkpoint ? dirname(dirname(checkpoint.dir)) : join('runs', `train-${new Date().toISOString().replace(/[:.]/g, '-')}`)));
    await mkdir(runDir, { recursive: true });
    // One writer per run folder: a second train into it is refused while this one runs.
    const lock = await lockFolder(runDir, 'alexnet train');
    try {

      const model = checkpoint?.model ?? buildModel(config, index.classes.length);
      built = model;
      const microBatch = config.batchSize / config.accumulate;
      const loaderOptions = { crop: config.crop, mean: config.mean, scale: config.scale, batchSize: microBatch, ...(config.workers !== undefined ? { workers: config.workers } : {}) };
      const train = await BatchLoader.open(config.data, { ...loaderOptions, split: 'train', seed: config.seed, lighting: config.lighting });
      // Everything opened from here on is closed in the one finally below, whatever fails.
      let val: BatchLoader | undefined;
      let optimizer: SgdMomentumOptimizer | undefined;
      let stop: ReturnType<typeof stopOnSignals> | undefined;
      try {
        val = await BatchLoader.open(config.data, { ...loaderOptions, split: 'val', workers: Math.min(1, config.workers ?? 1) });
        const schedule = parseLrSchedule(config.lrSchedule, { initial: config.lr, epochs: config.epochs, stepsPerEpoch: Math.floor(train.batchesPerEpoch / config.accumulate) });
        if (checkpoint) {
          // The schedule's saved state is read now, so a damaged one is refused before any training.
          try {
            schedule.learningRate(checkpoint.state.schedule as never, { epoch: checkpoint.state.epoch + 1, step: 0 });
          } catch (error) {
            throw new Error(`${join(checkpoint.dir, 'state.json')}: schedule: ${(error as Error).message}`);
          }
        }
        optimizer = sgdMomentum({ learningRate: config.lr, momentum: config.momentum, weightDecay: config.weightDecay, rule: config.rule });
        if (checkpoint) await optimizer.setWeights(checkpoint.optimizerWeights(model));
        const state: TrainState = {
          ...(checkpoint?.state ?? { epoch: 0, batchInEpoch: 0, step: 0, schedule: schedule.initialState(), dropoutSteps: {}, best: null, classes: index.classes }),
          config: savedConfig(config),
        };
        const params = model.countParams();
        await writeFileAtomic(
          join(runDir, 'config.json'),
          JSON.stringify({ ...config, engine: report.engine, params, classes: index.classes.length, resumedFrom: checkpoint?.dir ?? null }, null, 2) + '\n',
        );
        log(`${config.arch} (${config.columns} column${config.columns > 1 ? 's' : ''}, width ${config.width}) at ${config.crop}×${config.crop}: ${params.toLocaleString('en-US')} parameters; ` +
          `${train.count} training, ${val.count} validation images; ${report.engine}; run folder ${runDir}` + (checkpoint ? `; resuming after epoch ${state.epoch}, step ${state.step}` : ''));

        // Ctrl-C / SIGTERM: finish the step, save checkpoints/last, stop. A second signal quits at once.
        stop = stopOnSignals('saving a checkpoint after this step');
        const started = performance.now();
        let last: EpochMetrics | undefined;
        const result = await trainLoop({
          logits: logitsOf(model), model, optimizer, schedule, train, val, epochs: config.epochs, accumulate: config.accumulate, runDir, state, signal: stop.signal,
          onBatch: epochProgress(config.epochs, config.batchSize),
          onEpoch: (m) => {
            last = m;
            log(`epoch ${m.epoch}: lr ${m.learningRate}, train loss ${m.trainLoss.toFixed(3)}, val loss ${m.valLoss.toFixed(3)}, top-1 error ${(100 * m.top1Error).toFixed(1)} %, top-5 error ${(100 * m.top5Error).toFixed(1)} %, ${m.imagesPerSecond.toFixed(1)} img/s`);
          },
        });
        log(result.stopped
          ? `stopped after step ${result.state.step}; continue with --resume ${join(runDir, 'checkpoints', 'last')}`
          : `done: ${result.state.epoch} epochs in ${formatSeconds((performance.now() - started) / 1000)}; best top-1 error ${(100 * (result.state.best?.top1Error ?? NaN)).toFixed(1)} % (epoch ${result.state.best?.epoch}); checkpoints in ${join(runDir, 'checkpoints')}`);
        return { runDir, state: result.state, ...(last ? { last } : {}) };
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
        optimizer?.dispose();
        await Promise.all([train.close(), val?.close()]);
      }
    } finally {
      await lock.release();
    }
  } finally {
    built?.dispose();
  }
}
