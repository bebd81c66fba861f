/**
 * Turns the first SIGINT/SIGTERM into an AbortSignal (the work stops at a safe
 * point and saves), and a second one into an immediate exit. Call `release`
 * when the work is done.
 */
export function stopOnSignals(message: string): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${message} (again to quit now)…\n`);
    controller.abort();
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
