import { runCommand } from './run-command.js';

/** What a native engine package does when a fresh Node.js process loads it. */
export type NativeProbe = { ok: true; tensorflow: string; tfjs: string; gpu: boolean } | { ok: false; reason: string };

// Run in a child process: a binding that fails to load (or crashes) must not take this process with it.
const SCRIPT = `
const tf = require(process.argv[1]);
const backend = tf.backend();
const sum = tf.tensor1d([1, 2, 3]).square().sum().dataSync()[0];
if (sum !== 14) throw new Error('a test op gave ' + sum + ' instead of 14');
console.log(JSON.stringify({ tensorflow: backend.binding.TF_Version, tfjs: tf.version.tfjs, gpu: backend.isUsingGpuDevice === true, backend: tf.getBackend() }));
`;

/** Why a package failed to load, in one line: tfjs-node's own messages are long and suggest commands that download. */
export function loadFailureReason(output: string): string {
  if (/tfjs_binding\.node\) can not be found at path: (\S+)/.test(output)) {
    const path = /can not be found at path: (\S+?)\.?\s/.exec(output)?.[1];
    return `its native binding is not built (no ${path ?? 'tfjs_binding.node'})`;
  }
  const shared = /([^\s:]+\.so[.\d]*): cannot open shared object file[^\n]*/.exec(output);
  if (shared) return `${shared[1]}: cannot open shared object file (the TensorFlow library it was built against is gone)`;
  const line = output.split('\n').find((l) => /Error|error:/.test(l) && !/^\s+at /.test(l));
  return (line ?? output.trim().split('\n').at(-1) ?? 'unknown failure').trim();
}

/** Loads a tfjs-node(-gpu) package folder in a child process and reports the TensorFlow it runs on. */
export async function probeNativeEngine(packageDir: string, env: NodeJS.ProcessEnv = process.env): Promise<NativeProbe> {
  const result = await runCommand(process.execPath, ['-e', SCRIPT, packageDir], {
    env: { ...env, TF_CPP_MIN_LOG_LEVEL: env.TF_CPP_MIN_LOG_LEVEL ?? '1' },
    timeoutMs: 120_000,
  });
  const last = result.output.trim().split('\n').at(-1) ?? '';
  if (result.code === 0) {
    try {
      const parsed = JSON.parse(last) as { tensorflow: string; tfjs: string; gpu: boolean; backend: string };
      if (parsed.backend === 'tensorflow') return { ok: true, tensorflow: parsed.tensorflow, tfjs: parsed.tfjs, gpu: parsed.gpu };
    } catch {
      // fall through: not the line the script prints
    }
  }
  return { ok: false, reason: result.failure ?? (result.code === null ? 'the process was killed' : loadFailureReason(result.output)) };
}
