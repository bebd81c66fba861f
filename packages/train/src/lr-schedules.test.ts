import { describe, expect, it } from 'vitest';
import { cosine, parseLrSchedule, plateau, stepDecay, type LrSchedule, type ScheduleState } from './lr-schedules.js';

/** Ends epochs 1, 2, … with these errors; returns ε during each following epoch. */
function feed(schedule: LrSchedule, errors: (number | null)[], state = schedule.initialState()): { rates: number[]; state: ScheduleState } {
  const rates: number[] = [];
  errors.forEach((valError, i) => {
    state = schedule.endEpoch(state, { epoch: i + 1, valError });
    rates.push(schedule.learningRate(state, { epoch: i + 2, step: 0 }));
  });
  return { rates, state };
}

const roundTrip = (state: ScheduleState): ScheduleState => JSON.parse(JSON.stringify(state)) as ScheduleState;

describe('plateau', () => {
  it('starts at the initial rate', () => {
    const s = plateau({ initial: 0.01 });
    expect(s.learningRate(s.initialState(), { epoch: 1, step: 0 })).toBe(0.01);
  });

  it('reduces after more than `patience` epochs without improvement (PyTorch semantics)', () => {
    const p0 = plateau({ initial: 1, patience: 0 });
    expect(feed(p0, [0.5, 0.5]).rates).toEqual([1, 0.1]);
    const p1 = plateau({ initial: 1 }); // default patience 1
    expect(feed(p1, [0.5, 0.5, 0.5]).rates).toEqual([1, 1, 0.1]);
    // An improvement resets the count.
    expect(feed(p1, [0.5, 0.6, 0.4, 0.6, 0.6]).rates).toEqual([1, 1, 1, 1, 0.1]);
    const p2 = plateau({ initial: 1, patience: 2 });
    expect(feed(p2, [0.5, 0.6, 0.6, 0.6]).rates).toEqual([1, 1, 1, 0.1]);
  });

  it('counts an improvement below the relative threshold as none', () => {
    const s = plateau({ initial: 1, patience: 0, threshold: 1e-2 });
    // 0.496 > 0.5·(1 − 0.01) = 0.495: not better.
    expect(feed(s, [0.5, 0.496]).rates).toEqual([1, 0.1]);
    expect(feed(s, [0.5, 0.494]).rates).toEqual([1, 1]);
    // Default threshold 1e-4: 0.49996 is not better than 0.5, 0.4999 is.
    const d = plateau({ initial: 1, patience: 0 });
    expect(feed(d, [0.5, 0.49996]).rates).toEqual([1, 0.1]);
    expect(feed(d, [0.5, 0.4999]).rates).toEqual([1, 1]);
  });

  it('reduces exactly 3 times, then stays constant', () => {
    const s = plateau({ initial: 0.01, patience: 0 });
    const { rates, state } = feed(s, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    [0.01, 0.001, 0.0001, 0.00001, 0.00001, 0.00001, 0.00001].forEach((r, i) => expect(rates[i]).toBeCloseTo(r, 15));
    expect(state['reducedAt']).toEqual([2, 3, 4]);
    const custom = plateau({ initial: 1, patience: 0, maxReductions: 1, factor: 0.5 });
    expect(feed(custom, [1, 1, 1]).rates).toEqual([1, 0.5, 0.5]);
  });

  it('treats a NaN error as no improvement, never as the best', () => {
    const s = plateau({ initial: 1, patience: 0 });
    const { rates, state } = feed(s, [0.5, Number.NaN]);
    expect(rates).toEqual([1, 0.1]);
    expect(state['best']).toBe(0.5);
    expect(feed(s, [Number.NaN]).state['best']).toBeNull();
    expect(feed(s, [Number.POSITIVE_INFINITY]).state['best']).toBeNull();
  });

  it('makes no decision on an epoch without a measurement', () => {
    const s = plateau({ initial: 1, patience: 0 });
    const { rates, state } = feed(s, [0.5, null, null, 0.4]);
    expect(rates).toEqual([1, 1, 1, 1]);
    expect(state).toEqual({ schedule: 'plateau', best: 0.4, badEpochs: 0, reducedAt: [], epoch: 4 });
  });

  it('round-trips its state through JSON and continues identically', () => {
    const s = plateau({ initial: 0.01 });
    const errors = [0.9, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7];
    const whole = feed(s, errors);
    const half = feed(s, errors.slice(0, 3));
    const saved = roundTrip(half.state);
    expect(saved).toEqual(half.state);
    let state = saved;
    const rest = errors.slice(3).map((valError, i) => {
      state = s.endEpoch(state, { epoch: i + 4, valError });
      return s.learningRate(state, { epoch: i + 5, step: 0 });
    });
    expect([...half.rates, ...rest]).toEqual(whole.rates);
    expect(state).toEqual(whole.state);
  });

  it('refuses an epoch ended twice, a state of another schedule, and bad options', () => {
    const s = plateau({ initial: 1 });
    const state = s.endEpoch(s.initialState(), { epoch: 1, valError: 0.5 });
    expect(() => s.endEpoch(state, { epoch: 1, valError: 0.5 })).toThrow('plateau: epoch 1 ended after epoch 1');
    expect(() => s.learningRate({ schedule: 'step' }, { epoch: 1, step: 0 })).toThrow("the state belongs to schedule 'step'");
    expect(() => s.learningRate({ schedule: 'plateau', best: 'x' }, { epoch: 1, step: 0 })).toThrow('plateau: malformed state');
    expect(() => s.learningRate(state, { epoch: 0, step: 0 })).toThrow('epochs are 1-based');
    expect(() => plateau({ initial: 0 })).toThrow('plateau: initial must be > 0, got 0');
    expect(() => plateau({ initial: 1, factor: 1 })).toThrow('factor must be in (0, 1), got 1');
    expect(() => plateau({ initial: 1, patience: 0.5 })).toThrow('patience must be an integer >= 0, got 0.5');
  });
});

describe('stepDecay', () => {
  it('divides by 10 after every `every` epochs: epoch 30 vs 31', () => {
    const s = stepDecay({ initial: 0.1, every: 30 });
    const state = s.initialState();
    const at = (epoch: number) => s.learningRate(state, { epoch, step: 5 });
    expect(at(1)).toBe(0.1);
    expect(at(30)).toBe(0.1);
    expect(at(31)).toBeCloseTo(0.01, 15);
    expect(at(60)).toBeCloseTo(0.01, 15);
    expect(at(61)).toBeCloseTo(0.001, 15);
    expect(s.endEpoch(state, { epoch: 1, valError: 0.3 })).toEqual({ schedule: 'step' });
    expect(roundTrip(state)).toEqual(state);
    expect(stepDecay({ initial: 1, every: 2, factor: 0.5 }).learningRate(state, { epoch: 3, step: 0 })).toBe(0.5);
  });

  it('rejects a bad period', () => {
    expect(() => stepDecay({ initial: 0.1, every: 0 })).toThrow('step: every must be a positive integer, got 0');
  });
});

describe('cosine', () => {
  const s = cosine({ initial: 0.1, warmupEpochs: 2, totalEpochs: 10, stepsPerEpoch: 5, minimum: 0.001 });
  const state = s.initialState();
  const at = (epoch: number, step: number) => s.learningRate(state, { epoch, step });

  it('warms up linearly over whole epochs, reaching ε on the last warmup step', () => {
    expect(at(1, 0)).toBeCloseTo(0.1 / 10, 15); // step 1 of 10
    expect(at(1, 4)).toBeCloseTo(0.05, 15);
    expect(at(2, 4)).toBeCloseTo(0.1, 15);
  });

  it('then follows a half cosine from ε down to the minimum', () => {
    expect(at(3, 0)).toBeCloseTo(0.1, 15); // t = W
    // Midpoint: t = W + (T − W)/2 = 10 + 20 = 30 → epoch 7, step 0.
    expect(at(7, 0)).toBeCloseTo((0.1 + 0.001) / 2, 15);
    const last = 0.001 + (0.099 * (1 + Math.cos((Math.PI * 39) / 40))) / 2;
    expect(at(10, 4)).toBeCloseTo(last, 15);
    expect(at(10, 4)).toBeGreaterThan(0.001);
    expect(at(11, 0)).toBe(0.001);
    // Monotone after warmup.
    const rates = Array.from({ length: 40 }, (_, i) => at(3 + Math.floor(i / 5), i % 5));
    rates.slice(1).forEach((r, i) => expect(r).toBeLessThan(rates[i]!));
  });

  it('works without warmup and refuses steps past the epoch', () => {
    const plain = cosine({ initial: 1, warmupEpochs: 0, totalEpochs: 2, stepsPerEpoch: 2 });
    const st = plain.initialState();
    expect(plain.learningRate(st, { epoch: 1, step: 0 })).toBe(1);
    expect(plain.learningRate(st, { epoch: 2, step: 0 })).toBeCloseTo(0.5, 15);
    expect(() => plain.learningRate(st, { epoch: 1, step: 2 })).toThrow('cosine: step 2 is past stepsPerEpoch = 2');
    expect(() => cosine({ initial: 1, warmupEpochs: 2, totalEpochs: 2, stepsPerEpoch: 1 })).toThrow(
      'warmupEpochs must be an integer in [0, totalEpochs = 2), got 2',
    );
    expect(roundTrip(st)).toEqual({ schedule: 'cosine' });
  });
});

describe('parseLrSchedule', () => {
  const options = { initial: 0.01, epochs: 90, stepsPerEpoch: 100 };

  it('builds each schedule from its flag value', () => {
    expect(parseLrSchedule('plateau', options).name).toBe('plateau');
    const step = parseLrSchedule('step:30', options);
    expect(step.name).toBe('step');
    expect(step.learningRate(step.initialState(), { epoch: 31, step: 0 })).toBeCloseTo(0.001, 15);
    const cos = parseLrSchedule('cosine', { ...options, warmupEpochs: 5 });
    expect(cos.name).toBe('cosine');
    expect(cos.learningRate(cos.initialState(), { epoch: 1, step: 0 })).toBeCloseTo(0.01 / 500, 15);
  });

  it('names the flag value in its errors', () => {
    expect(() => parseLrSchedule('step:x', options)).toThrow("--lr-schedule 'step:x': the period must be a positive whole number of epochs, e.g. step:30");
    expect(() => parseLrSchedule('step', options)).toThrow("--lr-schedule 'step': the period");
    expect(() => parseLrSchedule('step:0', options)).toThrow("--lr-schedule 'step:0'");
    expect(() => parseLrSchedule('exp', options)).toThrow("--lr-schedule 'exp': expected 'plateau', 'step:K' (÷10 every K epochs) or 'cosine'");
    expect(() => parseLrSchedule('cosine', { ...options, warmupEpochs: 90 })).toThrow("--lr-schedule 'cosine': cosine: warmupEpochs must be");
    expect(() => parseLrSchedule('plateau', { ...options, initial: -1 })).toThrow("--lr-schedule 'plateau': plateau: initial must be > 0, got -1");
  });
});
