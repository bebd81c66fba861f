import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { runCommand } from './run-command.js';

/** What compiling tfjs-node's binding needs: node-gyp, Python 3, make, a C++ compiler and Node's headers. */
export interface Toolchain {
  nodeGyp: { program: string; args: string[] };
  /** A Node.js installation with include/node/ (passed as --nodedir), or undefined when node-gyp's own header cache has them. */
  nodedir: string | undefined;
  compiler: string;
  python: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function firstThatRuns(candidates: readonly string[], args: readonly string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const candidate of candidates) {
    if ((await runCommand(candidate, args, { timeoutMs: 30_000, env })).code === 0) return candidate;
  }
  return undefined;
}

async function findNodeGyp(env: NodeJS.ProcessEnv): Promise<Toolchain['nodeGyp'] | undefined> {
  // npm sets npm_config_node_gyp for scripts it runs; otherwise use the node-gyp npm bundles, then one on PATH.
  const bundled = [env.npm_config_node_gyp, resolve(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')];
  const fromNpm = (await runCommand('npm', ['config', 'get', 'node-gyp'], { timeoutMs: 30_000, env })).output.trim();
  if (fromNpm.endsWith('.js')) bundled.splice(1, 0, fromNpm);
  for (const script of bundled) if (script && (await exists(script))) return { program: process.execPath, args: [script] };
  if ((await runCommand('node-gyp', ['--version'], { timeoutMs: 30_000, env })).code === 0) return { program: 'node-gyp', args: [] };
  return undefined;
}

/** A folder whose include/node/ has Node's headers, without downloading them. */
async function findNodeHeaders(env: NodeJS.ProcessEnv): Promise<{ nodedir: string | undefined } | undefined> {
  const configured = env.npm_config_nodedir || (await runCommand('npm', ['config', 'get', 'nodedir'], { timeoutMs: 30_000, env })).output.trim();
  const candidates = [configured, resolve(dirname(process.execPath), '..'), '/usr', '/usr/local'].filter((d) => d && d !== 'undefined' && d !== 'null');
  for (const dir of candidates) {
    if (await exists(join(dir, 'include', 'node', 'node_api.h'))) return { nodedir: dir };
  }
  // node-gyp's own cache (filled by `node-gyp install` on a machine with network access).
  const version = process.versions.node;
  const caches = [env.npm_config_devdir, join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'node-gyp'), join(homedir(), '.node-gyp')];
  for (const dir of caches) if (dir && (await exists(join(dir, version, 'include', 'node', 'node_api.h')))) return { nodedir: undefined };
  return undefined;
}

/**
 * Finds the tools that compiling tfjs-node's binding needs. Throws one error
 * naming everything that is missing, each with what to install.
 */
export async function findToolchain(env: NodeJS.ProcessEnv = process.env): Promise<Toolchain> {
  const missing: string[] = [];
  const python = await firstThatRuns(
    [env.PYTHON, 'python3'].filter((p): p is string => !!p),
    ['--version'],
    env,
  );
  if (!python) missing.push('Python 3, which node-gyp runs (Debian/Ubuntu: apt-get install python3)');
  if (!(await firstThatRuns(['make'], ['--version'], env))) missing.push('make (Debian/Ubuntu: apt-get install make)');
  const compiler = await firstThatRuns(
    [env.CXX, 'g++', 'c++', 'clang++'].filter((c): c is string => !!c),
    ['--version'],
    env,
  );
  if (!compiler) missing.push('a C++ compiler (Debian/Ubuntu: apt-get install g++)');
  const nodeGyp = await findNodeGyp(env);
  if (!nodeGyp) missing.push('node-gyp (it comes with npm; or npm install -g node-gyp)');
  const headers = await findNodeHeaders(env);
  if (!headers) {
    missing.push(
      `Node.js ${process.versions.node}'s headers (include/node/node_api.h was not beside ${process.execPath}, in /usr or /usr/local, or in node-gyp's cache): install your distribution's Node.js development package, or run \`npx node-gyp install\` once on a machine with network access`,
    );
  }
  if (missing.length > 0 || !python || !compiler || !nodeGyp || !headers) {
    throw new Error(`cannot compile tfjs-node's binding; missing:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  }
  return { nodeGyp, nodedir: headers.nodedir, compiler, python };
}
