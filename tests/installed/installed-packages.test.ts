// Every package as a user gets it: packed, installed from its tarball into a blank project with no
// network and no monorepo (npm resolving each range itself against a local registry that holds
// only the tarballs and the lockfile's versions), and each README's examples run there as written.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { installInBlankProject, isolatedEnv, packWorkspaces } from './blank-project.js';
import { startLocalRegistry, type LocalRegistry, type PackedPackage } from './local-registry.js';
import { containsInOrder, readmeExamples, type ReadmeExample } from './readme-examples.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const packageFolders = readdirSync(join(root, 'packages')).sort();
const examplesOf = new Map(packageFolders.map((folder) => [folder, readmeExamples(readFileSync(join(root, 'packages', folder, 'README.md'), 'utf8'))]));
// What the examples need besides the packages: TypeScript's compiler and Node's types.
const TOOLS = ['typescript', '@types/node'];

let work: string;
let project: string;
let packed: PackedPackage[];
let registry: LocalRegistry | undefined;
let env: NodeJS.ProcessEnv;
let compilerOutput: string;
const registryFlags = () => ({ registry: registry!.url, cache: join(work, 'npm-cache'), home: join(work, 'home') });

beforeAll(async () => {
  work = await temporaryFolder('installed');
  project = join(work, 'project');
  await Promise.all(['tarballs', 'project', 'home', 'alone', 'tmp'].map((dir) => mkdir(join(work, dir))));
  // The tarballs hold dist/: build first (Nx's cache makes this quick when nothing changed).
  await run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], { cwd: root, maxBuffer: 64 << 20 });
  packed = await packWorkspaces(root, join(work, 'tarballs'));
  const { stdout: npmCache } = await run('npm', ['config', 'get', 'cache'], { cwd: root });
  registry = await startLocalRegistry({ lockfile: join(root, 'package-lock.json'), npmCache: npmCache.trim(), packed });
  await installInBlankProject(project, [...packed.map((p) => p.manifest.name), ...TOOLS], registryFlags());
  // TMPDIR: the examples' own temporary folders go where this test removes them.
  env = { ...isolatedEnv(join(work, 'home')), CI: 'true', TMPDIR: join(work, 'tmp') };
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, skipLibCheck: true, types: ['node'], rootDir: 'examples', outDir: 'build' },
      include: ['examples/**/*.ts'],
    }),
  );
  for (const [folder, examples] of examplesOf) {
    await mkdir(join(project, 'examples', folder), { recursive: true });
    for (const example of examples) await writeFile(join(project, 'examples', folder, fileNameOf(example)), example.code);
  }
  // TypeScript examples are compiled as a user compiles them, into build/, then run by node.
  compilerOutput = await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', project], { cwd: project, env }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string; message: string }) => error.stdout || error.message,
  );
}, 600_000);

afterAll(async () => {
  await registry?.close();
});

function fileNameOf(example: ReadmeExample): string {
  return example.file ?? `readme-line-${example.line}.${example.language}`;
}

describe('the packages installed from their tarballs into a blank project', () => {
  it('installs every package from its tarball, none of it linked to the monorepo', async () => {
    expect(packed.map((p) => p.manifest.name).sort()).toEqual(packageFolders.map((folder) => `@alexnet/${folder}`));
    for (const { manifest } of packed) {
      const dir = join(project, 'node_modules', manifest.name);
      expect((await realpath(dir)).startsWith(root)).toBe(false);
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version).toBe(manifest.version);
      // What the tarball holds beside dist/: the licence and the README; no tests or fixtures.
      const files = await readdir(dir);
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'dist', 'package.json']));
      expect(existsSync(join(dir, 'src', 'fixtures'))).toBe(false);
    }
    expect(registry!.served).toEqual(expect.arrayContaining(packed.map(({ manifest }) => `${manifest.name}@${manifest.version}`)));
  });

  it('compiles every TypeScript example against the installed declarations (tsc, strict, nodenext)', () => {
    expect(compilerOutput).toBe('');
  });

  for (const [folder, examples] of examplesOf) {
    it(`@alexnet/${folder}'s README has an example that runs`, () => {
      expect(examples.filter((example) => example.file === undefined).length).toBeGreaterThan(0);
    });
    for (const example of examples.filter((e) => e.file === undefined)) {
      it(`runs @alexnet/${folder}'s README example at line ${example.line}`, async () => {
        const [command, args] =
          example.language === 'ts'
            ? [process.execPath, [join(project, 'build', folder, fileNameOf(example).replace(/\.ts$/, '.js'))]]
            : ['bash', ['-euo', 'pipefail', join(project, 'examples', folder, fileNameOf(example))]];
        const { stdout } = await run(command, args, {
          cwd: project,
          env: { ...env, PATH: `${join(project, 'node_modules', '.bin')}:${env.PATH}` },
          maxBuffer: 64 << 20,
          timeout: 240_000,
        }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
          throw new Error(`packages/${folder}/README.md line ${example.line} failed:\n${error.stderr || error.message}\n${error.stdout ?? ''}`);
        });
        if (example.expectedOutput) expect(containsInOrder(stdout, example.expectedOutput), `its output was:\n${stdout}`).toBe(true);
      }, 300_000);
    }
  }
});

describe('a package installed alone', () => {
  // The issue that started this: @alexnet/train pulled sharp and ml-matrix through @alexnet/data.
  for (const name of ['@alexnet/train', '@alexnet/eval', '@alexnet/layers', '@alexnet/files']) {
    it(`${name} brings no sharp and no ml-matrix`, async () => {
      const dir = join(work, 'alone', name.replace('/', '-'));
      await mkdir(dir);
      await installInBlankProject(dir, [name], { ...registryFlags(), extraFlags: ['--omit=peer'] });
      expect(existsSync(join(dir, 'node_modules', name, 'package.json'))).toBe(true);
      expect(existsSync(join(dir, 'node_modules', 'sharp'))).toBe(false);
      expect(existsSync(join(dir, 'node_modules', 'ml-matrix'))).toBe(false);
    }, 120_000);
  }
});
