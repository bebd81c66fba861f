import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Packages that only run in Node.js (native code, or built on node: modules). */
const NODE_ONLY = new Set(['sharp', 'ml-matrix']);

export interface BrowserBundle {
  /** The names the bundle exports, sorted. */
  exports: string[];
  /** Bytes of bundled code. */
  bytes: number;
  /** The files bundled, relative to the repository, sorted. */
  inputs: string[];
  /** Imports a browser cannot satisfy — node: and bare Node.js builtins, sharp, ml-matrix — as `importer → specifier`. */
  nodeOnly: string[];
  /** Packages left to the page, sorted: @tensorflow/* (the page brings its own tfjs). */
  external: string[];
}

const packageName = (specifier: string) => specifier.split('/', specifier.startsWith('@') ? 2 : 1).join('/');

/**
 * The source file behind a package entry: '@alexnet/data/augment' is looked up in
 * packages/data/package.json's `exports` ('./augment' → ./dist/augment.js → src/augment.ts),
 * so an entry missing from the export map is an error too.
 */
function sourceOf(specifier: string): string {
  const [, pkg, subpath] = /^@alexnet\/([^/]+)(\/.+)?$/.exec(specifier) ?? [];
  if (!pkg) throw new Error(`${specifier}: not an @alexnet package`);
  const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as { exports: Record<string, { default?: string }> };
  const target = manifest.exports[`.${subpath ?? ''}`]?.default;
  if (!target) throw new Error(`${specifier}: packages/${pkg}/package.json exports no ".${subpath ?? ''}"`);
  const source = join(root, 'packages', pkg, target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
  if (!existsSync(source)) throw new Error(`${specifier}: ${target} has no source ${relative(root, source)}`);
  return source;
}

/**
 * Bundles a package entry for the browser with esbuild, from source (no build
 * needed), as a page's bundler would: platform 'browser', @tensorflow/* left
 * external, other @alexnet packages it reaches bundled from their source. Node-only
 * imports do not fail the build: they are collected in `nodeOnly` for the test to show.
 */
export async function bundleForBrowser(specifier: string): Promise<BrowserBundle> {
  const nodeOnly: string[] = [];
  const external = new Set<string>();
  const guard: Plugin = {
    name: 'browser-guard',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = packageName(args.path);
        if (args.path.startsWith('node:') || builtinModules.includes(name) || NODE_ONLY.has(name)) {
          nodeOnly.push(`${relative(root, args.importer)} → ${args.path}`);
          return { path: args.path, external: true };
        }
        if (name.startsWith('@tensorflow/')) {
          external.add(name);
          return { path: args.path, external: true };
        }
        if (name.startsWith('@alexnet/')) return { path: sourceOf(args.path) };
        return undefined; // any other package: bundled, and its own imports checked the same way
      });
    },
  };
  const { build } = await import('esbuild'); // loaded here, not by every test that imports test-support
  const result = await build({
    absWorkingDir: root,
    entryPoints: [sourceOf(specifier)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    outfile: 'bundle.js',
    metafile: true,
    logLevel: 'silent',
    plugins: [guard],
  });
  const [output] = Object.values(result.metafile.outputs);
  return {
    exports: [...(output?.exports ?? [])].sort(),
    bytes: result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0),
    inputs: Object.keys(result.metafile.inputs).sort(),
    nodeOnly: nodeOnly.sort(),
    external: [...external].sort(),
  };
}
