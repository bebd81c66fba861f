/**
 * Learning-rate schedules as pure functions of (state, position). The state is
 * plain JSON so a checkpoint can store it and a resumed run continue it.
 * Epochs are 1-based; `step` is the 0-based batch index within the epoch.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A schedule's state: plain JSON, tagged with the schedule's name. */
export type ScheduleState = { schedule: string } & { [key: string]: JsonValue };

export interface LrSchedule {
  /** 'plateau', 'step' or 'cosine'; also stored in the state as `schedule`. */
  readonly name: string;
  /** The state before epoch 1. */
  initialState(): ScheduleState;
  /** ε for batch `step` (0-based) of `epoch` (1-based). */
  learningRate(state: ScheduleState, at: { epoch: number; step: number }): number;
  /**
   * The state after `epoch` ends. `valError` is the validation error (any
   * lower-is-better measure); null when none was measured this epoch.
   */
  endEpoch(state: ScheduleState, at: { epoch: number; valError: number | null }): ScheduleState;
}

export interface PlateauOptions {
  /** ε at the start (the paper: 0.01). */
  initial: number;
  /** Multiplier at each reduction. Default 0.1 (÷10, §5). */
  factor?: number;
  /**
   * Epochs without improvement tolerated before a reduction, with PyTorch's
   * ReduceLROnPlateau meaning: ε drops when more than `patience` epochs in a
   * row did not improve. Default 1: a second flat epoch in a row reduces.
   */
  patience?: number;
  /** Relative improvement needed: better means error < best·(1 − threshold). Default 1e-4 (PyTorch's 'rel'). */
  threshold?: number;
  /** Reductions at most; ε stays constant afterwards. Default 3 (§5). */
  maxReductions?: number;
}

interface PlateauState extends ScheduleState {
  schedule: 'plateau';
  /** Lowest error seen; null before the first measurement. */
  best: number | null;
  badEpochs: number;
  /** Epochs at whose end ε was reduced. */
  reducedAt: number[];
  /** The last epoch ended, 0 before the first. */
  epoch: number;
}

/**
 * The paper's schedule (§5): divide ε by 10 when the validation error stops
 * improving, at most 3 times. A NaN error counts as no improvement.
 */
export function plateau(options: PlateauOptions): LrSchedule {
  const initial = positive('plateau', 'initial', options.initial);
  const factor = options.factor ?? 0.1;
  const patience = options.patience ?? 1;
  const threshold = options.threshold ?? 1e-4;
  const maxReductions = options.maxReductions ?? 3;
  if (!(factor > 0 && factor < 1)) throw new Error(`plateau: factor must be in (0, 1), got ${factor}`);
  nonNegativeInteger('plateau', 'patience', patience);
  nonNegativeInteger('plateau', 'maxReductions', maxReductions);
  if (!(threshold >= 0 && threshold < 1)) throw new Error(`plateau: threshold must be in [0, 1), got ${threshold}`);
  return {
    name: 'plateau',
    initialState: (): PlateauState => ({ schedule: 'plateau', best: null, badEpochs: 0, reducedAt: [], epoch: 0 }),
    learningRate(state, at) {
      checkAt('plateau', at);
      return initial * factor ** readPlateau(state).reducedAt.length;
    },
    endEpoch(state, { epoch, valError }) {
      const s = readPlateau(state);
      // Epochs only move forward: ending one twice (e.g. on resume) is a bug.
      if (!(Number.isInteger(epoch) && epoch > s.epoch)) throw new Error(`plateau: epoch ${epoch} ended after epoch ${s.epoch}`);
      if (valError === null) return { ...s, epoch }; // Nothing measured: no decision.
      // A NaN (or infinite) error is no improvement, as NaN < best is in PyTorch.
      const improved = Number.isFinite(valError) && (s.best === null || valError < s.best * (1 - threshold));
      const best = improved ? valError : s.best;
      let badEpochs = improved ? 0 : s.badEpochs + 1;
      let reducedAt = s.reducedAt;
      if (badEpochs > patience && reducedAt.length < maxReductions) {
        reducedAt = [...reducedAt, epoch];
        badEpochs = 0;
      }
      return { schedule: 'plateau', best, badEpochs, reducedAt, epoch };
    },
  };
}

export interface StepDecayOptions {
  initial: number;
  /** Epochs between reductions (torchvision's recipe: 30). */
  every: number;
  /** Default 0.1. */
  factor?: number;
}

/** ε·factor^⌊(epoch − 1)/every⌋: with every 30, epochs 1–30 at ε, 31–60 at ε/10, … */
export function stepDecay(options: StepDecayOptions): LrSchedule {
  const initial = positive('step', 'initial', options.initial);
  const factor = options.factor ?? 0.1;
  if (!(Number.isInteger(options.every) && options.every >= 1)) throw new Error(`step: every must be a positive integer, got ${options.every}`);
  if (!(factor > 0 && factor <= 1)) throw new Error(`step: factor must be in (0, 1], got ${factor}`);
  return stateless('step', (at) => initial * factor ** Math.floor((at.epoch - 1) / options.every));
}

export interface CosineOptions {
  initial: number;
  /** Whole epochs of linear warmup (0 for none). */
  warmupEpochs: number;
  totalEpochs: number;
  /** ε at the end of training. Default 0. */
  minimum?: number;
  stepsPerEpoch: number;
}

