#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@alexnet/backend';
import { terminalText } from '@alexnet/eval';
import { parseDemoFlags, USAGE } from './demo-flags.js';
import { runDemo } from './demo.js';
import { ENGINE_USAGE, runEngine } from './engine-command.js';
import { EVAL_USAGE, runEval } from './eval-command.js';
import { FILTERS_USAGE, runFilters } from './filters-command.js';
import { PREDICT_USAGE, runPredict } from './predict-command.js';
import { PREPARE_USAGE, runPrepare } from './prepare-command.js';
import { runSimilar, SIMILAR_USAGE } from './similar-command.js';
import { runStats, STATS_USAGE } from './stats-command.js';
import { runSummary, SUMMARY_USAGE } from './summary-command.js';
import { runTrain } from './train-command.js';
import { TRAIN_USAGE } from './train-flags.js';

interface Command {
  usage: string;
  /** Commands that run a network pick the engine first (train and demo pick their own, from --backend). */
  engine: boolean;
  run(args: string[]): Promise<unknown>;
}

const COMMANDS: Record<string, Command> = {
  demo: { usage: USAGE, engine: false, run: (args) => runDemo(parseDemoFlags(args)) },
  engine: { usage: ENGINE_USAGE, engine: false, run: runEngine },
  prepare: { usage: PREPARE_USAGE, engine: false, run: runPrepare },
  stats: { usage: STATS_USAGE, engine: false, run: runStats },
  train: { usage: TRAIN_USAGE, engine: false, run: runTrain },
  eval: { usage: EVAL_USAGE, engine: true, run: runEval },
  predict: { usage: PREDICT_USAGE, engine: true, run: runPredict },
  filters: { usage: FILTERS_USAGE, engine: true, run: runFilters },
  similar: { usage: SIMILAR_USAGE, engine: true, run: runSimilar },
  summary: { usage: SUMMARY_USAGE, engine: true, run: async (args) => runSummary(args) },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new Error(`unknown command '${name}'\n\n${USAGE}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage);
    return 0;
  }
  if (command.engine) {
    // ALEXNET_BACKEND picks the engine here too; the choice is logged only by train and demo.
    await initBackend({ log: null });
    tf.env().set('PROD', true);
  }
  await command.run(rest);
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    // Messages quote names from files and folders: control characters are shown escaped, line breaks kept.
    process.stderr.write(`alexnet: ${error.message.split('\n').map(terminalText).join('\n')}\n`);
    process.exit(2);
  },
);
