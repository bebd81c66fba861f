import type { StepTiming } from '@alexnet/train';

/**
 * A one-line progress bar with rate and ETA. On a terminal it redraws in
 * place; otherwise (CI, pipes) it prints a line at most every few seconds.
 */
export class Progress {
  private readonly start = performance.now();
  private lastPrint = -Infinity;
  /** A terminal line is drawn and not yet ended. */
  private open = false;
  /** The final line has been printed: later updates to the same total add nothing. */
  private done = false;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    /** Unknown totals draw no bar and no ETA. */
    private readonly total: number | undefined,
    private readonly unit: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  update(done: number, extra = ''): void {
    const now = performance.now();
    const finished = this.total !== undefined && done >= this.total;
    if (finished && this.done) return;
    if (!finished && now - this.lastPrint < (this.tty ? 100 : 5000)) return;
    this.done = finished;
    this.lastPrint = now;
    const seconds = (now - this.start) / 1000;
    // Under a second in, a rate is noise (the first update can come microseconds after the start).
    const rate = seconds < 1 ? NaN : done / seconds;
    const rateText = `${Number.isNaN(rate) ? '--' : rate.toFixed(1)} ${this.unit}/s`;
    let line: string;
    if (this.total === undefined) {
      line = `${this.label} ${done} ${this.unit} ${rateText}${extra ? ` ${extra}` : ''}`;
    } else {
      const eta = rate > 0 ? (this.total - done) / rate : Infinity;
      const width = 24;
      const filled = Math.round((width * Math.min(done, this.total)) / Math.max(this.total, 1));
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      line = `${this.label} ${bar} ${done}/${this.total} ${rateText} ETA ${formatSeconds(eta)}${extra ? ` ${extra}` : ''}`;
    }
    if (this.tty) {
      this.stream.write(`\r${line}\x1b[K${finished ? '\n' : ''}`);
      this.open = !finished;
    } else this.stream.write(`${line}\n`);
  }

  /** Ends an open line on a terminal (for a total that was unknown or not reached). */
  end(): void {
    if (this.open) this.stream.write('\n');
    this.open = false;
  }
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Bytes as people read them (1 decimal, binary units). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) ((bytes /= 1024), i++);
  return `${i === 0 ? bytes.toFixed(0) : bytes.toFixed(1)} ${units[i]}`;
}

/** A placed step's split: computing, waiting on the other ranks, and what this rank sent. */
export function stepText(step: StepTiming): string {
  return `step ${step.seconds.toFixed(2)} s: compute ${step.computeSeconds.toFixed(2)} s, comm ${step.commSeconds.toFixed(2)} s, sent ${formatBytes(step.bytesSent)}/rank (+${formatBytes(step.inputBytesSent)} of images)`;
}

/** An `onBatch` callback for trainLoop that draws one bar per epoch, with the running loss (and a placed step's split). */
export function epochProgress(
  epochs: number,
  batchSize: number,
): (info: { epoch: number; batch: number; batches: number; loss: number; step?: StepTiming }) => void {
  let current: { epoch: number; bar: Progress } | undefined;
  return ({ epoch, batch, batches, loss, step }) => {
    if (current?.epoch !== epoch) current = { epoch, bar: new Progress(`epoch ${epoch}/${epochs}`, batches * batchSize, 'img') };
    current.bar.update(batch * batchSize, `loss ${loss.toFixed(3)}${step ? `, ${stepText(step)}` : ''}`);
  };
}