/**
 * Per step, with t the global step (0-based), W warmup steps and T steps in
 * all: ε·(t + 1)/W during warmup (so it reaches ε on its last step and never
 * takes a zero step), then minimum + (ε − minimum)·(1 + cos(π·(t − W)/(T − W)))/2,
 * which is ε at t = W and reaches `minimum` at t = T, just after the last step.
 */
export function cosine(options: CosineOptions): LrSchedule {
  const initial = positive('cosine', 'initial', options.initial);
  const minimum = options.minimum ?? 0;
  const { warmupEpochs, totalEpochs, stepsPerEpoch } = options;
  if (!(Number.isInteger(stepsPerEpoch) && stepsPerEpoch >= 1)) throw new Error(`cosine: stepsPerEpoch must be a positive integer, got ${stepsPerEpoch}`);
  if (!(Number.isInteger(totalEpochs) && totalEpochs >= 1)) throw new Error(`cosine: totalEpochs must be a positive integer, got ${totalEpochs}`);
  if (!(Number.isInteger(warmupEpochs) && warmupEpochs >= 0 && warmupEpochs < totalEpochs)) {
    throw new Error(`cosine: warmupEpochs must be an integer in [0, totalEpochs = ${totalEpochs}), got ${warmupEpochs}`);
  }
  if (!(minimum >= 0 && minimum < initial)) throw new Error(`cosine: minimum must be in [0, initial = ${initial}), got ${minimum}`);
  const warmup = warmupEpochs * stepsPerEpoch;
  const total = totalEpochs * stepsPerEpoch;
  return stateless('cosine', ({ epoch, step }) => {
    if (step >= stepsPerEpoch) throw new Error(`cosine: step ${step} is past stepsPerEpoch = ${stepsPerEpoch}`);
    const t = (epoch - 1) * stepsPerEpoch + step;
    if (t < warmup) return (initial * (t + 1)) / warmup;
    if (t >= total) return minimum; // Training past totalEpochs stays at the floor.
    return minimum + ((initial - minimum) * (1 + Math.cos((Math.PI * (t - warmup)) / (total - warmup)))) / 2;
  });
}

export interface ParseLrScheduleOptions {
  initial: number;
  /** Total epochs of the run (cosine's length). */
  epochs: number;
  stepsPerEpoch: number;
  /** Cosine's warmup. Default 0. */
  warmupEpochs?: number;
  /** Plateau's patience (epochs without improvement tolerated before ε drops). Default 1. */
  patience?: number;
}

/**
 * The `--lr-schedule` flag: 'plateau' (the paper), 'step:K' (÷10 every K
 * epochs) or 'cosine'. Errors name the flag value.
 */
export function parseLrSchedule(text: string, options: ParseLrScheduleOptions): LrSchedule {
  const fail = (why: string): never => {
    throw new Error(`--lr-schedule '${text}': ${why}`);
  };
  try {
    if (text === 'plateau') return plateau({ initial: options.initial, ...(options.patience !== undefined ? { patience: options.patience } : {}) });
    if (text === 'cosine') {
      return cosine({ initial: options.initial, warmupEpochs: options.warmupEpochs ?? 0, totalEpochs: options.epochs, stepsPerEpoch: options.stepsPerEpoch });
    }
    if (text === 'step' || text.startsWith('step:')) {
      const every = text.slice('step:'.length);
      if (!/^[1-9]\d*$/.test(every)) fail('the period must be a positive whole number of epochs, e.g. step:30');
      return stepDecay({ initial: options.initial, every: Number(every) });
    }
  } catch (error) {
    if (error instanceof Error && !error.message.startsWith('--lr-schedule')) fail(error.message);
    throw error;
  }
  return fail("expected 'plateau', 'step:K' (÷10 every K epochs) or 'cosine'");
}

/** A schedule whose ε depends only on the position; its state is just its tag. */
function stateless(name: string, rate: (at: { epoch: number; step: number }) => number): LrSchedule {
  return {
    name,
    initialState: () => ({ schedule: name }),
    learningRate(state, at) {
      checkTag(name, state);
      checkAt(name, at);
      return rate(at);
    },
    endEpoch(state, { epoch }) {
      checkTag(name, state);
      checkAt(name, { epoch, step: 0 });
      return { schedule: name };
    },
  };
}

function readPlateau(state: ScheduleState): PlateauState {
  checkTag('plateau', state);
  const { best, badEpochs, reducedAt, epoch } = state;
  const ok =
    (best === null || typeof best === 'number') &&
    typeof badEpochs === 'number' &&
    typeof epoch === 'number' &&
    Array.isArray(reducedAt) &&
    reducedAt.every((e) => typeof e === 'number');
  if (!ok) throw new Error(`plateau: malformed state ${JSON.stringify(state)}`);
  return state as PlateauState;
}

function checkTag(name: string, state: ScheduleState): void {
  if (state?.schedule !== name) throw new Error(`${name}: the state belongs to schedule '${String(state?.schedule)}'`);
}

function checkAt(name: string, { epoch, step }: { epoch: number; step: number }): void {
  if (!(Number.isInteger(epoch) && epoch >= 1)) throw new Error(`${name}: epoch must be an integer >= 1 (epochs are 1-based), got ${epoch}`);
  if (!(Number.isInteger(step) && step >= 0)) throw new Error(`${name}: step must be an integer >= 0, got ${step}`);
}

function positive(name: string, what: string, value: number): number {
  if (!(value > 0 && Number.isFinite(value))) throw new Error(`${name}: ${what} must be > 0, got ${value}`);
  return value;
}

function nonNegativeInteger(name: string, what: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0)) throw new Error(`${name}: ${what} must be an integer >= 0, got ${value}`);
}
