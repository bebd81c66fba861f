import { loadSharp } from './sharp-loader.js';
import { CHAR_WIDTH, FONT_FAMILY, escapeXml, fitText } from './svg-text.js';

/**
 * One epoch of a run, as train-loop's EpochMetrics has it. Errors are
 * fractions in [0, 1] (1 − accuracy) and are drawn as percentages.
 */
export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  top1Error: number;
  /** null when the task has fewer than 5 classes. */
  top5Error: number | null;
  /** Top-1 error on the training images, when the run measured it. */
  trainTop1Error?: number | null;
  learningRate: number;
}

export interface CurveRun {
  label: string;
  points: CurvePoint[];
}

/** Options for {@link trainingCurvesSvg} and {@link trainingCurvesPng}. */
export interface TrainingCurvesOptions {
  title?: string;
  /** Picture width in pixels (default 1000, at least 320). */
  width?: number;
  /** Picture height in pixels (default 420, at least 200). */
  height?: number;
}

type Dash = 'solid' | 'dashed' | 'dotted' | 'dashdot';
const DASH_ARRAY: Record<Dash, string> = { solid: '', dashed: '7 4', dotted: '1.5 3', dashdot: '8 3 1.5 3' };

/** A line of a panel: which value of a point it plots, and how it is drawn. */
interface SeriesKind {
  name: string;
  dash: Dash;
  /** Colour when one run is drawn; with several runs the colour is the run's. */
  colour: string;
  value: (p: CurvePoint) => number | null | undefined;
}

interface PanelKind {
  heading: string;
  series: SeriesKind[];
}

// Train in blue and validation in orange on both panels, so one run's picture reads at a glance.
const PANELS: PanelKind[] = [
  {
    heading: 'loss',
    series: [
      { name: 'train', dash: 'solid', colour: '#1f77b4', value: (p) => p.trainLoss },
      { name: 'val', dash: 'dashed', colour: '#ff7f0e', value: (p) => p.valLoss },
    ],
  },
  {
    heading: 'error %',
    series: [
      { name: 'val top-1', dash: 'solid', colour: '#ff7f0e', value: (p) => percent(p.top1Error) },
      { name: 'val top-5', dash: 'dotted', colour: '#2ca02c', value: (p) => percent(p.top5Error) },
      { name: 'train top-1', dash: 'dashdot', colour: '#1f77b4', value: (p) => percent(p.trainTop1Error) },
    ],
  },
];

/** Matplotlib's tab10: distinct colours for the runs `plot` compares. */
const RUN_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const AXIS_COLOUR = '#333';
const GRID_COLOUR = '#e5e5e5';
const LR_COLOUR = '#999';
const FONT_SIZE = 11;
const SMALL_FONT_SIZE = 9;
const TITLE_HEIGHT = 26;
const HEADING_HEIGHT = 20;
const LEGEND_ROW = 16;
const MARGIN = { left: 52, right: 14, bottom: 44 };
const MIN_WIDTH = 320;
const MIN_HEIGHT = 200;

function percent(fraction: number | null | undefined): number | null | undefined {
  return typeof fraction === 'number' ? 100 * fraction : fraction;
}

/**
 * A learning rate short and free of float noise: 3 significant digits, plain
 * decimals from 0.001 up to 10 000, exponent form otherwise without "+":
 * 0.1·0.1 → "0.01", 0.00010000000000000002 → "1e-4", 2.5e-5 → "2.5e-5".
 */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return String(rate);
  if (rate === 0) return '0';
  const rounded = Number(rate.toPrecision(3));
  const size = Math.abs(rounded);
  if (size >= 1e-3 && size < 1e4) return String(rounded);
  return rounded.toExponential().replace('e+', 'e');
}

/** Tick positions: multiples of a 1, 2 or 5 × 10ⁿ step that give about `target` ticks over [min, max]. */
export function niceTicks(min: number, max: number, target = 5): { step: number; ticks: number[] } {
  const span = max - min;
  if (!(span > 0) || !Number.isFinite(span)) return { step: 1, ticks: Number.isFinite(min) ? [min] : [] };
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normal = raw / magnitude;
  // d3's thresholds (√2, √10, √50): the step whose tick count lies nearest the target on a log scale.
  const step = (normal < Math.SQRT2 ? 1 : normal < Math.sqrt(10) ? 2 : normal < Math.sqrt(50) ? 5 : 10) * magnitude;
  const ticks: number[] = [];
  // Integer multiples of the step rounded to 12 digits, so float noise (3 × 0.2) never reaches a label; `|| 0` turns −0 into 0.
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)) || 0);
  return { step, ticks };
}

