/**
 * Turns the first SIGINT/SIGTERM into an AbortSignal (the work stops at a safe
 * point and saves), and a second one into an immediate exit. The signal's
 * `reason` is the name of the signal that stopped it ('SIGINT' or 'SIGTERM'),
 * for the exit code. Call `release` when the work is done.
 */
export function stopOnSignals(message: string): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === 'SIGTERM' ? 143 : 130);
    process.stderr.write(`\n${message} (again to quit now)…\n`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The signal that stopped `signal`, when one did. */
export function stoppedBy(signal: AbortSignal): NodeJS.Signals | undefined {
  return signal.aborted && (signal.reason === 'SIGINT' || signal.reason === 'SIGTERM') ? signal.reason : undefined;
}
