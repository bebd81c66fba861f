#!/usr/bin/env node
import { parseDemoFlags, USAGE } from './demo-flags.js';
import { runDemo } from './demo.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === 'demo') {
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
