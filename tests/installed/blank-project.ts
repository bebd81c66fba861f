// Packing the workspace packages as npm would publish them, and installing them into a folder
// that is not the monorepo, from the local registry only (any other host goes to a closed port).
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PackedPackage } from './local-registry.js';

const run = promisify(execFile);

/** `npm pack` of every workspace into `destination`, with each tarball's integrity and package.json. */
export async function packWorkspaces(root: string, destination: string): Promise<PackedPackage[]> {
  const { stdout } = await run('npm', ['pack', '--workspaces', '--pack-destination', destination, '--json', '--silent'], {
    cwd: root,
    maxBuffer: 64 << 20,
  });
  const packed = JSON.parse(stdout) as { name: string; filename: string; integrity: string }[];
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { name?: string }> };
  const folderOf = new Map(
    Object.entries(lock.packages)
      .filter(([key, entry]) => key.startsWith('packages/') && entry.name)
      .map(([key, entry]) => [entry.name!, key]),
  );
  return Promise.all(
    packed.map(async (entry) => {
      const folder = folderOf.get(entry.name);
      if (!folder) throw new Error(`npm pack made ${entry.filename}, but no workspace is named ${entry.name}`);
      const manifest = JSON.parse(await readFile(join(root, folder, 'package.json'), 'utf8')) as PackedPackage['manifest'];
      return { file: join(destination, entry.filename), integrity: entry.integrity, manifest };
    }),
  );
}

/** npm's flags for an install that reaches the local registry and nothing else. */
export function registryOnlyFlags(registry: string, cache: string): string[] {
  const closed = 'http://127.0.0.1:9'; // the discard port: nothing listens, a connection is refused at once
  return [
    `--registry=${registry}`,
    `--cache=${cache}`,
    `--proxy=${closed}`,
    `--https-proxy=${closed}`,
    '--noproxy=127.0.0.1',
    '--replace-registry-host=always',
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
  ];
}

/** An environment without the monorepo's npm settings or proxies. */
export function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_OPTIONS$|NODE_PATH$|TSX_|VITEST|https?_proxy$|no_proxy$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, HOME: home, npm_config_userconfig: join(home, '.npmrc') };
}

/** A new project in `dir` with `npm install <specs>` run in it; returns npm's output. */
export async function installInBlankProject(
  dir: string,
  specs: string[],
  options: { registry: string; cache: string; home: string; extraFlags?: string[] },
): Promise<string> {
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'blank-project', private: true, type: 'module' }, null, 2));
  const { stdout, stderr } = await run('npm', ['install', ...specs, ...registryOnlyFlags(options.registry, options.cache), ...(options.extraFlags ?? [])], {
    cwd: dir,
    env: isolatedEnv(options.home),
    maxBuffer: 64 << 20,
  });
  return stdout + stderr;
}
