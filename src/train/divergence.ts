/**
 * The divergence guard of the fine-tuning loop (issue 13): two kinds of trouble, told apart because they
 * call for different responses.
 *
 * 1. A non-finite number — a loss, a gradient norm, a parameter, a value or a sampled action that is NaN or
 *    ±∞. Nothing after it means anything, so the run halts with a DivergenceError that names the quantity,
 *    the iteration and what to try. Sampled actions are checked before they reach the env, so the user reads
 *    "training diverged", not the env's "action contains a non-finite value".
 * 2. A collapse — the numbers are finite but the policy is falling apart: approx-KL more than
 *    `klFactor`× targetKl, or a clip fraction of `clipfracMax` or more, or a success rate / return that fell
 *    by more than `dropFraction` of the run's best — each for `patience` consecutive iterations. The loop
 *    emits a 'warning' event (a marker on the curve, a badge in the run list) and halts only when `halt`
 *    is set. A single bad iteration is common in PPO and is not warned about.
 *
 * The guard also decides which weights count as "good" (the loop keeps a copy of the last good ones, so a
 * halted run still leaves a usable policy): the weights W_k after iteration k's update are good once
 *   - W_k's parameters and the update that produced them were finite and not flagged (KL, clip fraction);
 *   - the next rollout, which samples W_k, produced finite actions and values and no success/return fall.
 * So W_k is confirmed only during iteration k+1; a run that halts there keeps W_{k-1} or older.
 *
 * Pure (no tfjs): the loop feeds it numbers; tests feed it hand-made sequences.
 */
import { UserError } from '../core/errors';
import type { Checkpoint } from '../policy/checkpoint';
import type { MetricKey } from './events';

/** Settings of the collapse detector (the non-finite checks have none: they always apply). */
export interface CollapseSettings {
  /** Flag an iteration whose mean approx-KL exceeds klFactor × targetKl (off when targetKl is not finite). */
  klFactor: number;
  /** Flag an iteration whose mean clip fraction is at least this (1 = off). */
  clipfracMax: number;
  /**
   * Flag a rollout whose success rate (or return) fell by more than this fraction of the run's best so far
   * (compared like with like: eval rollouts with eval rollouts, training with training).
   */
  dropFraction: number;
  /** A success-rate fall counts only when the best success rate was at least this (noise at low success). */
  minBestSuccess: number;
  /** Consecutive flagged iterations before a warning (and, with `halt`, a halt). */
  patience: number;
  /** Halt the run (DivergenceError, reason 'collapse') instead of only warning. */
  halt: boolean;
}

/**
 * Defaults: a KL ten times the target and more than half the samples clipped are far outside what a
 * working PPO run shows (DPPO's Avoid runs stay below target_kl on average and clip a few percent); a
 * success rate halved against the run's best for two iterations in a row is the "0.91 → 0" collapse of
 * issue 13, not noise.
 */
export const COLLAPSE_DEFAULTS: CollapseSettings = {
  klFactor: 10,
  clipfracMax: 0.5,
  dropFraction: 0.5,
  minBestSuccess: 0.2,
  patience: 2,
  halt: false,
};

/**
 * The config keys that override COLLAPSE_DEFAULTS (in the fine-tuning config schema, defaults from
 * COLLAPSE_PRESET; a config object without them, e.g. an older saved run, gets the defaults).
 */
export const COLLAPSE_CONFIG_KEYS = {
  collapseKlFactor: 'klFactor',
  collapseClipfracMax: 'clipfracMax',
  collapseDropFraction: 'dropFraction',
  collapsePatience: 'patience',
  collapseHalt: 'halt',
} as const satisfies Record<string, keyof CollapseSettings>;

/** The collapse settings of a run config: COLLAPSE_DEFAULTS overridden by any `collapse*` keys it holds. */
export function collapseSettingsFrom(config: object, overrides: Partial<CollapseSettings> = {}): CollapseSettings {
  const out: CollapseSettings = { ...COLLAPSE_DEFAULTS };
  const cfg = config as Record<string, unknown>;
  for (const [key, field] of Object.entries(COLLAPSE_CONFIG_KEYS)) {
    const v = cfg[key];
    if (field === 'halt') {
      if (typeof v === 'boolean') out.halt = v;
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      out[field] = v;
    }
  }
  return { ...out, ...overrides };
}

/** What went non-finite (names a user can map to a setting). */
export type NonFiniteQuantity =
  | 'sampled action'
  | 'value estimate'
  | 'old log-probability'
  | 'policy loss'
  | 'value loss'
  | 'approx KL'
  | 'actor gradient norm'
  | 'critic gradient norm'
  | 'actor parameters'
  | 'critic parameters';

