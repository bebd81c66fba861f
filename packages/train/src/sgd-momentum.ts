import * as tf from '@tensorflow/tfjs';

/** tfjs's `{ name, tensor }` pair (not exported by name from the public API). */
export type NamedTensor = Parameters<tf.Optimizer['setWeights']>[0][number];

/** How momentum and weight decay combine. */
export type SgdRule = 'paper' | 'pytorch';
export const SGD_RULES: readonly SgdRule[] = ['paper', 'pytorch'];

export interface SgdMomentumConfig {
  /** ε; must be > 0. Change it between steps with `setLearningRate`. */
  learningRate: number;
  /** m, in [0, 1). Default 0.9 (§5). */
  momentum?: number;
  /** wd ≥ 0. Default 0.0005 (§5). */
  weightDecay?: number;
  /**
   * 'paper' (§5): v ← m·v − wd·ε·w − ε·g; w ← w + v.
   * 'pytorch' (torch.optim.SGD, dampening 0, no Nesterov): g' = g + wd·w;
   * v ← m·v + g' (v = g' at the first step); w ← w − ε·v.
   * With a constant ε the two give the same weights; they differ after ε
   * changes, because 'paper' keeps ε inside the velocity. Default 'paper'.
   */
  rule?: SgdRule;
  /**
   * Apply weight decay to biases too. Default true (the paper). With false,
   * variables named `…/bias` are not decayed (Caffe's `decay_mult: 0`): tfjs
   * layers name their weights `<layer>/kernel`, `<layer>/bias`, and
   * `<layer>/bias_<n>` when a name is taken, so the rule is the regex
   * `/\/bias(_\d+)?$/` on the variable's name.
   */
  decayBiases?: boolean;
}

const BIAS_NAME = /\/bias(_\d+)?$/;
const VELOCITY_SUFFIX = '/velocity';
interface Velocity {
  variable: tf.Variable;
}

/**
 * SGD with momentum and L2 weight decay, as AlexNet §5 writes it (or as
 * PyTorch does, by `rule`). A `tf.Optimizer`: works with `applyGradients`,
 * `minimize` and `model.compile({ optimizer })`, and serializes by class name
 * 'AlexNetSgdMomentum'.
 *
 * State: one velocity per variable, keyed by the variable's name, created at
 * its first step. `getWeights()` / `setWeights()` save and restore it in
 * tfjs's optimizer convention: `iter` first, then `<variableName>/velocity`.
 */
