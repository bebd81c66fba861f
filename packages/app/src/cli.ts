#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@alexnet/backend';
import { parseDemoFlags, USAGE } from './demo-flags.js';
import { runDemo } from './demo.js';
import { PREPARE_USAGE, runPrepare } from './prepare-command.js';
import { runStats, STATS_USAGE } from './stats-command.js';
import { runSummary, SUMMARY_USAGE } from './summary-command.js';
import { runTrain } from './train-command.js';
import { TRAIN_USAGE } from './train-flags.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === 'summary') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(SUMMARY_USAGE);
      return 0;
    }
    await initBackend({ log: null });
    tf.env().set('PROD', true);
    runSummary(rest);
    return 0;
  }
  if (command === 'prepare' || command === 'stats') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(command === 'prepare' ? PREPARE_USAGE : STATS_USAGE);
      return 0;
    }
    if (command === 'prepare') await runPrepare(rest);
    else await runStats(rest);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  }
  if (command === 'train') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(TRAIN_USAGE);
      return 0;
    }
    await runTrain(rest);
    return 0;
  }
  if (command === 'demo') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    await runDemo(parseDemoFlags(rest));
    return 0;
  }
  throw new Error(`unknown command '${command}'\n\n${USAGE}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`alexnet: ${error.message}\n`);
    process.exit(2);
  },
);
