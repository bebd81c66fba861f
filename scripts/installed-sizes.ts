// What each package costs a user who installs it alone: packs every package, installs each one by
// itself into its own blank project from the local registry of tests/installed (no network, no
// monorepo), and prints the size of node_modules and the number of packages in it, with and
// without the peer dependencies npm installs by default (@tensorflow/tfjs).
// Needs the packages built (npm run build) and npm's cache filled by `npm ci`.
//   npx tsx scripts/installed-sizes.ts
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, lstat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { closedPort, installInBlankProject, packWorkspaces } from '../tests/installed/blank-project.js';
import { startLocalRegistry, type LocalRegistry } from '../tests/installed/local-registry.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** Bytes of the files under `dir` (apparent sizes, symbolic links not followed). */
async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await bytesUnder(path) : (await lstat(path)).size;
  }
  return total;
}

/** Packages installed in a project, as `npm ls --all --parseable` lists them (the project itself not counted). */
async function packagesIn(dir: string): Promise<number> {
  const { stdout } = await run('npm', ['ls', '--all', '--parseable'], { cwd: dir, maxBuffer: 64 << 20 }).catch((error: { stdout: string }) => error);
  return stdout.trim().split('\n').length - 1;
}

const work = await mkdtemp(join(tmpdir(), 'alexnet-installed-sizes-'));
let registry: LocalRegistry | undefined;
try {
  await Promise.all(['tarballs', 'home'].map((dir) => mkdir(join(work, dir))));
  const packed = await packWorkspaces(root, join(work, 'tarballs'));
  const { stdout: npmCache } = await run('npm', ['config', 'get', 'cache']);
  registry = await startLocalRegistry({ lockfile: join(root, 'package-lock.json'), npmCache: npmCache.trim(), packed });
  const offline = { registry: registry.url, cache: join(work, 'npm-cache'), home: join(work, 'home'), proxy: await closedPort() };
  console.log('| package | tarball | installed alone | packages | without peers | packages |');
  console.log('|---|---|---|---|---|---|');
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  for (const { manifest, file } of packed) {
    const row = [manifest.name, `${((await lstat(file)).size / 1e3).toFixed(0)} kB`];
    for (const flags of [[], ['--omit=peer']]) {
      const dir = join(work, `${manifest.name.replace('/', '-')}${flags.length ? '-no-peers' : ''}`);
      await mkdir(dir);
      await installInBlankProject(dir, [manifest.name], offline, flags);
      row.push(mb(await bytesUnder(join(dir, 'node_modules'))), String(await packagesIn(dir)));
      await rm(dir, { recursive: true, force: true });
    }
    console.log(`| ${row.join(' | ')} |`);
  }
} finally {
  await registry?.close();
  await rm(work, { recursive: true, force: true });
}
