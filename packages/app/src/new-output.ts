import { stat } from 'node:fs/promises';
import { UsageError } from './exit-codes.js';

/**
 * Refuses an --out that exists before any work is done (moveIntoPlace refuses one that appears
 * later). `given` is the flag as typed, for the message.
 */
export async function refuseExistingOut(command: string, out: string, given: string, what: 'path' | 'folder'): Promise<void> {
  const exists = await stat(out).then(
    () => true,
    () => false,
  );
  if (exists) throw new UsageError(`${command}: --out ${given} exists; choose a new ${what} (nothing is overwritten)`);
}