export type CollapseKind = 'kl' | 'clipfrac' | 'success-fall' | 'return-fall';

/** A collapse warning (the loop's 'warning' event carries the same fields). */
export interface CollapseWarning {
  itr: number;
  kind: CollapseKind;
  /** The metric the warning is about (its chart gets the marker). */
  metric: MetricKey;
  message: string;
}

/** The weights kept when a run halts: the last good ones, as a checkpoint the caller can save or load. */
export interface LastGood<C> {
  /** The iteration after whose update these weights were taken; −1 = the weights the run started from. */
  itr: number;
  checkpoint: C;
}

/**
 * Training diverged (a non-finite value) or collapsed with `halt` on. `itr` and `quantity` say where; the
 * loop attaches `lastGood` (the last good weights as a Checkpoint) before it rethrows, so the CLI can write
 * them with --out and the worker can keep them as `session:<runId>`.
 */
export class DivergenceError extends UserError {
  lastGood?: LastGood<Checkpoint>;

  constructor(
    message: string,
    readonly itr: number,
    readonly quantity: NonFiniteQuantity | CollapseKind,
    readonly reason: 'non-finite' | 'collapse',
  ) {
    super(message);
    this.name = 'DivergenceError';
  }
}

/** Index of the first non-finite value, or −1. */
export function firstNonFinite(xs: ArrayLike<number>): number {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return i;
  return -1;
}

/** The settings a hint names (the run's current values). */
export interface HintSettings {
  actorLr: number;
  criticLr: number;
  maxGradNorm: number;
}

const CRITIC_QUANTITIES: ReadonlySet<string> = new Set(['value estimate', 'value loss', 'critic gradient norm', 'critic parameters']);

/** What to try when `quantity` went non-finite, naming the settings and their current values. */
export function divergenceHint(quantity: NonFiniteQuantity, s: HintSettings): string {
  const clip = s.maxGradNorm > 0 ? `a smaller maxGradNorm (now ${s.maxGradNorm})` : 'maxGradNorm (e.g. 1) to clip the actor\'s gradients';
  if (CRITIC_QUANTITIES.has(quantity)) return `Try a lower criticLr (now ${s.criticLr}) or a lower actorLr (now ${s.actorLr}).`;
  return `Try a lower actorLr (now ${s.actorLr}) or set ${clip}.`;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}

/** One iteration's update diagnostics (means over its minibatches). */
export interface UpdateDiagnostics {
  approxKl: number;
  clipfrac: number;
}

/** One rollout's episode results. */
export interface RolloutDiagnostics {
  successRate: number;
  avgReturn: number;
  numEpisodes: number;
  /** A deterministic evaluation rollout (compared only with other eval rollouts). */
  evalItr: boolean;
}

/** Result of observing an iteration: whether it is flagged, and the warnings to emit now. */
export interface Observation {
  flagged: boolean;
  warnings: CollapseWarning[];
}

/** The guard's streak counts and per-mode bests (`DivergenceGuard.exportState`). */
export interface GuardState {
  streak: [string, number][];
  best: [string, number][];
}

/**
 * Checks a run's numbers as they come. `check*` throw a DivergenceError on a non-finite value;
 * `observe*` flag collapse conditions, count streaks and return warnings once a streak reaches `patience`
 * (one warning per streak, so a long collapse is not reported every iteration).
 */
export class DivergenceGuard {
  private readonly streak = new Map<string, number>();
  private readonly best = new Map<string, number>();

  constructor(
    readonly settings: CollapseSettings,
    private readonly targetKl: number,
    private readonly hints: HintSettings,
  ) {}

  /** Streaks and bests so far (JSON-able), for saving a run's training state. */
  exportState(): GuardState {
    return { streak: [...this.streak], best: [...this.best] };
  }

  /** Continues from `exportState`'s streaks and bests. */
  importState(s: GuardState): void {
    this.streak.clear();
    this.best.clear();
    for (const [k, n] of s.streak) this.streak.set(k, n);
    for (const [k, x] of s.best) this.best.set(k, x);
  }

  /** Throws a DivergenceError when `value` (a number or an array) holds a non-finite value. */
  checkFinite(quantity: NonFiniteQuantity, value: number | ArrayLike<number>, itr: number): void {
    const xs = typeof value === 'number' ? [value] : value;
    const i = firstNonFinite(xs);
    if (i < 0) return;
    const where = typeof value === 'number' ? `${xs[i]}` : `${xs[i]} at index ${i}`;
    throw new DivergenceError(
      `Training diverged at iteration ${itr}: the ${quantity} became non-finite (${where}). ${divergenceHint(quantity, this.hints)}`,
      itr,
      quantity,
      'non-finite',
    );
  }

