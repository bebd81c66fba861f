import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const packages = ['backend', 'files', 'data', 'layers', 'parallel', 'train', 'eval', 'app'];
const src = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import sibling packages from source, so `npm test` needs no build.
const alias = {
  // Subpath entries first: '@alexnet/data' would otherwise also match '@alexnet/data/augment'.
  '@alexnet/data/augment': fileURLToPath(new URL('./packages/data/src/augment.ts', import.meta.url)),
  '@alexnet/eval/metrics': fileURLToPath(new URL('./packages/eval/src/metrics.ts', import.meta.url)),
  ...Object.fromEntries(packages.map((name) => [`@alexnet/${name}`, src(name)])),
  // Helpers shared by the packages' tests; not a package. The engine matrix is its own entry:
  // it loads every engine when imported.
  '@alexnet/test-support/engines': fileURLToPath(new URL('./test-support/engines.ts', import.meta.url)),
  '@alexnet/test-support': fileURLToPath(new URL('./test-support/index.ts', import.meta.url)),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      ...packages.map((name) => ({
        resolve: { alias },
        test: {
          name,
          root: `packages/${name}`,
          include: ['src/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          // Ranks in worker threads and child processes (tsx) read sibling packages from source too.
          env: { TSX_TSCONFIG_PATH: fileURLToPath(new URL('./tsconfig.tests.json', import.meta.url)) },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      })),
      // tests/installed: every package packed, installed in a blank project from a local registry,
      // and each README's examples run there as written (npm installs tfjs 8 times: about 4½ minutes).
      {
        resolve: { alias },
        test: {
          name: 'installed',
          root: 'tests/installed',
          include: ['*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      // examples/browser: the page in Debian's Chromium against alexnet predict (trains a tiny model first).
      {
        resolve: { alias },
        test: {
          name: 'example-browser',
          root: 'examples/browser',
          include: ['*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
