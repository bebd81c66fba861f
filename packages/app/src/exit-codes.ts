/**
 * What `alexnet` exits with, for scripts: 0 done, 1 failed, 2 usage (a flag or
 * argument is wrong: nothing was done), 130 / 143 stopped by SIGINT / SIGTERM
 * (after saving what the command saves when stopped).
 */
export const EXIT = { done: 0, failed: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

export const EXIT_CODES_HELP = `Exit codes: 0 done, 1 failed, 2 usage error (nothing was done), 130 / 143 stopped by
SIGINT / SIGTERM after saving.`;

/** A flag, argument or combination of them is wrong: the command did nothing. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code of a command stopped by this signal. */
export function exitCodeForSignal(signal: NodeJS.Signals | undefined): number {
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}
