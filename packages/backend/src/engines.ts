/** The tensor engines, best first. */
export const ENGINES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type EngineName = (typeof ENGINES)[number];
export type EngineChoice = EngineName | 'auto';

/** The npm package that provides each engine and the tfjs backend name it registers. */
export const ENGINE_PACKAGES: Record<EngineName, { pkg: string; tfBackend: string }> = {
  'node-gpu': { pkg: '@tensorflow/tfjs-node-gpu', tfBackend: 'tensorflow' },
  node: { pkg: '@tensorflow/tfjs-node', tfBackend: 'tensorflow' },
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', tfBackend: 'wasm' },
  cpu: { pkg: '@tensorflow/tfjs', tfBackend: 'cpu' },
};

/** Parses a --backend flag or ALEXNET_BACKEND value; the error names the source of the bad value. */
export function parseEngineChoice(value: string, source: string): EngineChoice {
  if (value === 'auto' || (ENGINES as readonly string[]).includes(value)) return value as EngineChoice;
  throw new Error(`${source}: unknown engine '${value}'; expected one of auto, ${ENGINES.join(', ')}`);
}
