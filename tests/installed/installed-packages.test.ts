// Every package as a user gets it: packed, installed from its tarball into a blank project with no
// network and no monorepo (npm resolving each range itself against a local registry that holds
// only the tarballs and the lockfile's versions), and each README's examples run there as written,
// in a project holding just what the README's install lines install.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '@alexnet/test-support';
import { closedPort, installInBlankProject, offlineEnv, packWorkspaces, type Offline } from './blank-project.js';
import { startLocalRegistry, type LocalRegistry, type PackedPackage } from './local-registry.js';
import { containsInOrder, readmeExamples, type ReadmeExample } from './readme-examples.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const packageFolders = readdirSync(join(root, 'packages')).sort();
const readmes = new Map(packageFolders.map((folder) => [folder, readmeExamples(readFileSync(join(root, 'packages', folder, 'README.md'), 'utf8'))]));
// What the examples need besides what their README installs: TypeScript's compiler and Node's types.
const TOOLS = ['typescript', '@types/node'];

let work: string;
let packed: PackedPackage[];
let registry: LocalRegistry | undefined;
let offline: Offline;

beforeAll(async () => {
  work = await temporaryFolder('installed');
  await Promise.all(['tarballs', 'home', 'tmp'].map((dir) => mkdir(join(work, dir))));
  // The tarballs hold dist/: build first (Nx's cache makes this quick when nothing changed).
  await run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], { cwd: root, maxBuffer: 64 << 20, timeout: 300_000 });
  packed = await packWorkspaces(root, join(work, 'tarballs'));
  const { stdout: npmCache } = await run('npm', ['config', 'get', 'cache'], { cwd: root });
  registry = await startLocalRegistry({ lockfile: join(root, 'package-lock.json'), npmCache: npmCache.trim(), packed });
  offline = { registry: registry.url, cache: join(work, 'npm-cache'), home: join(work, 'home'), proxy: await closedPort() };
}, 600_000);

afterAll(async () => {
  await registry?.close();
});

/** npm install in a new folder, naming what the registry lacked when it fails (e.g. a tarball missing from npm's cache). */
async function install(dir: string, specs: string[], flags: string[] = []): Promise<void> {
  await mkdir(dir);
  await installInBlankProject(dir, specs, offline, flags).catch((error: { stderr?: string; message: string }) => {
    const missing = registry!.missing.length ? `\nthe local registry had no: ${[...new Set(registry!.missing)].join(', ')} (npm ci fills npm's cache)` : '';
    throw new Error(`npm install ${specs.join(' ')} failed:\n${error.stderr || error.message}${missing}`);
  });
}

/** Imports each entry of the package's `exports` in a node process started in `dir`; each must export something. */
async function expectEntriesLoad(dir: string, name: string): Promise<void> {
  const { manifest } = packed.find((p) => p.manifest.name === name)!;
  const entries = Object.keys(manifest.exports ?? { '.': '' })
    .filter((key) => key !== './package.json')
    .map((key) => name + key.slice(1));
  const script = `for (const entry of ${JSON.stringify(entries)}) { const m = await import(entry); if (Object.keys(m).length === 0) throw new Error(entry + ' exports nothing'); console.log(entry); }`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: { ...offlineEnv(offline), CI: 'true' },
    timeout: 120_000,
  });
  expect(stdout.trim().split('\n')).toEqual(entries);
}

function fileNameOf(example: ReadmeExample): string {
  return example.file ?? `readme-line-${example.line}.${example.language}`;
}

