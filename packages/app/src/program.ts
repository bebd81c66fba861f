import { Command, CommanderError, type OptionValues } from '@commander-js/extra-typings';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { initBackend, type EngineChoice } from '@alexnet/backend';
import { defineDemoCommand, parseDemoFlags } from './demo-flags.js';
import { runDemo } from './demo.js';
import { defineEngineCommand, defineEngineInstallCommand, runEngine } from './engine-command.js';
import { defineEvalCommand, runEval } from './eval-command.js';
import { EXIT, EXIT_CODES_HELP, exitCodeForSignal } from './exit-codes.js';
import { defineExportCommand, runExport } from './export-command.js';
import { defineFiltersCommand, runFilters } from './filters-command.js';
import { defineImportCommand, runImport } from './import-command.js';
import { definePlotCommand, runPlot } from './plot-command.js';
import { definePredictCommand, runPredict } from './predict-command.js';
import { definePrepareCommand, runPrepare } from './prepare-command.js';
import { defineSimilarCommand, runSimilar } from './similar-command.js';
import { defineStatsCommand, runStats } from './stats-command.js';
import { defineSummaryCommand, runSummary } from './summary-command.js';
import { defineTrainCommand } from './train-flags.js';
import { runTrain } from './train-command.js';

/** What a command's run returns that decides the exit code (a stop by a signal). */
type Outcome = { stopped?: NodeJS.Signals } | unknown;

interface Entry {
  define: () => Command<unknown[], OptionValues>;
  /** Scores with a network on the engine its --backend names (train and demo choose their own, from their configuration). */
  engine?: true;
  /** Runs from the command's own arguments (each run parses them with the same definition). */
  run: (args: string[]) => Promise<Outcome> | Outcome;
}

/** Every `alexnet` command, in the order `alexnet --help` lists them. */
const COMMANDS: Record<string, Entry> = {
  demo: { define: defineDemoCommand, run: (args) => runDemo(parseDemoFlags(args)) },
  prepare: { define: definePrepareCommand, run: runPrepare },
  stats: { define: defineStatsCommand, run: runStats },
  train: { define: defineTrainCommand, run: runTrain },
  eval: { engine: true, define: defineEvalCommand, run: runEval },
  predict: { engine: true, define: definePredictCommand, run: runPredict },
  filters: { engine: true, define: defineFiltersCommand, run: runFilters },
  similar: { engine: true, define: defineSimilarCommand, run: runSimilar },
  summary: { engine: true, define: defineSummaryCommand, run: runSummary },
  export: { engine: true, define: defineExportCommand, run: runExport },
  import: { engine: true, define: defineImportCommand, run: runImport },
  plot: { define: definePlotCommand, run: runPlot },
  engine: { define: defineEngineCommand, run: runEngine },
};

export function appVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * The `alexnet` program: commander parses and checks the arguments (help,
 * --version, `help <command>`, suggestions), then the command runs from its
 * own arguments. Resolves to the exit code.
 */
export async function runProgram(argv: string[]): Promise<number> {
  let outcome: Outcome;
  const program = new Command('alexnet')
    .description('AlexNet (Krizhevsky, Sutskever, Hinton 2012) in TypeScript on TensorFlow.js')
    .version(appVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'alexnet: ')) })
    .exitOverride()
    .addHelpText('after', `\n${EXIT_CODES_HELP}\nalexnet help <command> (or alexnet <command> --help) lists a command's flags.`);
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command = entry.define().exitOverride().addHelpText('after', `\n${EXIT_CODES_HELP}`);
    const rest = () => argv.slice(argv.indexOf(name) + 1);
    command.action(async (...parsed) => {
      if (entry.engine) {
        const { backend } = (parsed.at(-1) as Command<unknown[], { backend?: EngineChoice }>).opts();
        await initBackend({ prefer: backend ?? 'auto', log: null });
        tf.env().set('PROD', true);
      }
      outcome = await entry.run(rest());
    });
    if (name === 'engine') {
      command.addCommand(
        defineEngineInstallCommand()
          .exitOverride()
          .action(async () => {
            outcome = await entry.run(rest());
          }) as never,
      );
    }
    program.addCommand(command as never);
  }
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end in an "error" too: their exit code is commander's 0.
      return error.exitCode === 0 ? EXIT.done : EXIT.usage;
    }
    throw error;
  }
  const stopped = (outcome as { stopped?: NodeJS.Signals } | undefined)?.stopped;
  if (stopped) return exitCodeForSignal(stopped);
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.done;
}
