import { mkdir } from 'node:fs/promises';
import { ENGINE_PACKAGES } from '@alexnet/backend';
import { TensorBoardWriter } from '@alexnet/train';

/** Where `--tensorboard` scalars go: TensorBoard event files in one folder. */
export interface ScalarLog {
  /** 'tfjs-node': TensorFlow's own summary writer; 'alexnet': @alexnet/train's TensorBoardWriter. */
  kind: 'tfjs-node' | 'alexnet';
  scalar(tag: string, value: number, step: number): void;
  /** Writes what is queued and releases the file. */
  close(): Promise<void>;
}

/** The part of tfjs-node's (and tfjs-node-gpu's) module used here, typed locally: the package is optional and may be absent when this builds. */
interface NativeSummaries {
  node: { summaryFileWriter(logdir: string): { scalar(name: string, value: number, step: number): void; flush(): void } };
}

/**
 * Opens a scalar log in `dir` for a run on `engine`. On the native engines
 * TensorFlow's own writer is used (tf.node.summaryFileWriter, from the
 * engine's package that is already loaded: importing tfjs-node beside
 * tfjs-node-gpu would load a second TensorFlow); every other engine gets
 * TensorBoardWriter, which needs no TensorFlow. Either way the scalars of one
 * burst (one epoch's) are written at the next turn of the event loop, so a
 * TensorBoard watching the folder sees each epoch as it ends.
 */
export async function openScalarLog(dir: string, engine: string): Promise<ScalarLog> {
  if (engine === 'node' || engine === 'node-gpu') {
    const { node } = (await import(ENGINE_PACKAGES[engine].pkg)) as NativeSummaries;
    await mkdir(dir, { recursive: true });
    const writer = node.summaryFileWriter(dir);
    return {
      kind: 'tfjs-node',
      ...flushingSoon(
        (tag, value, step) => writer.scalar(tag, value, step),
        async () => writer.flush(),
        async () => writer.flush(),
      ),
    };
  }
  const writer = await TensorBoardWriter.open(dir);
  return {
    kind: 'alexnet',
    ...flushingSoon(
      (tag, value, step) => writer.scalar(tag, value, step),
      () => writer.flush(),
      () => writer.close(),
    ),
  };
}

/**
 * scalar() that schedules one flush per burst of calls; a failed flush is
 * reported by the next scalar() or by close(), since no caller awaits it.
 */
function flushingSoon(
  write: (tag: string, value: number, step: number) => void,
  flush: () => Promise<void>,
  close: () => Promise<void>,
): Pick<ScalarLog, 'scalar' | 'close'> {
  let scheduled = false;
  // Every flush scheduled so far, in order: close() waits for all of them.
  let flushes: Promise<void> = Promise.resolve();
  let failure: unknown;
  const rethrow = () => {
    if (failure === undefined) return;
    const error = failure;
    failure = undefined;
    throw error;
  };
  return {
    scalar(tag, value, step) {
      rethrow();
      write(tag, value, step);
      if (scheduled) return;
      scheduled = true;
      flushes = flushes
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => {
          scheduled = false;
          return flush();
        })
        .catch((error: unknown) => {
          failure = error;
        });
    },
    async close() {
      await flushes;
      rethrow();
      await close();
    },
  };
}