  /** Flags a KL blow-up or a clip-fraction blow-up of iteration `itr`'s update. */
  observeUpdate(itr: number, d: UpdateDiagnostics): Observation {
    const s = this.settings;
    const klLimit = s.klFactor * this.targetKl;
    const kl = Number.isFinite(klLimit) && klLimit > 0 && d.approxKl > klLimit;
    const cf = s.clipfracMax < 1 && d.clipfrac >= s.clipfracMax;
    const warnings: CollapseWarning[] = [];
    const n = s.patience;
    if (this.count('kl', kl)) {
      warnings.push({
        itr,
        kind: 'kl',
        metric: 'losses/approx_kl',
        message: `Approx KL ${fmt(d.approxKl)} was above ${s.klFactor}× targetKl (${fmt(this.targetKl)}) for ${n} iteration${n === 1 ? '' : 's'} in a row (itr ${itr}): the policy is moving too fast. Try a lower actorLr (now ${this.hints.actorLr}).`,
      });
    }
    if (this.count('clipfrac', cf)) {
      warnings.push({
        itr,
        kind: 'clipfrac',
        metric: 'losses/clipfrac',
        message: `The clip fraction was ${fmt(d.clipfrac)} (≥ ${s.clipfracMax}) for ${n} iteration${n === 1 ? '' : 's'} in a row (itr ${itr}): most updates hit the clip. Try a lower actorLr (now ${this.hints.actorLr}).`,
      });
    }
    return { flagged: kl || cf, warnings };
  }

  /** Flags a fall of the success rate or the return of iteration `itr`'s rollout against the run's best. */
  observeRollout(itr: number, d: RolloutDiagnostics): Observation {
    if (!(d.numEpisodes > 0)) return { flagged: false, warnings: [] };
    const s = this.settings;
    const mode = d.evalItr ? 'eval' : 'train';
    const warnings: CollapseWarning[] = [];
    const n = s.patience;
    const what = d.evalItr ? 'evaluation' : 'training';

    const bestSucc = this.best.get(`success:${mode}`);
    const succFall = bestSucc !== undefined && bestSucc >= s.minBestSuccess && d.successRate < bestSucc * (1 - s.dropFraction);
    if (this.count(`success-fall:${mode}`, succFall)) {
      warnings.push({
        itr,
        kind: 'success-fall',
        metric: 'charts/success_rate',
        message: `The ${what} success rate fell to ${fmt(d.successRate)} from the run's best ${fmt(bestSucc!)} (more than ${Math.round(s.dropFraction * 100)}% down) for ${n} iteration${n === 1 ? '' : 's'} in a row (itr ${itr}): the policy collapsed. Try a lower actorLr (now ${this.hints.actorLr}).`,
      });
    }
    // A relative fall of the return is meaningful only for a positive best (returns can be negative).
    const bestRet = this.best.get(`return:${mode}`);
    const retFall = bestRet !== undefined && bestRet > 0 && d.avgReturn < bestRet * (1 - s.dropFraction);
    if (this.count(`return-fall:${mode}`, retFall)) {
      warnings.push({
        itr,
        kind: 'return-fall',
        metric: 'charts/avg_return',
        message: `The ${what} return fell to ${fmt(d.avgReturn)} from the run's best ${fmt(bestRet!)} (more than ${Math.round(s.dropFraction * 100)}% down) for ${n} iteration${n === 1 ? '' : 's'} in a row (itr ${itr}). Try a lower actorLr (now ${this.hints.actorLr}).`,
      });
    }
    this.best.set(`success:${mode}`, Math.max(bestSucc ?? -Infinity, d.successRate));
    this.best.set(`return:${mode}`, Math.max(bestRet ?? -Infinity, d.avgReturn));
    return { flagged: succFall || retFall, warnings };
  }

  /** The DivergenceError for a collapse when `halt` is on (null otherwise). */
  haltFor(w: CollapseWarning): DivergenceError | null {
    if (!this.settings.halt) return null;
    return new DivergenceError(`Training collapsed and was halted (collapseHalt): ${w.message}`, w.itr, w.kind, 'collapse');
  }

  /** Advances the streak of `key`; true exactly when it reaches `patience`. */
  private count(key: string, flagged: boolean): boolean {
    const n = flagged ? (this.streak.get(key) ?? 0) + 1 : 0;
    this.streak.set(key, n);
    return flagged && n === Math.max(1, Math.floor(this.settings.patience));
  }
}
