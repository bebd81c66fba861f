import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { runCommand, tail } from './run-command.js';

/** The npm package of a native engine as installed beside @tensorflow/tfjs. */
export interface EnginePackage {
  name: string;
  dir: string;
  version: string;
  /** Where tfjs-node loads its binding from (node-pre-gyp's answer for this Node.js). */
  bindingPath: string;
  /** The N-API version that path is for. */
  napiVersion: number;
}

// Engines are imported by @alexnet/backend, so they must resolve from here.
const here = createRequire(import.meta.url);

function resolvePackageJson(name: string): string | null {
  try {
    return here.resolve(`${name}/package.json`);
  } catch {
    return null;
  }
}

async function readVersion(packageJson: string): Promise<string> {
  const parsed = JSON.parse(await readFile(packageJson, 'utf8')) as { version?: unknown };
  if (typeof parsed.version !== 'string') throw new Error(`${packageJson}: no version`);
  return parsed.version;
}

/** The @tensorflow/tfjs this process uses, and the project folder whose node_modules holds it. */
export async function tfjsInstall(): Promise<{ version: string; projectDir: string }> {
  const packageJson = resolvePackageJson('@tensorflow/tfjs');
  if (packageJson === null) throw new Error('@tensorflow/tfjs is not installed (it is a peer dependency of @alexnet/backend)');
  // …/node_modules/@tensorflow/tfjs/package.json → …
  return { version: await readVersion(packageJson), projectDir: resolve(dirname(packageJson), '..', '..', '..') };
}

/** The installed engine package, or null when it is not installed. */
export async function findEnginePackage(name: string): Promise<EnginePackage | null> {
  const packageJson = resolvePackageJson(name);
  if (packageJson === null) return null;
  const dir = dirname(packageJson);
  const preGyp = createRequire(packageJson)('@mapbox/node-pre-gyp') as { find(path: string): string };
  const bindingPath = preGyp.find(packageJson);
  const napi = /napi-v(\d+)/.exec(bindingPath);
  if (!napi) throw new Error(`${name}: unexpected binding path ${bindingPath} (expected …/napi-v<N>/…)`);
  return { name, dir, version: await readVersion(packageJson), bindingPath, napiVersion: Number(napi[1]) };
}

/**
 * The engine package, installed first when it is missing — which is what npm
 * does with tfjs-node when its install script cannot download libtensorflow: it
 * drops the optional dependency. Installs the version matching @tensorflow/tfjs
 * without running its script (`npm install --no-save --ignore-scripts`).
 */
export async function ensureEnginePackage(name: string, log: (line: string) => void): Promise<EnginePackage> {
  const tfjs = await tfjsInstall();
  let found = await findEnginePackage(name);
  if (found === null) {
    const spec = `${name}@${tfjs.version}`;
    log(`${name} is not installed: installing ${spec} into ${tfjs.projectDir} without its install script`);
    const args = ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', spec];
    const result = await runCommand('npm', args, { cwd: tfjs.projectDir, timeoutMs: 15 * 60_000 });
    if (result.code !== 0) {
      throw new Error(`npm ${args.join(' ')} failed in ${tfjs.projectDir} (${result.failure ?? `exit code ${result.code}`}):\n${tail(result.output)}`);
    }
    found = await findEnginePackage(name);
    if (found === null) throw new Error(`npm installed ${spec}, but it does not resolve from @alexnet/backend (${here.resolve('@tensorflow/tfjs')})`);
  }
  if (found.version !== tfjs.version) {
    throw new Error(`${name} ${found.version} does not match @tensorflow/tfjs ${tfjs.version}: install ${name}@${tfjs.version}`);
  }
  // tfjs-node pins an exact tfjs; a second copy nested under it would get its backend and ours would not.
  if (
    await access(join(found.dir, 'node_modules', '@tensorflow', 'tfjs-core')).then(
      () => true,
      () => false,
    )
  ) {
    throw new Error(
      `${found.dir} has its own copy of @tensorflow/tfjs-core: its backend would not be seen by this project's tfjs; reinstall with matching versions`,
    );
  }
  return found;
}
