// Packing the workspace packages as npm would publish them, and installing them into a folder
// that is not the monorepo, from the local registry only: every other host goes to a port that
// was just closed, for npm and for the install scripts it runs alike.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PackedPackage } from './local-registry.js';

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 300_000;

/** `npm pack` of every workspace into `destination`, with each tarball's integrity and package.json. */
export async function packWorkspaces(root: string, destination: string): Promise<PackedPackage[]> {
  const { stdout } = await run('npm', ['pack', '--workspaces', '--pack-destination', destination, '--json', '--silent'], {
    cwd: root,
    maxBuffer: 64 << 20,
    timeout: INSTALL_TIMEOUT_MS,
  });
  const packed = JSON.parse(stdout) as { name: string; filename: string; integrity: string }[];
  const { workspaces } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const manifests = await Promise.all(
    workspaces.map(async (folder) => JSON.parse(await readFile(join(root, folder, 'package.json'), 'utf8')) as PackedPackage['manifest']),
  );
  return packed.map((entry) => {
    const manifest = manifests.find((m) => m.name === entry.name);
    if (!manifest) throw new Error(`npm pack made ${entry.filename}, but no workspace is named ${entry.name}`);
    return { file: join(destination, entry.filename), integrity: entry.integrity, manifest };
  });
}

/** The address of a port on 127.0.0.1 that was listening a moment ago and is closed now: connections are refused. */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface Offline {
  registry: string;
  /** npm's cache for these installs: empty at first, so nothing comes from the user's. */
  cache: string;
  /** HOME for npm and the examples: no user .npmrc. */
  home: string;
  /** From closedPort(): where every request for another host goes. */
  proxy: string;
}

/**
 * An environment with the local registry as npm's and a dead proxy for everything else. Install
 * scripts (tfjs-node's downloads libtensorflow) read the proxy variables, not npm's flags; a
 * script that ignores HTTP(S)_PROXY is not held back by this.
 */
export function offlineEnv(offline: Offline): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_OPTIONS$|NODE_PATH$|TSX_|VITEST|ALEXNET_|https?_proxy$|no_proxy$)/i.test(key)) continue;
    env[key] = value;
  }
  const proxies = Object.fromEntries(['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].map((key) => [key, offline.proxy]));
  return {
    ...env,
    ...proxies,
    NO_PROXY: '127.0.0.1',
    no_proxy: '127.0.0.1',
    HOME: offline.home,
    npm_config_userconfig: join(offline.home, '.npmrc'),
    npm_config_globalconfig: join(offline.home, 'global-npmrc'), // neither file exists: npm's defaults
    npm_config_registry: offline.registry,
    npm_config_cache: offline.cache,
    npm_config_proxy: offline.proxy,
    npm_config_https_proxy: offline.proxy,
    npm_config_noproxy: '127.0.0.1',
    npm_config_replace_registry_host: 'always',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

/** A new project in `dir` with `npm install <specs> [flags]` run in it; returns npm's output. */
export async function installInBlankProject(dir: string, specs: string[], offline: Offline, flags: string[] = []): Promise<string> {
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'blank-project', private: true, type: 'module' }, null, 2));
  const { stdout, stderr } = await run('npm', ['install', ...specs, ...flags], {
    cwd: dir,
    env: offlineEnv(offline),
    maxBuffer: 64 << 20,
    timeout: INSTALL_TIMEOUT_MS,
  });
  return stdout + stderr;
}
