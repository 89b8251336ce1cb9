/**
 * Cosine annealing with linear warm-up and restarts (spec/dppo-reference.md §4.7; DPPO
 * `util/scheduler.py` CosineAnnealingWarmupRestarts), stepped once per iteration.
 *
 * Within a cycle of length C (first C = firstCycleSteps) at in-cycle step s:
 *   s < warmup: lr = min + (max − min)·s/warmup
 *   else:       lr = min + (max − min)·(1 + cos(π·(s − warmup)/(C − warmup)))/2
 * When s reaches C a new cycle starts: s −= C, C ← ⌊(C − warmup)·cycleMult⌋ + warmup, max ← maxLr·gamma^cycle.
 *
 * Quirk reproduced on purpose: the reference sets the optimiser's LR to min_lr right after construction,
 * so the FIRST iteration (before any step()) runs at minLr even when warmup = 0 (where the formula would
 * give maxLr). From the first step() on, the formula applies with s = 1, 2, … (s = 0 is never used in the
 * first cycle). This is observable as `lr === minLr` on a fresh instance.
 */
import { UserError } from '../core/errors';

export interface CosineScheduleOptions {
  /** Length of the first cycle in iterations (`first_cycle_steps`). */
  firstCycleSteps: number;
  /** Peak LR (`max_lr`, the configured actor/critic LR). */
  maxLr: number;
  /** Floor LR (`min_lr`). */
  minLr: number;
  /** Linear warm-up iterations at the start of every cycle (`warmup_steps`, < firstCycleSteps). */
  warmupSteps?: number;
  /** Cycle-length multiplier after each restart (`cycle_mult`, 1). */
  cycleMult?: number;
  /** Peak decay per cycle (`gamma`, 1). */
  gamma?: number;
}

export class CosineAnnealingWarmupRestarts {
  readonly baseMaxLr: number;
  readonly minLr: number;
  readonly warmupSteps: number;
  readonly cycleMult: number;
  readonly gamma: number;
  private maxLr: number;
  private curCycleSteps: number;
  private cycle = 0;
  private stepInCycle = 0;
  private steps = 0;
  private current: number;

  constructor(opts: CosineScheduleOptions) {
    const warmup = opts.warmupSteps ?? 0;
    if (!(opts.firstCycleSteps >= 1)) throw new UserError(`LR schedule: firstCycleSteps must be ≥ 1, got ${opts.firstCycleSteps}.`);
    if (!(warmup >= 0 && warmup < opts.firstCycleSteps)) {
      throw new UserError(`LR schedule: warmupSteps (${warmup}) must be in [0, firstCycleSteps = ${opts.firstCycleSteps}).`);
    }
    this.baseMaxLr = opts.maxLr;
    this.maxLr = opts.maxLr;
    this.minLr = opts.minLr;
    this.warmupSteps = warmup;
    this.cycleMult = opts.cycleMult ?? 1;
    this.gamma = opts.gamma ?? 1;
    this.curCycleSteps = opts.firstCycleSteps;
    this.current = opts.minLr;
  }

  /** The LR to use for the current iteration. */
  get lr(): number {
    return this.current;
  }

  /** Number of step() calls so far. */
  get stepsTaken(): number {
    return this.steps;
  }

  /** Advances one iteration and updates `lr`. */
  step(): void {
    this.steps++;
    this.stepInCycle++;
    if (this.stepInCycle >= this.curCycleSteps) {
      this.cycle++;
      this.stepInCycle -= this.curCycleSteps;
      this.curCycleSteps = Math.floor((this.curCycleSteps - this.warmupSteps) * this.cycleMult) + this.warmupSteps;
    }
    this.maxLr = this.baseMaxLr * this.gamma ** this.cycle;
    this.current = this.formula();
  }

  /** Replays `n` steps (resume from a checkpoint that stored stepsTaken). */
  fastForward(n: number): void {
    for (let k = 0; k < n; k++) this.step();
  }

  private formula(): number {
    const s = this.stepInCycle;
    const span = this.maxLr - this.minLr;
    if (s < this.warmupSteps) return this.minLr + (span * s) / this.warmupSteps;
    const frac = (s - this.warmupSteps) / (this.curCycleSteps - this.warmupSteps);
    return this.minLr + (span * (1 + Math.cos(Math.PI * frac))) / 2;
  }
}
