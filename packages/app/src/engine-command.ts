import { engineStatus, installNativeEngine, type EnginesReport, type InstallProgress, type NativeEngineInstall } from '@alexnet/backend';
import { alexnetCommand, parseCommandLine } from './command-line.js';
import { Progress } from './progress.js';

export function defineEngineCommand() {
  return alexnetCommand(
    'engine',
    "the tensor engines with their status, versions and the one 'auto' picks; `engine install` makes the native one usable",
  ).option('--json', 'print the report as JSON');
}

export function defineEngineInstallCommand() {
  return alexnetCommand('install', "make @tensorflow/tfjs-node usable in this install (the native engine, TensorFlow's C library)")
    .option('--gpu', "@tensorflow/tfjs-node-gpu instead, against a CUDA 12 TensorFlow (pip's 'tensorflow')")
    .option(
      '--tensorflow <path>',
      'build against this TensorFlow: a libtensorflow folder (lib/ + include/), a wheel (.whl) or a Python site-packages tensorflow/ folder; also ALEXNET_TENSORFLOW',
    )
    .option('--force', 'rebuild even when the engine already loads')
    .option('--verbose', "show each step's output and TensorFlow's own log lines")
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Its own install script where that works (online); otherwise its binding is compiled here against a
TensorFlow found on this machine or fetched with \`pip download tensorflow-cpu\` (~300 MB, cached).`,
    );
}

const NEXT_STEP: Record<string, string> = {
  node: 'npx alexnet engine install',
  'node-gpu': 'npx alexnet engine install --gpu',
};

export function formatEngineStatus(report: EnginesReport): string {
  const rows = report.engines.map((e) => {
    const versions = Object.entries(e.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return [e.engine, e.status, [versions, e.detail].filter(Boolean).join(' — ')] as const;
  });
  const widths = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
  const lines = rows.map(([a, b, c]) => `${a.padEnd(widths[0]!)}  ${b.padEnd(widths[1]!)}  ${c}`);
  for (const e of report.engines) for (const gpu of e.gpus ?? []) lines.push(`${''.padEnd(widths[0]! + widths[1]! + 4)}GPU ${gpu}`);
  lines.push(`auto picks: ${report.auto}`);
  const node = report.engines.find((e) => e.engine === 'node');
  if (report.auto !== 'node' && report.auto !== 'node-gpu' && node) {
    lines.push(`the native engine (TensorFlow's C library, several times faster than wasm): ${NEXT_STEP.node}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Draws the install's long parts (download, extraction, compilation) as progress bars on stderr. */
function progressBars(): { onProgress: (p: InstallProgress) => void; end: () => void } {
  let current: { stage: string; bar: Progress } | undefined;
  const labels = { download: 'download', extract: 'extract', compile: 'compile' };
  return {
    onProgress: (p) => {
      const scale = p.unit === 'B' ? 1e6 : 1;
      if (current?.stage !== p.stage) {
        current?.bar.end();
        current = {
          stage: p.stage,
          bar: new Progress(labels[p.stage], p.total === undefined ? undefined : Math.round(p.total / scale), p.unit === 'B' ? 'MB' : 'step'),
        };
      }
      current.bar.update(Math.round(p.done / scale));
    },
    end: () => current?.bar.end(),
  };
}

function formatInstall(result: NativeEngineInstall): string {
  const what = {
    'already usable': 'was already usable: nothing was done',
    'stock install': `was installed by its own install script`,
    built: `was built here against ${result.library?.origin ?? 'TensorFlow'}`,
  }[result.action];
  const lines = [
    `${result.package} ${what}`,
    `engine      ${result.engine}${result.engine === 'node-gpu' ? (result.gpu ? ' (TensorFlow sees a CUDA GPU)' : ' (TensorFlow sees no CUDA GPU: it runs on the CPU until one is visible)') : ''}`,
    `TensorFlow  ${result.tensorflow}`,
    `package     ${result.packageDir}`,
    `time        ${result.seconds.toFixed(1)} s`,
  ];
  return `${lines.join('\n')}\n`;
}

export async function runEngine(args: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<EnginesReport | NativeEngineInstall> {
  const [sub, ...rest] = args;
  if (sub === 'install') {
    const values = parseCommandLine(defineEngineInstallCommand(), rest).opts();
    const bars = progressBars();
    const result = await installNativeEngine({
      gpu: values.gpu ?? false,
      force: values.force ?? false,
      ...(values.tensorflow !== undefined ? { tensorflow: values.tensorflow } : {}),
      log: (line) => {
        bars.end();
        if (values.verbose || !line.startsWith('  ')) process.stderr.write(`${line}\n`);
      },
      onProgress: bars.onProgress,
    }).finally(() => bars.end());
    write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatInstall(result));
    return result;
  }
  const values = parseCommandLine(defineEngineCommand(), args).opts();
  const report = await engineStatus();
  write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatEngineStatus(report));
  return report;
}
