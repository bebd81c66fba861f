// npm run example:browser -- [run | model folder] [--port N] [--host H]
// Builds the page, serves it with the model on localhost and prints the address. Ctrl-C stops.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPage, DEFAULT_OUT_DIR } from './build-page.js';
import { PREPROCESSING_FILES } from './page/preprocessing.js';
import { modelFiles, servePage } from './serve-page.js';

const USAGE =
  'usage: npm run example:browser -- [runs/<run> | a model folder (alexnet export --checkpoint <dir> --format tfjs --out <folder>)] [--port 8080] [--host 127.0.0.1]';

/**
 * The run under runs/ whose model/ was written last (`npm start` and `alexnet train` write there),
 * by its preprocessing.json: written last, and absent from model/ of an older `alexnet train`.
 */
async function newestRun(runs: string): Promise<string | undefined> {
  const names = await readdir(runs).catch(() => [] as string[]);
  const written = await Promise.all(
    names.map(async (name) => ({
      dir: join(runs, name),
      time: (await stat(join(runs, name, 'model', PREPROCESSING_FILES.preprocessing)).catch(() => undefined))?.mtimeMs,
    })),
  );
  return written.filter((w) => w.time !== undefined).sort((a, b) => b.time! - a.time!)[0]?.dir;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return console.log(USAGE);
  if (positionals.length > 1) throw new Error(`one model folder, got ${positionals.length}\n${USAGE}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0: any free one), got ${values.port}`);
  // npm runs scripts at the repository root; a path the user typed is relative to where they typed it.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const folder = positionals[0] === undefined ? await newestRun(resolve('runs')) : resolve(cwd, positionals[0]);
  if (folder === undefined)
    throw new Error(
      `no run under ${resolve('runs')} has a model/ with ${PREPROCESSING_FILES.preprocessing}: run \`npm start\` (the demo) or \`npx alexnet train\` first, ` +
        `or name a model folder (\`npx alexnet export --checkpoint runs/<run>/checkpoints/best --format tfjs --out <folder>\` makes one)\n${USAGE}`,
    );
  const model = await modelFiles(folder);
  await buildPage(DEFAULT_OUT_DIR);
  const server = await servePage({ site: DEFAULT_OUT_DIR, model, host: values.host, port }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE' ? new Error(`port ${port} is in use: pass --port <another> (0: any free port)`) : error;
  });
  console.log(`model: ${model.description}`);
  console.log(`open ${server.url}?engine=wasm   (or ?engine=webgl, ?engine=cpu; Ctrl-C stops)`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`example:browser: ${(error as Error).message}`);
  process.exit(1);
});
