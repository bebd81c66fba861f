// A static server for the built page (build-page.ts) and one model under /model/, on localhost.
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve } from 'node:path';

/** The files served under /model/: name → file on disk. */
export interface ModelFiles {
  files: Map<string, string>;
  /** Where they come from, for people. */
  description: string;
}

const STATE = 'state.json';
const STATS = 'stats.json';
const CLASS_NAMES = 'class-names.json';
const isPlainName = (value: unknown): value is string => typeof value === 'string' && /^[\w.-]{1,255}$/.test(value) && value !== '.' && value !== '..';

async function isFile(path: string): Promise<boolean> {
  return lstat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/**
 * The model the page loads and the preprocessing it applies, from a run folder
 * (`runs/<run>`: model/ is the exported network, and — since model/ holds only
 * model.json and its weights — state.json, stats.json, the mean image and
 * class-names.json from the run's checkpoints/last, whose weights model/ was saved
 * from), a run's model/ folder (the same), a checkpoint folder, or any folder that
 * holds all of them beside model.json.
 */
export async function modelFiles(path: string): Promise<ModelFiles> {
  const dir = resolve(path);
  const isRun = await isFile(join(dir, 'model', 'model.json'));
  const modelDir = isRun ? join(dir, 'model') : dir;
  if (!(await isFile(join(modelDir, 'model.json')))) {
    throw new Error(`${dir} holds no model.json: give a run folder (runs/<run>), its model/ folder or a checkpoint folder`);
  }
  const run = isRun ? dir : basename(dir) === 'model' ? resolve(dir, '..') : undefined;
  const candidates = [modelDir, ...(run === undefined ? [] : ['last', 'best'].map((name) => join(run, 'checkpoints', name)))];
  let preprocessingDir: string | undefined;
  for (const candidate of candidates) {
    if ((await isFile(join(candidate, STATE))) && (await isFile(join(candidate, STATS)))) {
      preprocessingDir = candidate;
      break;
    }
  }
  if (preprocessingDir === undefined) {
    throw new Error(
      `${modelDir} has no ${STATE} and ${STATS} beside model.json, and no run's checkpoints next to it: the page needs the preprocessing a checkpoint carries ` +
        `(${STATE}, ${STATS}, the mean image, ${CLASS_NAMES}); copy them from the run's checkpoints/last beside model.json`,
    );
  }
  const files = new Map<string, string>([['model.json', join(modelDir, 'model.json')]]);
  const manifest = (await readJson(join(modelDir, 'model.json'))) as { weightsManifest?: Array<{ paths?: unknown[] }> };
  for (const group of manifest.weightsManifest ?? []) {
    for (const name of group.paths ?? []) {
      if (!isPlainName(name)) throw new Error(`${join(modelDir, 'model.json')}: a weights path is not a file name in its folder`);
      files.set(name, join(modelDir, name));
    }
  }
  const stats = (await readJson(join(preprocessingDir, STATS))) as { meanImage?: unknown };
  if (!isPlainName(stats.meanImage)) throw new Error(`${join(preprocessingDir, STATS)}: meanImage is not a file name in its folder`);
  for (const name of [STATE, STATS, stats.meanImage, CLASS_NAMES]) files.set(name, join(preprocessingDir, name));
  for (const [name, file] of files) {
    // class-names.json is there only when the dataset had names; the page then shows the classes.
    if (!(await isFile(file))) {
      if (name === CLASS_NAMES) files.delete(name);
      else throw new Error(`${file} is missing (or not a regular file)`);
    }
  }
  return {
    files,
    description: preprocessingDir === modelDir ? modelDir : `${modelDir}, with the preprocessing of ${preprocessingDir}`,
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  // WebAssembly.instantiateStreaming requires it.
  '.wasm': 'application/wasm',
};

export interface PageServer {
  /** The page's address, ending in /. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `site` (the built page) and `model` under /model/ on `host`:`port` (0: any free port).
 * Only GET and HEAD, only regular files inside `site` or named in `model`.
 */
export async function servePage({
  site,
  model,
  host = '127.0.0.1',
  port = 0,
}: {
  site: string;
  model: ModelFiles;
  host?: string;
  port?: number;
}): Promise<PageServer> {
  const root = resolve(site);
  const server = createServer((request, response) => {
    const send = (code: number, text: string) => response.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'only GET and HEAD');
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, 'bad path');
    }
    if (path.endsWith('/')) path += 'index.html';
    const parts = path.split('/').slice(1);
    let file: string | undefined;
    if (parts[0] === 'model') file = parts.length === 2 ? model.files.get(parts[1]!) : undefined;
    else if (parts.every(isPlainName)) file = join(root, ...parts);
    // Plain names only (no separators, no . or ..): a path cannot leave the site.
    if (file === undefined) return send(404, 'not found');
    lstat(file).then(
      (stats) => {
        if (!stats.isFile()) return send(404, 'not found');
        response.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-length': stats.size,
          // A new run writes new files under the same names.
          'cache-control': 'no-store',
        });
        if (request.method === 'HEAD') return response.end();
        createReadStream(file)
          .on('error', () => response.destroy())
          .pipe(response);
      },
      () => send(404, 'not found'),
    );
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/`,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        // Keep-alive connections (a browser's) would hold close() open.
        server.closeAllConnections();
      }),
  };
}
