#!/usr/bin/env node
// The `alexnet` command. A committed shim so the workspace can link it before
// the first build; the program itself is compiled to dist/.
import { availableParallelism } from 'node:os';

// sharp decodes on libuv's thread pool (4 threads by default); `prepare` keeps
// 4 images per core in flight and needs as many threads. It must be set before
// the pool starts, so here, before anything loads.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, 4 * availableParallelism()));
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('alexnet: the app is not built yet; run `npm run build` at the repository root');
    process.exit(1);
  }
  throw error;
}
