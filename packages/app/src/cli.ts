#!/usr/bin/env node
import { terminalText } from '@alexnet/eval';
import { cliHint } from './cli-hints.js';
import { EXIT, UsageError } from './exit-codes.js';
import { runProgram } from './program.js';

// An empty ALEXNET_BACKEND means "not set", as it does for @alexnet/backend.
if (process.env.ALEXNET_BACKEND === '') delete process.env.ALEXNET_BACKEND;

runProgram(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    const hint = cliHint(error);
    // Messages quote names from files and folders: control characters are shown escaped, line breaks kept.
    const text = `${error.message}${hint ? `\n${hint}` : ''}`;
    process.stderr.write(`alexnet: ${text.split('\n').map(terminalText).join('\n')}\n`);
    process.exit(error instanceof UsageError ? EXIT.usage : EXIT.failed);
  },
);
