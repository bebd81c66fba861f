import { describe, expect, it } from 'vitest';
import { Progress, formatSeconds } from './progress.js';

function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

describe('Progress', () => {
  it('shows no rate or ETA until a second has passed, then counts, rate and ETA', async () => {
    const { lines, stream } = capture();
    const bar = new Progress('epoch 2/9', 100, 'img', stream);
    bar.update(32);
    expect(lines[0]).toBe('epoch 2/9 ████████░░░░░░░░░░░░░░░░ 32/100 -- img/s ETA --:--\n');
    await new Promise((r) => setTimeout(r, 1100));
    bar.update(100, 'loss 0.5');
    expect(lines[1]).toMatch(/^epoch 2\/9 █{24} 100\/100 \d+\.\d img\/s ETA 0:00 loss 0\.5\n$/);
  });

  it('formats seconds as m:ss', () => {
    expect([formatSeconds(0), formatSeconds(61.4), formatSeconds(Infinity)]).toEqual(['0:00', '1:01', '--:--']);
  });
});
