import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand, tail } from './run-command.js';

/** Total size of the files under a folder (pip's partial download lives in its temp folder). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile())
      total += await stat(join(entry.parentPath, entry.name)).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}

/** `python -m pip` for the first interpreter that has pip, else `pip3` or `pip`. */
export async function findPip(pythons: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ program: string; args: string[] } | null> {
  for (const python of pythons) {
    if ((await runCommand(python, ['-m', 'pip', '--version'], { timeoutMs: 30_000, env })).code === 0) return { program: python, args: ['-m', 'pip'] };
  }
  for (const pip of ['pip3', 'pip']) {
    if ((await runCommand(pip, ['--version'], { timeoutMs: 30_000, env })).code === 0) return { program: pip, args: [] };
  }
  return null;
}

export interface PipDownloadOptions {
  pythons: readonly string[];
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Bytes downloaded so far and the total when pip has said it. */
  onProgress?: (done: number, total: number | undefined) => void;
}

/**
 * `pip download <distribution> --no-deps` into `dir`, from whatever index pip is
 * configured for; returns the wheel's path. Throws with pip's last lines and the
 * next step when there is no pip or pip cannot get the wheel.
 */
export async function pipDownload(distribution: string, dir: string, options: PipDownloadOptions): Promise<string> {
  const env = options.env ?? process.env;
  const pip = await findPip(options.pythons, env);
  if (pip === null) {
    throw new Error(
      `no pip found (tried ${[...options.pythons.map((p) => `${p} -m pip`), 'pip3', 'pip'].join(', ')}): install Python's pip, or download a ${distribution} wheel elsewhere and pass it with --tensorflow <file.whl>`,
    );
  }
  await mkdir(dir, { recursive: true });
  // pip writes the partial download to its temp folder: give it one we can measure.
  const temp = await mkdtemp(join(dir, '.pip-tmp-'));
  let total: number | undefined;
  const timer = setInterval(() => {
    void folderBytes(dir).then((bytes) => options.onProgress?.(bytes, total));
  }, 1000);
  try {
    const args = [...pip.args, 'download', distribution, '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', dir];
    options.log?.(`  ${[pip.program, ...args].join(' ')}`);
    const result = await runCommand(pip.program, args, {
      env: { ...env, TMPDIR: temp, PIP_NO_INPUT: '1' },
      timeoutMs: 60 * 60_000,
      onLine: (line) => {
        const size = /Downloading \S+ \(([\d.]+) (kB|MB|GB)\)/.exec(line);
        if (size) total = Number(size[1]) * { kB: 1e3, MB: 1e6, GB: 1e9 }[size[2] as 'kB' | 'MB' | 'GB'];
      },
    });
    if (result.code !== 0) {
      throw new Error(
        `pip could not download ${distribution} (${result.failure ?? `exit code ${result.code}`}):\n${tail(result.output)}\nDownload a ${distribution} wheel on a machine that can, then pass it with --tensorflow <file.whl>`,
      );
    }
    const wheels = (await readdir(dir)).filter((f) => f.endsWith('.whl') && f.toLowerCase().startsWith(distribution.replace(/-/g, '_') + '-'));
    const wheel = wheels.sort().at(-1);
    if (wheel === undefined) throw new Error(`pip reported success but left no ${distribution} wheel in ${dir}:\n${tail(result.output)}`);
    return join(dir, wheel);
  } finally {
    clearInterval(timer);
    await rm(temp, { recursive: true, force: true });
  }
}
