import * as tf from '@tensorflow/tfjs';
import { ENGINES, parseEngineChoice, type EngineChoice, type EngineName } from './engines.js';
import { loadEngine, type EngineAttempt } from './load-engine.js';

export interface InitBackendOptions {
  /** 'auto' (default) tries node-gpu, node, wasm, cpu in order; a name uses only that engine. */
  prefer?: EngineChoice;
  /** Where the one-line report goes; default console.error. Pass null for silence. */
  log?: ((line: string) => void) | null;
  /** Environment to read ALEXNET_BACKEND from when `prefer` is not given. */
  env?: Record<string, string | undefined>;
  /** Let TensorFlow's start-up log lines through (they are hidden unless TF_CPP_MIN_LOG_LEVEL is set). */
  verbose?: boolean;
}

export interface BackendReport {
  /** The engine that runs. */
  engine: EngineName;
  /** The tfjs backend name ('tensorflow', 'wasm' or 'cpu'). */
  tfBackend: string;
  /** Every engine considered, in order, with why it was used or passed over. */
  attempts: EngineAttempt[];
  /** One line saying which engine runs and why each better one was passed over. */
  summary: string;
}

function summarize(engine: EngineName, attempts: EngineAttempt[]): string {
  const used = attempts.find((a) => a.status === 'used');
  const passed = attempts.filter((a) => a !== used);
  const why = passed.map((a) => `${a.engine}: ${a.status} (${a.detail})`).join('; ');
  return `engine: ${engine} — ${used?.detail ?? ''}${why ? `; passed over ${why}` : ''}`;
}

/**
 * Picks and initialises the tensor engine: the first of node-gpu, node, wasm,
 * cpu that loads (or the one asked for by `prefer` / ALEXNET_BACKEND), and
 * reports which runs and why each better one was passed over.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  const env = options.env ?? process.env;
  const fromEnv = env.ALEXNET_BACKEND;
  const prefer = options.prefer ?? (fromEnv !== undefined && fromEnv !== '' ? parseEngineChoice(fromEnv, 'ALEXNET_BACKEND') : 'auto');
  const log = options.log === undefined ? (line: string) => console.error(line) : options.log;
  const candidates: EngineName[] = prefer === 'auto' ? [...ENGINES] : [prefer];
  const attempts: EngineAttempt[] = [];

  for (const engine of candidates) {
    // tfjs-node-gpu without a GPU still runs TensorFlow on the CPU; loading
    // tfjs-node beside it would register a second native backend, so use it.
    if (engine === 'node' && attempts.some((a) => a.engine === 'node-gpu' && a.status === 'no GPU')) {
      attempts.push({ engine, status: 'used', detail: 'TensorFlow C library on the CPU, through @tensorflow/tfjs-node-gpu' });
      break;
    }
    const attempt = await loadEngine(engine, { verbose: options.verbose ?? false });
    attempts.push(attempt);
    if (attempt.status === 'used') break;
    if (prefer !== 'auto') {
      throw new Error(`engine '${engine}' was asked for but is unavailable: ${attempt.status} — ${attempt.detail}`);
    }
  }
  const used = attempts.find((a) => a.status === 'used');
  if (used === undefined) throw new Error(`no tensor engine could be initialised: ${summarize('cpu', attempts)}`);
  const report: BackendReport = {
    engine: used.engine,
    tfBackend: tf.getBackend(),
    attempts,
    summary: summarize(used.engine, attempts),
  };
  log?.(report.summary);
  return report;
}
