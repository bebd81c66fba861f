import { access, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnginePackage } from './engine-package.js';
import { runCommand, tail } from './run-command.js';
import type { TensorFlowLibrary } from './tensorflow-library.js';
import type { Toolchain } from './toolchain.js';

/**
 * Lays out `deps/` as tfjs-node's binding.gyp expects it: `deps/include` and
 * link-time names in `deps/lib`, all pointing at the library where it lies (no
 * copy of its ~1 GB). The binding is linked with an rpath to the library's own
 * folder, so TensorFlow's $ORIGIN-relative paths (to its framework library and,
 * in CUDA builds, to pip's nvidia-* libraries) keep working.
 */
async function layOutDeps(pkg: EnginePackage, library: TensorFlowLibrary): Promise<void> {
  const deps = join(pkg.dir, 'deps');
  await rm(deps, { recursive: true, force: true });
  await mkdir(join(deps, 'lib'), { recursive: true });
  await symlink(library.includeDir, join(deps, 'include'));
  await symlink(join(library.libDir, library.library), join(deps, 'lib', 'libtensorflow.so'));
  await symlink(join(library.libDir, library.framework), join(deps, 'lib', 'libtensorflow_framework.so'));
}

export interface BuildOptions {
  /** Each line node-gyp prints, for progress and --verbose. */
  onLine?: (line: string) => void;
  /** Where the full build log is written when the build fails. */
  logFile: string;
}

/**
 * Compiles tfjs-node's binding from the package's own sources (binding/*.cc)
 * against `library` with node-gyp, into the path tfjs-node loads it from.
 */
export async function buildBinding(pkg: EnginePackage, library: TensorFlowLibrary, toolchain: Toolchain, options: BuildOptions): Promise<void> {
  await layOutDeps(pkg, library);
  await rm(pkg.bindingPath, { force: true });
  const moduleDir = join(pkg.bindingPath, '..');
  const args = [
    ...toolchain.nodeGyp.args,
    'rebuild',
    '--jobs=max',
    `--python=${toolchain.python}`,
    ...(toolchain.nodedir ? [`--nodedir=${toolchain.nodedir}`] : []),
    '--module_name=tfjs_binding',
    `--module_path=${moduleDir}`,
    `--napi_build_version=${pkg.napiVersion}`,
  ];
  const env = {
    ...process.env,
    CXX: toolchain.compiler,
    LDFLAGS: [process.env.LDFLAGS, `-Wl,-rpath,${library.libDir}`].filter(Boolean).join(' '),
  };
  const result = await runCommand(toolchain.nodeGyp.program, args, {
    cwd: pkg.dir,
    env,
    timeoutMs: 30 * 60_000,
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  const built = await access(pkg.bindingPath).then(
    () => true,
    () => false,
  );
  if (result.code !== 0 || !built) {
    await mkdir(join(options.logFile, '..'), { recursive: true });
    await writeFile(options.logFile, `${toolchain.nodeGyp.program} ${args.join(' ')}\n\n${result.output}`);
    throw new Error(
      `compiling ${pkg.name}'s binding failed (${result.failure ?? (result.code !== 0 ? `node-gyp exit code ${result.code}` : `no ${pkg.bindingPath}`)}):\n${tail(result.output)}\nfull log: ${options.logFile}`,
    );
  }
}
