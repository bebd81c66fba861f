import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the command after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Each line of its output as it comes (for progress); the output is kept either way. */
  onLine?: (line: string) => void;
}

export interface RunResult {
  /** Exit code, or null when it was killed or could not start. */
  code: number | null;
  output: string;
  /** Set when the program could not be started (e.g. ENOENT) or timed out. */
  failure?: string;
}

/** Runs a program without a shell, collecting its stdout and stderr together. Never throws. */
export function runCommand(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    let pending = '';
    let failure: string | undefined;
    const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      failure = `timed out after ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 600_000);
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      if (!options.onLine) return;
      pending += text;
      const lines = pending.split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') options.onLine(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error: NodeJS.ErrnoException) => {
      failure = error.code === 'ENOENT' ? `${program} not found` : error.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (pending.trim() !== '') options.onLine?.(pending);
      resolve({ code: failure ? null : code, output, ...(failure ? { failure } : {}) });
    });
  });
}

/** The last lines of a command's output, for an error message. */
export function tail(output: string, lines = 12): string {
  return output
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `  ${l}`)
    .join('\n');
}
