/**
 * Runs engine-dependent tests once per tensor engine present: cpu, wasm and
 * node (TensorFlow's C library through tfjs-node). An engine that is not
 * installed here (tfjs-node before `npx alexnet engine install`) runs one test
 * instead, saying so in its name and checking that it is absent rather than
 * broken: an engine that is installed but fails to load fails the suite.
 * ALEXNET_REQUIRE_ENGINES=node (a comma list) makes even an absent one a failure.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, beforeAll, it } from 'vitest';
import { loadEngine, type EngineName } from '@alexnet/backend';

export const TEST_ENGINES = ['cpu', 'wasm', 'node'] as const;
export type TestEngine = (typeof TEST_ENGINES)[number];

type Availability = { ok: true; tfBackend: string } | { ok: false; status: string; reason: string };

const availability = new Map<TestEngine, Availability>();
for (const engine of TEST_ENGINES) {
  const attempt = await loadEngine(engine as EngineName);
  availability.set(
    engine,
    attempt.status === 'used'
      ? { ok: true, tfBackend: tf.getBackend() }
      : { ok: false, status: attempt.status, reason: `${attempt.status}: ${attempt.detail}` },
  );
}
await tf.setBackend('cpu');

const required = new Set(
  (process.env.ALEXNET_REQUIRE_ENGINES ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean),
);

/** Whether an engine can run in this process. */
export function engineAvailable(engine: TestEngine): boolean {
  return availability.get(engine)?.ok === true;
}

/** Makes `engine` tfjs's active backend (it must be available). */
export async function useEngine(engine: TestEngine): Promise<void> {
  const found = availability.get(engine);
  if (!found?.ok) throw new Error(`engine ${engine} is not available: ${found?.ok === false ? found.reason : 'unknown'}`);
  await loadEngine(engine as EngineName);
}

/** Runs `body` with another engine active (e.g. the cpu engine as a reference), then restores the current one. */
export async function onEngine<T>(engine: TestEngine, body: () => T | Promise<T>): Promise<T> {
  const current = tf.getBackend();
  await useEngine(engine);
  try {
    return await body();
  } finally {
    await tf.setBackend(current);
  }
}

/**
 * `describe(title on <engine>)` for each engine, with that engine active in it.
 * `engines` narrows the list (e.g. engines whose kernels a test is about).
 */
export function describeEachEngine(title: string, body: (engine: TestEngine) => void, engines: readonly TestEngine[] = TEST_ENGINES): void {
  for (const engine of engines) {
    const found = availability.get(engine)!;
    if (found.ok) {
      describe(`${title} on ${engine}`, () => {
        beforeAll(() => useEngine(engine));
        body(engine);
      });
    } else if (required.has(engine)) {
      describe(`${title} on ${engine}`, () => {
        it(`needs engine ${engine} (ALEXNET_REQUIRE_ENGINES)`, () => {
          throw new Error(`ALEXNET_REQUIRE_ENGINES names ${engine}, but it is unavailable: ${found.reason}`);
        });
      });
    } else {
      describe(`${title} on ${engine}`, () => {
        it(`is not run: ${found.reason} (npx alexnet engine install adds it)`, () => {
          if (found.status !== 'not installed') throw new Error(`engine ${engine} is installed but unusable: ${found.reason}`);
        });
      });
    }
  }
}