describe.each(packageFolders)("@alexnet/%s's README, in a project holding what it says to install", (folder) => {
  const { install: specs, examples } = readmes.get(folder)!;
  let project: string;
  let env: NodeJS.ProcessEnv;
  let compilerOutput: string;

  beforeAll(async () => {
    project = join(work, `readme-${folder}`);
    await install(project, [...specs, ...TOOLS]);
    // TMPDIR: the examples' temporary folders go where this test removes them, should one be left.
    env = { ...offlineEnv(offline), CI: 'true', TMPDIR: join(work, 'tmp'), PATH: `${join(project, 'node_modules', '.bin')}:${process.env.PATH}` };
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        // skipLibCheck as users of tfjs need it: @tensorflow/tfjs-core's own declarations do not pass a lib check
        // (hash_util.d.ts names an undeclared Long). The examples themselves are checked against every declaration they use.
        compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, skipLibCheck: true, types: ['node'], rootDir: 'examples', outDir: 'build' },
        include: ['examples/**/*.ts'],
      }),
    );
    await mkdir(join(project, 'examples'));
    for (const example of examples) await writeFile(join(project, 'examples', fileNameOf(example)), example.code);
    // TypeScript examples are compiled as a user compiles them, then run by node.
    compilerOutput = await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', project], { cwd: project, env, timeout: 120_000 }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    );
  }, 600_000);

  afterAll(async () => {
    // A project is ~300 MB (tfjs): not kept until the whole file ends.
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('says what to install, and has an example that runs', () => {
    expect(specs).toContain(`@alexnet/${folder}`);
    expect(examples.filter((example) => example.file === undefined).length).toBeGreaterThan(0);
  });

  it('installs @alexnet packages from their tarballs, none of them linked to the monorepo', async () => {
    const installed = await readdir(join(project, 'node_modules', '@alexnet'));
    expect(installed).toContain(folder);
    for (const name of installed) {
      const dir = join(project, 'node_modules', '@alexnet', name);
      const { manifest } = packed.find((p) => p.manifest.name === `@alexnet/${name}`)!;
      expect((await realpath(dir)).startsWith(root)).toBe(false);
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version).toBe(manifest.version);
      // What the tarball holds beside dist/: the licence and the README; no tests or fixtures.
      expect(await readdir(dir)).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'dist', 'package.json']));
      expect(existsSync(join(dir, 'src', 'fixtures'))).toBe(false);
    }
    expect(registry!.served).toContain(`@alexnet/${folder}@${packed.find((p) => p.manifest.name === `@alexnet/${folder}`)!.manifest.version}`);
  });

  it('compiles every TypeScript example against the installed declarations (tsc, strict, nodenext)', () => {
    expect(compilerOutput).toBe('');
  });

  if (specs.filter((spec) => spec.startsWith('@alexnet/')).length === 1) {
    it(`loads every entry @alexnet/${folder} exports, with no other @alexnet package installed`, async () => {
      await expectEntriesLoad(project, `@alexnet/${folder}`);
    });
  }

  it.each(examples.filter((e) => e.file === undefined).map((e) => [e.line, e] as const))(
    'runs the example at line %i',
    async (_, example) => {
      const [command, args] =
        example.language === 'ts'
          ? [process.execPath, [join(project, 'build', fileNameOf(example).replace(/\.ts$/, '.js'))]]
          : ['bash', ['-euo', 'pipefail', join(project, 'examples', fileNameOf(example))]];
      const { stdout } = await run(command, args, { cwd: project, env, maxBuffer: 64 << 20, timeout: 240_000 }).catch(
        (error: { stdout?: string; stderr?: string; message: string }) => {
          throw new Error(`packages/${folder}/README.md line ${example.line} failed:\n${error.stderr || error.message}\n${error.stdout ?? ''}`);
        },
      );
      if (example.expectedOutput) expect(containsInOrder(stdout, example.expectedOutput), `its output was:\n${stdout}`).toBe(true);
    },
    300_000,
  );
});

// Test timeouts exceed their children's (npm install: 5 min, a load: 2 min), so a slow child fails with its own message.
describe('a package installed alone, as `npm install @alexnet/<name>` gives it (peers included)', () => {
  // The issue that started this: @alexnet/train pulled sharp and ml-matrix through @alexnet/data.
  const withoutImageLibraries = ['backend', 'files', 'layers', 'parallel', 'train', 'eval'];

  it.each(withoutImageLibraries)(
    '@alexnet/%s resolves no sharp and no ml-matrix anywhere in its tree',
    async (folder) => {
      const dir = join(work, `lock-${folder}`);
      await install(dir, [`@alexnet/${folder}`], ['--package-lock-only']);
      const { packages } = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
      expect(Object.keys(packages)).toContain(`node_modules/@alexnet/${folder}`);
      expect(Object.keys(packages).filter((key) => /(^|\/)node_modules\/(sharp|ml-matrix)$/.test(key))).toEqual([]);
    },
    360_000,
  );

  // Packages whose README project holds other @alexnet packages too (layers' reuse example) load alone here.
  const notAloneInTheirReadme = packageFolders.filter((folder) => readmes.get(folder)!.install.filter((spec) => spec.startsWith('@alexnet/')).length > 1);
  it.each(notAloneInTheirReadme)(
    '@alexnet/%s loads every entry it exports with nothing else installed',
    async (folder) => {
      const dir = join(work, `alone-${folder}`);
      try {
        await install(dir, [`@alexnet/${folder}`]);
        await expectEntriesLoad(dir, `@alexnet/${folder}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    480_000,
  );
});
