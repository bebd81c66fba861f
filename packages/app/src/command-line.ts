import { Command, CommanderError, Option, type OptionValues } from '@commander-js/extra-typings';
import { ENGINES, type EngineChoice } from '@alexnet/backend';
import { UsageError } from './exit-codes.js';
import { numberValue } from './option-values.js';

/** The settings every `alexnet` command shares: suggestions for typos, help after errors, exit codes in --help. */
export function alexnetCommand(name: string, summary: string): Command {
  return new Command(name)
    .summary(summary)
    .description(summary)
    .showSuggestionAfterError(true)
    .showHelpAfterError(`(alexnet ${name} --help lists its flags)`)
    .allowExcessArguments(false)
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'alexnet: ')) });
}

/** --backend, read from ALEXNET_BACKEND when not given: the one place the engine choice is parsed. */
export function backendOption() {
  return new Option('--backend <engine>', 'tensor engine (also ALEXNET_BACKEND)')
    .choices(['auto', ...ENGINES] as readonly EngineChoice[])
    .env('ALEXNET_BACKEND')
    .default('auto' as EngineChoice);
}

/** --data: the prepared dataset (made by `alexnet prepare`), named the same way by every command. */
export function dataOption(what = 'the prepared dataset (made by `alexnet prepare`)') {
  return new Option('--data <dir>', what);
}

/** -j/--workers: threads, in every command. */
export function workersOption(what: string) {
  return new Option('-j, --workers <n>', what).argParser(numberValue({ integer: true, min: 0, below: 65 }));
}

/**
 * Parses `args` with `command` without exiting or printing: for library
 * callers and tests (`runTrain(['--data', …])`). A usage error throws a
 * UsageError with commander's message, e.g. "unknown option '--lrr' (Did you mean --lr?)".
 */
export function parseCommandLine<C extends Command<unknown[], OptionValues>>(command: C, args: string[], env: NodeJS.ProcessEnv = process.env): C {
  let message = '';
  command.exitOverride().configureOutput({ writeErr: (text) => (message += text), writeOut: () => undefined, outputError: (text) => (message += text) });
  const saved = process.env;
  // commander reads option environment variables from process.env; an empty ALEXNET_BACKEND means "not set".
  process.env = env.ALEXNET_BACKEND === '' ? Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'ALEXNET_BACKEND')) : env;
  try {
    command.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      throw new UsageError(
        message
          .trim()
          .replace(/^(error|alexnet): /, '')
          .replace(/\n+\(alexnet \w+ --help lists its flags\)$/, '') || error.message,
      );
    throw error;
  } finally {
    process.env = saved;
  }
  return command;
}

/** --checkpoint, repeatable: several checkpoints are averaged as an ensemble (§6). */
export function checkpointsOption() {
  return new Option('--checkpoint <dir>', 'a checkpoint folder (e.g. runs/x/checkpoints/best); repeat it for an ensemble').argParser(
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  );
}
