// A static server for the built page (build-page.ts) and one model under /model/, on localhost.
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXPORT_HINT, isPlainName, PREPROCESSING_FILES, readPreprocessing } from './page/preprocessing.js';

/** The files served under /model/: name → file on disk. */
export interface ModelFiles {
  files: Map<string, string>;
  /** Where they come from, for people. */
  description: string;
}

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

/** The page's fetch, answered from a folder on disk: regular files only (no links), 404 otherwise. */
function folderFetch(dir: string, read: Set<string>): (url: string) => Promise<Response> {
  return async (url) => {
    const file = fileURLToPath(url);
    if (dirname(file) !== dir || !(await isFile(file))) return new Response(null, { status: 404, statusText: 'Not Found' });
    read.add(basename(file));
    return new Response(await readFile(file));
  };
}

/**
 * The model the page loads and the preprocessing it applies, from a tfjs model folder
 * (`alexnet export --checkpoint <dir> --format tfjs --out <folder>`) or a run folder
 * (`runs/<run>`, whose model/ `alexnet train` writes the same way): model.json, its
 * weights, preprocessing.json, stats.json and (for mean 'image') the mean image, checked
 * with the page's own reader. A checkpoint folder, or model/ of an older `alexnet train`,
 * has no preprocessing.json: refused, with the command that makes a model folder.
 */
export async function modelFiles(path: string): Promise<ModelFiles> {
  const dir = resolve(path);
  const isRun = !(await isFile(join(dir, 'model.json'))) && (await isFile(join(dir, 'model', 'model.json')));
  const modelDir = isRun ? join(dir, 'model') : dir;
  if (!(await isFile(join(modelDir, 'model.json')))) {
    const checkpoints = await lstat(join(dir, 'checkpoints')).then(
      (s) => s.isDirectory(),
      () => false,
    );
    throw new Error(
      checkpoints
        ? `${dir} has no model/ (a run that stopped before its end writes none); make a model folder with ` +
            `\`alexnet export --checkpoint ${join(dir, 'checkpoints', 'last')} --format tfjs --out <folder>\``
        : `${dir} holds no model.json: give a run folder (runs/<run>) or a model folder; ${EXPORT_HINT}`,
    );
  }
  if (!(await isFile(join(modelDir, PREPROCESSING_FILES.preprocessing)))) {
    throw new Error(
      (await isFile(join(modelDir, 'state.json')))
        ? `${modelDir} is a checkpoint: the page needs a model folder, with ${PREPROCESSING_FILES.preprocessing} beside model.json; ` +
            `make one with \`alexnet export --checkpoint ${modelDir} --format tfjs --out <folder>\``
        : `${modelDir} has no ${PREPROCESSING_FILES.preprocessing} beside model.json (model/ of an older \`alexnet train\` has none); ${EXPORT_HINT}` +
            ((await isFile(join(modelDir, '..', 'checkpoints', 'last', 'state.json')))
              ? ` (for this run: \`alexnet export --checkpoint ${join(modelDir, '..', 'checkpoints', 'last')} --format tfjs --out <folder>\`)`
              : ''),
    );
  }
  const files = new Map<string, string>([['model.json', join(modelDir, 'model.json')]]);
  const manifest = (await readJson(join(modelDir, 'model.json'))) as { weightsManifest?: Array<{ paths?: unknown[] }> };
  for (const group of manifest.weightsManifest ?? []) {
    for (const name of group.paths ?? []) {
      if (!isPlainName(name)) throw new Error(`${join(modelDir, 'model.json')}: a weights path is not a file name in its folder`);
      if (!(await isFile(join(modelDir, name)))) throw new Error(`${join(modelDir, name)} is missing (or not a regular file)`);
      files.set(name, join(modelDir, name));
    }
  }
  // The files the page will read, found and checked as the page reads them.
  const read = new Set<string>();
  await readPreprocessing(pathToFileURL(join(modelDir, '/')), folderFetch(modelDir, read));
  for (const name of read) files.set(name, join(modelDir, name));
  return { files, description: modelDir };
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
