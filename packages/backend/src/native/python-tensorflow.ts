import { describeTensorFlowFolder, type TensorFlowLibrary } from './tensorflow-library.js';
import { runCommand } from './run-command.js';

// Finds the package without importing it: importing TensorFlow in Python takes seconds and prints logs.
const FIND_SPEC = 'import importlib.util as u, json; s = u.find_spec("tensorflow"); print(json.dumps(list(s.submodule_search_locations or []) if s else []))';

/**
 * A TensorFlow installed for one of the given Python interpreters (first found),
 * or null. Each interpreter is asked where `import tensorflow` would load from.
 */
export async function findPythonTensorFlow(
  pythons: readonly string[],
  log?: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TensorFlowLibrary | null> {
  for (const python of pythons) {
    const result = await runCommand(python, ['-c', FIND_SPEC], { timeoutMs: 30_000, env });
    if (result.code !== 0) continue;
    let folders: unknown;
    try {
      folders = JSON.parse(result.output.trim().split('\n').at(-1) ?? '[]');
    } catch {
      continue;
    }
    if (!Array.isArray(folders)) continue;
    for (const folder of folders.filter((f): f is string => typeof f === 'string')) {
      try {
        return await describeTensorFlowFolder(folder, `Python TensorFlow of ${python} at ${folder}`);
      } catch (error) {
        log?.(`  ${python}'s TensorFlow at ${folder} cannot be used: ${(error as Error).message}`);
      }
    }
  }
  return null;
}