/** A tick's label with as many decimals as its step needs: step 0.05 → "0.35", step 10 → "40". */
function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const text = value.toFixed(Math.min(decimals, 20));
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** [min, max] of the finite values, widened by 6 % (and kept ≥ 0 for data that is); [0, 1] for no data. */
function paddedRange(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pad = max > min ? 0.06 * (max - min) : Math.max(Math.abs(max) * 0.1, 0.5);
  return [min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad];
}

function finite(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function number(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** A line drawn for one run and one series: the runs of consecutive finite points, split at gaps. */
interface Line {
  kind: SeriesKind;
  colour: string;
  segments: Array<Array<[number, number]>>;
}

/** Epochs at which a run's learning rate changes, and the rate from then on. */
function rateChanges(points: CurvePoint[]): Array<{ epoch: number; rate: number }> {
  const changes: Array<{ epoch: number; rate: number }> = [];
  for (let i = 1; i < points.length; i++) {
    const before = points[i - 1]!.learningRate;
    const now = points[i]!;
    if (finite(before) && finite(now.learningRate) && finite(now.epoch) && now.learningRate !== before) {
      changes.push({ epoch: now.epoch, rate: now.learningRate });
    }
  }
  return changes;
}

interface LegendEntry {
  label: string;
  colour: string;
  dash: Dash;
}

/** Legend entries laid out left to right, wrapping into rows that fit `width`. */
function legendLayout(entries: LegendEntry[], width: number): Array<LegendEntry & { x: number; row: number }> {
  const placed: Array<LegendEntry & { x: number; row: number }> = [];
  let x = 0;
  let row = 0;
  const maxChars = Math.max(4, Math.floor((width - 30) / (FONT_SIZE * CHAR_WIDTH)));
  for (const entry of entries) {
    const label = fitText(entry.label, maxChars);
    const entryWidth = 30 + Array.from(label).length * FONT_SIZE * CHAR_WIDTH + 14;
    if (x > 0 && x + entryWidth > width) {
      x = 0;
      row++;
    }
    placed.push({ ...entry, label, x, row });
    x += entryWidth;
  }
  return placed;
}

function lineAttributes(colour: string, dash: Dash, width = 1.6): string {
  const dashes = DASH_ARRAY[dash] ? ` stroke-dasharray="${DASH_ARRAY[dash]}"` : '';
  const cap = dash === 'dotted' ? ' stroke-linecap="round"' : '';
  return `fill="none" stroke="${colour}" stroke-width="${width}"${dashes}${cap}`;
}

/**
 * Training curves as SVG: two panels side by side, loss (train solid, val
 * dashed) and error % (val top-1 solid, val top-5 dotted, train top-1
 * dash-dot), against the epoch. A series with no finite value in any run is
 * left out. With one run each series has its own colour; with several runs
 * (comparing them) each run has one colour and the series keep their dash
 * patterns. Non-finite values leave gaps; a point with no finite neighbour is
 * drawn as a dot. Thin grey vertical lines mark the epochs where a run's
 * learning rate changes, labelled with the new rate ({@link formatRate}).
 * Every label is escaped for XML.
 */
export function trainingCurvesSvg(runs: CurveRun[], options: TrainingCurvesOptions = {}): string {
  const { title, width = 1000, height = 420 } = options;
  if (!Number.isInteger(width) || width < MIN_WIDTH) throw new Error(`width must be an integer of at least ${MIN_WIDTH}, got ${width}`);
  if (!Number.isInteger(height) || height < MIN_HEIGHT) throw new Error(`height must be an integer of at least ${MIN_HEIGHT}, got ${height}`);
  if (runs.length === 0) throw new Error('no runs to plot');
  for (const run of runs) {
    if (run.points.length === 0) throw new Error(`run '${run.label}' has no epochs to plot`);
  }
  const several = runs.length > 1;
  const runColour = (i: number) => RUN_COLOURS[i % RUN_COLOURS.length]!;
  // Points in epoch order, so lines and learning-rate changes follow time whatever order the metrics came in.
  const sorted = runs.map((run) => ({ label: run.label, points: [...run.points].sort((a, b) => a.epoch - b.epoch) }));

  const epochs = sorted.flatMap((run) => run.points.map((p) => p.epoch)).filter(finite);
  let [xMin, xMax] = epochs.length ? [Math.min(...epochs), Math.max(...epochs)] : [0, 1];
  if (xMin === xMax) [xMin, xMax] = [xMin - 0.5, xMax + 0.5];
  const integerEpochs = epochs.every(Number.isInteger);

  const panelWidth = width / 2;
  const top = (title ? TITLE_HEIGHT : 0) + HEADING_HEIGHT;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="#fff"/>`];
  if (title) {
    parts.push(
      `<text x="${width / 2}" y="${TITLE_HEIGHT - 8}" text-anchor="middle" font-size="${FONT_SIZE + 3}" font-weight="bold">${escapeXml(fitText(title, Math.floor(width / ((FONT_SIZE + 3) * CHAR_WIDTH))))}</text>`,
    );
  }

  const plotWidth = panelWidth - MARGIN.left - MARGIN.right;
  const panels = PANELS.map((panel) => {
    const lines: Line[] = [];
    for (const kind of panel.series) {
      sorted.forEach((run, runIndex) => {
        const segments: Line['segments'] = [[]];
        for (const point of run.points) {
          const value = kind.value(point);
          if (finite(point.epoch) && finite(value)) segments.at(-1)!.push([point.epoch, value]);
          else if (segments.at(-1)!.length > 0) segments.push([]);
        }
        const kept = segments.filter((s) => s.length > 0);
        if (kept.length > 0) lines.push({ kind, colour: several ? runColour(runIndex) : kind.colour, segments: kept });
      });
    }
    const shownKinds = panel.series.filter((kind) => lines.some((line) => line.kind === kind));
    // The legend: one entry per series for one run; for several, the runs by colour, then the dash key in grey.
    const entries: LegendEntry[] = several
      ? [
          ...sorted.map((run, i) => ({ label: run.label, colour: runColour(i), dash: 'solid' as Dash })),
          ...shownKinds.map((kind) => ({ label: kind.name, colour: AXIS_COLOUR, dash: kind.dash })),
        ]
      : shownKinds.map((kind) => ({ label: kind.name, colour: kind.colour, dash: kind.dash }));
    return { panel, lines, legend: legendLayout(entries, plotWidth) };
  });
  // Both panels end at the same height, above the taller legend.
  const legendRows = Math.max(...panels.map(({ legend }) => (legend.length ? legend.at(-1)!.row + 1 : 0)));
  const bottom = height - MARGIN.bottom - legendRows * LEGEND_ROW;
  if (bottom - top < 40) throw new Error(`height ${height} leaves no room for the plots above ${legendRows} legend rows`);

  panels.forEach(({ panel, lines, legend }, panelIndex) => {
    const left = panelIndex * panelWidth + MARGIN.left;
    const [yMin, yMax] = paddedRange(lines.flatMap((line) => line.segments.flat().map(([, y]) => y)));
    const xAt = (epoch: number) => left + ((epoch - xMin) / (xMax - xMin)) * plotWidth;
    const yAt = (value: number) => bottom - ((value - yMin) / (yMax - yMin)) * (bottom - top);

    parts.push(`<text x="${left + plotWidth / 2}" y="${top - 7}" text-anchor="middle" font-size="${FONT_SIZE + 1}">${escapeXml(panel.heading)}</text>`);

    // Ticks, grid lines and their numbers; epoch ticks stay whole when the epochs are.
    const yTicks = niceTicks(yMin, yMax);
    for (const tick of yTicks.ticks) {
      const y = number(yAt(tick));
      parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y}" y2="${y}" stroke="${GRID_COLOUR}"/>`);
      parts.push(`<line x1="${left - 4}" x2="${left}" y1="${y}" y2="${y}" stroke="${AXIS_COLOUR}"/>`);
      parts.push(`<text x="${left - 6}" y="${number(yAt(tick) + FONT_SIZE * 0.35)}" text-anchor="end">${tickLabel(tick, yTicks.step)}</text>`);
    }
    let xTicks = niceTicks(xMin, xMax, 6);
    if (integerEpochs && xTicks.step < 1) {
      xTicks = { step: 1, ticks: Array.from({ length: Math.floor(xMax) - Math.ceil(xMin) + 1 }, (_, i) => Math.ceil(xMin) + i) };
    }
    for (const tick of xTicks.ticks) {
      const x = number(xAt(tick));
      parts.push(`<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 4}" stroke="${AXIS_COLOUR}"/>`);
      parts.push(`<text x="${x}" y="${bottom + 4 + FONT_SIZE}" text-anchor="middle">${tickLabel(tick, xTicks.step)}</text>`);
    }
    parts.push(`<text x="${left + plotWidth / 2}" y="${bottom + 30}" text-anchor="middle">epoch</text>`);

    // Learning-rate changes under the curves; one mark per epoch and rate even when several runs share it.
    const marked = new Set<string>();
    sorted.forEach((run, runIndex) => {
      for (const { epoch, rate } of rateChanges(run.points)) {
        const key = `${epoch}:${rate}`;
        if (marked.has(key)) continue;
        marked.add(key);
        const x = number(xAt(epoch));
        parts.push(`<line class="lr-change" x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="${LR_COLOUR}" stroke-width="0.8"/>`);
        const labelColour = several ? runColour(runIndex) : LR_COLOUR;
        parts.push(
          `<text class="lr-label" x="${number(xAt(epoch) + 3)}" y="${top + SMALL_FONT_SIZE + 2 + (marked.size % 2) * SMALL_FONT_SIZE}" font-size="${SMALL_FONT_SIZE}" fill="${labelColour}">lr ${escapeXml(formatRate(rate))}</text>`,
        );
      }
    });

    // The curves, clipped to the plot area; a lone point becomes a dot.
    const clip = `plot-${panelIndex}`;
    parts.push(`<clipPath id="${clip}"><rect x="${left}" y="${top}" width="${plotWidth}" height="${bottom - top}"/></clipPath>`);
    const curves: string[] = [];
    const dots: string[] = [];
    for (const line of lines) {
      for (const segment of line.segments) {
        if (segment.length === 1) {
          const [[epoch, value]] = segment as [[number, number]];
          dots.push(`<circle class="point" cx="${number(xAt(epoch))}" cy="${number(yAt(value))}" r="3" fill="${line.colour}"/>`);
        } else {
          const d = segment.map(([epoch, value], i) => `${i ? 'L' : 'M'}${number(xAt(epoch))} ${number(yAt(value))}`).join(' ');
          curves.push(`<path class="curve" d="${d}" ${lineAttributes(line.colour, line.kind.dash)}/>`);
        }
      }
    }
    parts.push(`<g clip-path="url(#${clip})">${curves.join('')}</g>`);
    parts.push(...dots); // unclipped: a dot on the frame stays whole
    parts.push(`<rect x="${left}" y="${top}" width="${plotWidth}" height="${bottom - top}" fill="none" stroke="${AXIS_COLOUR}"/>`);

    for (const entry of legend) {
      const x = left + entry.x;
      const y = bottom + MARGIN.bottom + entry.row * LEGEND_ROW + LEGEND_ROW / 2 - 6;
      parts.push(`<line x1="${number(x)}" x2="${number(x + 24)}" y1="${y}" y2="${y}" ${lineAttributes(entry.colour, entry.dash, 2)}/>`);
      parts.push(`<text class="legend" x="${number(x + 30)}" y="${number(y + FONT_SIZE * 0.35)}">${escapeXml(entry.label)}</text>`);
    }
  });

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><g font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}" fill="${AXIS_COLOUR}">${parts.join('')}</g></svg>`;
}

/** {@link trainingCurvesSvg} rasterised by sharp: a `width`×`height` RGB PNG (labels blank where no font is installed, see svg-text.ts). */
export async function trainingCurvesPng(runs: CurveRun[], options: TrainingCurvesOptions = {}): Promise<Buffer> {
  const svg = trainingCurvesSvg(runs, options);
  const sharp = await loadSharp();
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}
