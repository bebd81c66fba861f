import { createRequire } from 'node:module';
import { ENGINE_PACKAGES, ENGINES, type EngineName } from './engines.js';
import { findEnginePackage } from './native/engine-package.js';
import { readInstallRecord } from './native/install-record.js';
import { probeNativeEngine } from './native/probe-native.js';
import { runCommand } from './native/run-command.js';

export interface EngineStatusEntry {
  engine: EngineName;
  package: string;
  status: 'usable' | 'not installed' | 'failed to load' | 'no GPU';
  /** Why, or what it runs on. */
  detail: string;
  /** Versions that matter for this engine: the package, TensorFlow, CUDA, cuDNN. */
  versions: Record<string, string>;
  /** For node-gpu: the GPUs nvidia-smi lists. */
  gpus?: string[];
}

export interface EnginesReport {
  engines: EngineStatusEntry[];
  /** The engine `initBackend({ prefer: 'auto' })` would pick. */
  auto: EngineName;
}

const here = createRequire(import.meta.url);

function packageVersion(name: string): string | null {
  try {
    return (here(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/** GPUs as nvidia-smi lists them ("0: NVIDIA A100 (40960 MiB, driver 550.54)"), or [] when there is no nvidia-smi. */
async function listGpus(): Promise<string[]> {
  const result = await runCommand('nvidia-smi', ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader'], { timeoutMs: 30_000 });
  if (result.code !== 0) return [];
  return result.output
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [index, gpuName, memory, driver] = line.split(',').map((s) => s.trim());
      return `${index}: ${gpuName} (${memory}, driver ${driver})`;
    });
}

async function nativeStatus(engine: 'node' | 'node-gpu', env: NodeJS.ProcessEnv): Promise<EngineStatusEntry> {
  const name = ENGINE_PACKAGES[engine].pkg;
  const pkg = await findEnginePackage(name).catch(() => null);
  if (pkg === null) return { engine, package: name, status: 'not installed', detail: `${name} is not installed`, versions: {} };
  const versions: Record<string, string> = { [name]: pkg.version };
  const [probe, record, gpus] = await Promise.all([
    probeNativeEngine(pkg.dir, env),
    readInstallRecord(pkg.dir),
    engine === 'node-gpu' ? listGpus() : Promise.resolve(undefined),
  ]);
  if (record?.library?.cuda?.cuda) versions.CUDA = record.library.cuda.cuda;
  if (record?.library?.cuda?.cudnn) versions.cuDNN = record.library.cuda.cudnn;
  const base = { engine, package: name, versions, ...(gpus ? { gpus } : {}) };
  if (!probe.ok) return { ...base, status: 'failed to load', detail: probe.reason };
  versions.TensorFlow = probe.tensorflow;
  const from = record?.library ? `built against ${record.library.origin}` : record?.method === 'stock' ? `${name}'s own libtensorflow` : 'TensorFlow C library';
  if (engine === 'node-gpu' && !probe.gpu) return { ...base, status: 'no GPU', detail: `loads (${from}) but TensorFlow sees no CUDA GPU` };
  return { ...base, status: 'usable', detail: `${engine === 'node-gpu' ? 'on the GPU' : 'on the CPU'}, ${from}` };
}

async function wasmStatus(): Promise<EngineStatusEntry> {
  const name = ENGINE_PACKAGES.wasm.pkg;
  const version = packageVersion(name);
  if (version === null) return { engine: 'wasm', package: name, status: 'not installed', detail: `${name} is not installed`, versions: {} };
  try {
    await import(name);
    return {
      engine: 'wasm',
      package: name,
      status: 'usable',
      detail: 'WebAssembly with XNNPACK, one thread; this package adds the training kernels it lacks',
      versions: { [name]: version },
    };
  } catch (error) {
    return {
      engine: 'wasm',
      package: name,
      status: 'failed to load',
      detail: String((error as Error).message).split('\n')[0] ?? '',
      versions: { [name]: version },
    };
  }
}

/**
 * Every engine with its status, versions and (for node-gpu) GPUs, and the one
 * 'auto' picks. Native engines are loaded in child processes, so asking does
 * not change this process's engine.
 */
export async function engineStatus(options: { env?: NodeJS.ProcessEnv } = {}): Promise<EnginesReport> {
  const env = options.env ?? process.env;
  const tfjs = packageVersion('@tensorflow/tfjs') ?? 'unknown';
  const [gpu, node, wasm] = await Promise.all([nativeStatus('node-gpu', env), nativeStatus('node', env), wasmStatus()]);
  const cpu: EngineStatusEntry = {
    engine: 'cpu',
    package: ENGINE_PACKAGES.cpu.pkg,
    status: 'usable',
    detail: 'plain JavaScript; for tiny shapes',
    versions: { '@tensorflow/tfjs': tfjs },
  };
  const engines = [gpu, node, wasm, cpu];
  // As initBackend does: tfjs-node-gpu without a GPU serves the CPU engine itself.
  const auto = gpu.status === 'usable' ? 'node-gpu' : gpu.status === 'no GPU' || node.status === 'usable' ? 'node' : wasm.status === 'usable' ? 'wasm' : 'cpu';
  return { engines: ENGINES.map((e) => engines.find((x) => x.engine === e)!), auto };
}