export class SgdMomentumOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'AlexNetSgdMomentum';
  }

  readonly momentum: number;
  readonly weightDecay: number;
  readonly rule: SgdRule;
  readonly decayBiases: boolean;
  private lr: number;
  private velocities = new Map<string, Velocity>();
  /** setWeights has restored velocities whose variables the next step must find. */
  private restoredUnchecked = false;

  constructor(config: SgdMomentumConfig) {
    super();
    this.lr = checkLearningRate(config.learningRate);
    this.momentum = config.momentum ?? 0.9;
    this.weightDecay = config.weightDecay ?? 5e-4;
    this.rule = config.rule ?? 'paper';
    this.decayBiases = config.decayBiases ?? true;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new Error(`sgdMomentum: momentum must be in [0, 1), got ${this.momentum}`);
    if (!(this.weightDecay >= 0 && Number.isFinite(this.weightDecay))) throw new Error(`sgdMomentum: weightDecay must be >= 0, got ${this.weightDecay}`);
    if (!SGD_RULES.includes(this.rule)) throw new Error(`sgdMomentum: rule must be 'paper' or 'pytorch', got '${String(this.rule)}'`);
  }

  /** The current ε. */
  get learningRate(): number {
    return this.lr;
  }

  /** Sets ε for the following steps (schedules call this between steps). */
  setLearningRate(learningRate: number): void {
    this.lr = checkLearningRate(learningRate);
  }

  /** Whether `variableName` is weight-decayed under `decayBiases`. */
  decays(variableName: string): boolean {
    return this.decayBiases || !BIAS_NAME.test(variableName);
  }

  /** Names of the variables that have a velocity, in creation order. */
  velocityNames(): string[] {
    return [...this.velocities.keys()];
  }

  /** The velocity of one variable (the optimizer's own tensor: do not dispose). */
  velocity(variableName: string): tf.Variable | undefined {
    return this.velocities.get(variableName)?.variable;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const pairs: [string, tf.Tensor | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    if (this.restoredUnchecked) this.checkRestoredNames();
    for (const [name, gradient] of pairs) {
      if (gradient == null) continue; // No gradient reached this variable (as tfjs's optimizers).
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) throw new Error(`sgdMomentum: no variable named '${name}'`);
      const wd = this.decays(name) ? this.weightDecay : 0;
      const velocity = this.velocityFor(name, value);
      tf.tidy(() => {
        const lr = tf.scalar(this.lr);
        const m = tf.scalar(this.momentum);
        if (this.rule === 'paper') {
          const v = velocity ?? tf.zerosLike(value);
          let next = m.mul(v).sub(lr.mul(gradient));
          if (wd !== 0) next = next.sub(tf.scalar(wd * this.lr).mul(value));
          value.assign(value.add(next));
          this.storeVelocity(name, velocity, next);
        } else {
          const g = wd !== 0 ? gradient.add(tf.scalar(wd).mul(value)) : gradient;
          // PyTorch starts the buffer as a copy of the first g' (not m·0 + g').
          const next = velocity === undefined ? g : m.mul(velocity).add(g);
          value.assign(value.sub(lr.mul(next)));
          this.storeVelocity(name, velocity, next);
        }
      });
    }
    this.incrementIterations();
  }

  override dispose(): void {
    for (const { variable } of this.velocities.values()) variable.dispose();
    this.velocities.clear();
    super.dispose();
  }

  /**
   * `iter` (int32 scalar), then each velocity as `<variableName>/velocity`.
   * All are new tensors the caller owns and should dispose once written: the
   * velocities are clones (sharing data until the next step, so no copy is
   * made). Unlike tfjs's own optimizers, which hand out their live variables,
   * disposing them cannot break the optimizer. (tfjs's `model.save` with
   * `includeOptimizer` does not dispose what it gets; checkpoints here do.)
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const velocities = [...this.velocities].map(([name, { variable }]) => ({ name: `${name}${VELOCITY_SUFFIX}`, tensor: variable.clone() }));
    return [await this.saveIterations(), ...velocities];
  }

  /**
   * Restores what `getWeights` gave (the tensors are copied by reference
   * count: the caller may dispose its own). Replaces all current velocities.
   * A restored velocity whose variable is now named with another `_<n>`
   * suffix (a model rebuilt in the same process) is matched by the name
   * without it, when that is unambiguous.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (weightValues[0]?.name !== 'iter')
      throw new Error(`sgdMomentum.setWeights: the first entry must be 'iter', got '${weightValues[0]?.name ?? 'nothing'}'`);
    const rest = await this.extractIterations(weightValues);
    const restored = new Map<string, Velocity>();
    for (const { name, tensor } of rest) {
      if (!name.endsWith(VELOCITY_SUFFIX)) throw new Error(`sgdMomentum.setWeights: '${name}' is not a '<variable>${VELOCITY_SUFFIX}' entry`);
      if (tensor.dtype !== 'float32') throw new Error(`sgdMomentum.setWeights: '${name}' is ${tensor.dtype}, expected float32`);
      restored.set(name.slice(0, -VELOCITY_SUFFIX.length), { variable: tf.variable(tensor, false) });
    }
    for (const { variable } of this.velocities.values()) variable.dispose();
    this.velocities = restored;
    this.restoredUnchecked = restored.size > 0;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.lr, momentum: this.momentum, weightDecay: this.weightDecay, rule: this.rule, decayBiases: this.decayBiases };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as unknown as SgdMomentumConfig);
  }

  /**
   * Velocities are keyed by exact variable name; matching saved ones to the
   * variables of another process (whose names tfjs may suffix with `_<n>`) is
   * the checkpoint's job (loadCheckpoint(…).optimizerWeights(model)). A restored
   * velocity no variable is named for would silently restart from zero: refused.
   */
  private checkRestoredNames(): void {
    const missing = [...this.velocities.keys()].filter((name) => tf.engine().registeredVariables[name] === undefined);
    if (missing.length > 0) {
      throw new Error(
        `sgdMomentum: velocities were restored for ${missing
          .slice(0, 3)
          .map((n) => `'${n}'`)
          .join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}, ` +
          "but no variable has that name; restore them through loadCheckpoint(dir).optimizerWeights(model), which matches them to the model's variables",
      );
    }
    this.restoredUnchecked = false;
  }

  /** The velocity of `name`, if it has one, checked against the variable's shape. */
  private velocityFor(name: string, value: tf.Variable): tf.Variable | undefined {
    const entry = this.velocities.get(name);
    if (entry === undefined) return undefined;
    if (!tf.util.arraysEqual(entry.variable.shape, value.shape)) {
      throw new Error(`sgdMomentum: velocity of '${name}' has shape [${entry.variable.shape.join(', ')}], the variable [${value.shape.join(', ')}]`);
    }
    return entry.variable;
  }

  private storeVelocity(name: string, current: tf.Variable | undefined, next: tf.Tensor): void {
    if (current !== undefined) current.assign(next);
    // A variable escapes the enclosing tidy; it shares `next`'s data by reference count.
    else this.velocities.set(name, { variable: tf.variable(next, false) });
  }
}

function checkLearningRate(learningRate: number): number {
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new Error(`sgdMomentum: learningRate must be > 0, got ${learningRate}`);
  return learningRate;
}

/** The AlexNet optimizer (§5 defaults: momentum 0.9, weight decay 0.0005). */
export function sgdMomentum(config: SgdMomentumConfig): SgdMomentumOptimizer {
  return new SgdMomentumOptimizer(config);
}
