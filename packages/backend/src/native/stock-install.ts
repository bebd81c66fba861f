import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import type { EnginePackage } from './engine-package.js';
import { runCommand, tail } from './run-command.js';

const HOST = 'storage.googleapis.com';

/** Whether the host tfjs-node downloads libtensorflow and its binding from answers, within a few seconds. */
async function reachable(env: NodeJS.ProcessEnv): Promise<string | null> {
  if (env.TFJS_NODE_CDN_STORAGE || env.TFJS_NODE_BASE_URI || env.HTTPS_PROXY || env.https_proxy) return null; // a mirror or proxy: let the script try
  try {
    await Promise.race([lookup(HOST), new Promise((_, reject) => setTimeout(() => reject(new Error('DNS lookup timed out')), 10_000))]);
  } catch (error) {
    return `${HOST} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  return new Promise((resolve) => {
    const req = request({ host: HOST, method: 'HEAD', path: '/', timeout: 10_000 }, (res) => {
      res.resume();
      resolve(null);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', (error) => resolve(`${HOST} cannot be reached (${error.message})`));
    req.end();
  });
}

/**
 * Runs the engine package's own install script — which downloads libtensorflow
 * (2.9.1 for tfjs-node 4.x) and a prebuilt binding — when its host can be
 * reached. Returns why it was not used, or null on success.
 */
export async function runStockInstall(pkg: EnginePackage, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const unreachable = await reachable(env);
  if (unreachable) return unreachable;
  const manifest = JSON.parse(await readFile(join(pkg.dir, 'package.json'), 'utf8')) as { scripts?: { install?: string } };
  const script = manifest.scripts?.install;
  if (!script?.startsWith('node ')) return `${pkg.name} has no install script of the expected form ('${script ?? ''}')`;
  log(`running ${pkg.name}'s own install (${script}): it downloads libtensorflow and a prebuilt binding`);
  const result = await runCommand(process.execPath, script.split(/\s+/).slice(1), { cwd: pkg.dir, env, timeoutMs: 30 * 60_000, onLine: (l) => log(`  ${l}`) });
  if (result.code !== 0) return `its install script failed (${result.failure ?? `exit code ${result.code}`}):\n${tail(result.output, 6)}`;
  return null;
}
