import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module next to the caller. Built code runs the
 * `.js` module; when the caller itself runs from TypeScript source (tests,
 * `tsx`), the worker loads the `.ts` module through tsx, a dev dependency.
 */
export function startModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  const url = new URL(`./${name}.ts`, callerUrl).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
