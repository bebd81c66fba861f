import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { formatRate, niceTicks, trainingCurvesPng, trainingCurvesSvg, type CurvePoint, type CurveRun } from './training-curves.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A run whose loss and error fall over `epochs` epochs, the rate ÷10 at epoch 4. */
function run(label: string, epochs: number, overrides: (epoch: number) => Partial<CurvePoint> = () => ({})): CurveRun {
  return {
    label,
    points: Array.from({ length: epochs }, (_, i) => ({
      epoch: i + 1,
      trainLoss: 2.3 / (i + 1),
      valLoss: 2.4 / (i + 1) + 0.1,
      top1Error: 0.9 - 0.1 * i,
      top5Error: 0.5 - 0.05 * i,
      learningRate: i + 1 < 4 ? 0.01 : 0.001,
      ...overrides(i + 1),
    })),
  };
}

const count = (svg: string, pattern: RegExp) => svg.match(new RegExp(pattern, 'g'))?.length ?? 0;
const legendLabels = (svg: string) => [...svg.matchAll(/<text class="legend"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('formatRate', () => {
  it('prints rates without float noise', () => {
    expect(formatRate(0.00010000000000000002)).toBe('1e-4');
    expect(formatRate(0.1 * 0.1)).toBe('0.01');
    expect(formatRate(0.001)).toBe('0.001');
    expect(formatRate(0.005)).toBe('0.005');
    expect(formatRate(2.5e-5)).toBe('2.5e-5');
    expect(formatRate(1.23456e-7)).toBe('1.23e-7');
    expect(formatRate(0.1)).toBe('0.1');
    expect(formatRate(3)).toBe('3');
    expect(formatRate(20000)).toBe('2e4');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(Number.NaN)).toBe('NaN');
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 × 10ⁿ and stays inside the range', () => {
    expect(niceTicks(0, 10)).toEqual({ step: 2, ticks: [0, 2, 4, 6, 8, 10] });
    expect(niceTicks(0.13, 0.92)).toEqual({ step: 0.2, ticks: [0.2, 0.4, 0.6, 0.8] });
    expect(niceTicks(1, 90, 6).step).toBe(20);
    expect(niceTicks(5, 5)).toEqual({ step: 1, ticks: [5] });
  });
});

describe('trainingCurvesPng', () => {
  it('is a PNG of the size asked for, with the curves drawn in colour', async () => {
    const png = await trainingCurvesPng([run('baseline', 10)], { title: 'AlexNet', width: 640, height: 300 });
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const { width, height, format } = await sharp(png).metadata();
    expect([format, width, height]).toEqual(['png', 640, 300]);
    // Something blue (train, #1f77b4) was drawn, not only grey axes.
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    let blue = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i + 2]! > data[i]! + 80) blue++;
    expect(blue).toBeGreaterThan(50);
  });

  it('draws a 1-epoch run as dots', async () => {
    const one = run('one', 1);
    const svg = trainingCurvesSvg([one]);
    expect(count(svg, /<circle class="point"/)).toBe(4); // train and val loss, val top-1 and top-5
    expect(count(svg, /<path class="curve"/)).toBe(0);
    expect(count(svg, /class="lr-change"/)).toBe(0);
    expect(svg).toContain('>1</text>'); // the epoch tick
    expect((await sharp(await trainingCurvesPng([one])).metadata()).width).toBe(1000);
  });

  it('gives each run one colour when comparing runs, series told apart by dashes', async () => {
    const svg = trainingCurvesSvg([run('lr 0.01', 6), run('lr 0.02', 8), run('no lrn', 4)]);
    for (const colour of ['#1f77b4', '#ff7f0e', '#2ca02c']) expect(svg).toContain(`stroke="${colour}"`);
    // Per panel: the three runs by colour, then the dash key.
    expect(legendLabels(svg)).toEqual(['lr 0.01', 'lr 0.02', 'no lrn', 'train', 'val', 'lr 0.01', 'lr 0.02', 'no lrn', 'val top-1', 'val top-5']);
    // Runs share the rate change at epoch 4: one mark per panel.
    expect(count(svg, /class="lr-change"/)).toBe(2);
    const png = await trainingCurvesPng([run('a', 3), run('b', 5)], { width: 800, height: 400 });
    expect((await sharp(png).metadata()).height).toBe(400);
  });

  it('leaves gaps at NaN and Infinity', () => {
    const gappy = run('gappy', 6, (epoch) => ({
      valLoss: epoch === 3 ? Number.NaN : 1 / epoch,
      trainLoss: epoch === 6 ? Number.POSITIVE_INFINITY : 1 / epoch,
      top1Error: epoch === 5 ? Number.NaN : 0.5,
    }));
    const svg = trainingCurvesSvg([gappy]);
    // train 1–5: 1 path; val 1–2 and 4–6: 2; top-1 1–4 and a lone 6: 1 path + 1 dot; top-5: 1.
    expect(count(svg, /<path class="curve"/)).toBe(5);
    expect(count(svg, /<circle class="point"/)).toBe(1);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('marks learning-rate changes with the new rate', () => {
    const svg = trainingCurvesSvg([run('decays', 8, (epoch) => ({ learningRate: epoch < 4 ? 0.01 : epoch < 7 ? 0.01 * 0.1 : 0.01 * 0.1 * 0.1 }))]);
    expect(count(svg, /class="lr-change"/)).toBe(4); // epochs 4 and 7, on both panels
    expect(svg).toContain('>lr 0.001</text>');
    expect(svg).toContain('>lr 1e-4</text>');
  });

  it('omits top-5 when it is null everywhere and adds train top-1 when measured', () => {
    const svg = trainingCurvesSvg([run('mnist-like', 4, (epoch) => ({ top5Error: null, trainTop1Error: 0.5 / epoch }))]);
    expect(legendLabels(svg)).toEqual(['train', 'val', 'val top-1', 'train top-1']);
    expect(svg).toContain('stroke-dasharray="8 3 1.5 3"');
  });

  it('escapes labels and titles, and sharp parses the result', async () => {
    const label = 'a<b & "c" \u0001\u001b[31m';
    const runs = [run(label, 3), run("it's </svg>", 3)];
    const svg = trainingCurvesSvg(runs, { title: '<script>&' });
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot; [31m');
    expect(svg).toContain('&lt;script&gt;&amp;');
    expect(svg).toContain('it&apos;s &lt;/svg&gt;');
    expect(svg).not.toMatch(/[\u0000-\u0008\u001b]/);
    expect((await sharp(await trainingCurvesPng(runs, { title: '<script>&' })).metadata()).format).toBe('png');
  });

  it('refuses empty runs, naming them, and sizes too small', () => {
    expect(() => trainingCurvesSvg([run('ok', 2), { label: 'empty one', points: [] }])).toThrow(/run 'empty one' has no epochs/);
    expect(() => trainingCurvesSvg([])).toThrow(/no runs/);
    expect(() => trainingCurvesSvg([run('ok', 2)], { width: 100 })).toThrow(/width must be an integer of at least 320/);
    expect(() => trainingCurvesSvg([run('ok', 2)], { height: 10.5 })).toThrow(/height/);
  });
});
