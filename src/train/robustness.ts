/**
 * Robustness study (paper §6 "Benefit 3", Fig. 12): evaluate policies — DPPO's diffusion policy beside a
 * Gaussian one — under perturbations they were not trained with:
 *   - Gaussian noise N(0, σ²) added to every sampled (normalised) action, at the task's own start
 *     distribution (init-noise scale 1);
 *   - a wider initial-state distribution (the task's reset noise times k, VecEnvOptions.initNoiseScale),
 *     without action noise.
 * The cell (σ = 0, k = 1) belongs to both sweeps and is evaluated once. Every cell evaluates with the same
 * seed (common random numbers: the same env reset seeds in every cell), so the σ = 0, k = 1 cell is exactly
 * `dppo eval` with that seed. Evaluation is eval mode (spec §2.4), episodes as in evaluate.ts.
 */
import { UserError } from '../core/errors';
import type { Checkpoint } from '../policy/checkpoint';
import { checkInitNoiseScale, taskSpec } from '../sim/registry';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import { evaluate, type EvaluateSummary } from './evaluate';
import { alwaysRun, type RunControl } from './events';
import { assertCheckpointFitsTask } from './taskCheck';

/** Largest action-noise σ accepted (normalised actions live in [−1, 1]; σ = 10 is already pure noise). */
export const MAX_ACTION_NOISE = 10;
/** Most values per sweep (each one is a full evaluation per policy). */
export const MAX_SWEEP_VALUES = 16;

export interface RobustnessPolicy {
  /** Label of the policy's line (e.g. `diffusion-mlp`). */
  name: string;
  /** Where it came from (`builtin:<task>/diffusion-mlp`, a file, `stored:…`). */
  ref: string;
  checkpoint: Checkpoint;
}

/** One evaluated (policy, σ, k) cell; the keys are the CLI's JSON keys. */
export interface RobustnessCell {
  [key: string]: number | string;
  policy: string;
  ckpt: string;
  action_noise: number;
  init_noise_scale: number;
  episodes: number;
  avg_return: number;
  success_rate: number;
  avg_best_reward: number;
  wall_s: number;
}

export interface RobustnessResult {
  task: string;
  episodes: number;
  seed: number;
  policies: { name: string; ckpt: string }[];
  /** σ values of the action-noise sweep (at k = 1), in the order given. */
  sigmas: number[];
  /** k values of the initial-state sweep (at σ = 0), in the order given. */
  initNoiseScales: number[];
  /** Every evaluated cell, in evaluation order (policy by policy). */
  cells: RobustnessCell[];
  /** True when the study was cancelled: `cells` holds the ones finished before. */
  cancelled: boolean;
  wall_s: number;
}

export interface RobustnessOptions {
  task: string;
  policies: RobustnessPolicy[];
  sigmas: number[];
  initNoiseScales: number[];
  episodes: number;
  seed: number;
  /** Override of the task's truncation horizon (env steps). */
  maxEpisodeSteps?: number;
  /** Builds the envs (default: in-process). */
  makeVecEnv?: (opts: VecEnvOptions) => Promise<VecEnv>;
  /** Stop ends the study after the cell in progress is abandoned (its partial episodes are dropped). */
  control?: RunControl;
  /** Each finished cell, as soon as it is done. */
  onCell?: (cell: RobustnessCell) => void;
  /** Overall fraction done [0, 1] and what is being evaluated. */
  onProgress?: (fraction: number, label: string) => void;
}

/** The (σ, k) pairs to evaluate for each policy: (σ, 1) for every σ, then (0, k) for every k, each pair once. */
export function robustnessGrid(sigmas: readonly number[], initNoiseScales: readonly number[]): { actionNoise: number; initNoiseScale: number }[] {
  const out: { actionNoise: number; initNoiseScale: number }[] = [];
  const seen = new Set<string>();
  const add = (actionNoise: number, initNoiseScale: number) => {
    const key = `${actionNoise}/${initNoiseScale}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ actionNoise, initNoiseScale });
  };
  for (const s of sigmas) add(s, 1);
  for (const k of initNoiseScales) add(0, k);
  return out;
}

/**
 * Checks the sweeps before anything runs: non-empty lists of distinct finite values, σ in [0, MAX_ACTION_NOISE],
 * k as the registry accepts for the task (a task without initial-state noise takes only k = 1). UserErrors
 * name the list (`what`: how the caller calls it, e.g. `--sigmas`).
 */
export function checkRobustnessSweeps(task: string, sigmas: readonly number[], initNoiseScales: readonly number[], what = { sigmas: 'the σ list', initNoiseScales: 'the init-noise scale list' }): void {
  const list = (values: readonly number[], name: string) => {
    if (values.length === 0) throw new UserError(`${name} is empty: give at least one value.`);
    if (values.length > MAX_SWEEP_VALUES) throw new UserError(`${name} has ${values.length} values; at most ${MAX_SWEEP_VALUES} (each is a full evaluation per policy).`);
    if (new Set(values).size !== values.length) throw new UserError(`${name} repeats a value: ${values.join(', ')}.`);
  };
  list(sigmas, what.sigmas);
  list(initNoiseScales, what.initNoiseScales);
  for (const s of sigmas) {
    if (!Number.isFinite(s) || s < 0 || s > MAX_ACTION_NOISE) throw new UserError(`${what.sigmas}: action-noise σ must be a number from 0 to ${MAX_ACTION_NOISE}, got ${s}.`);
  }
  for (const k of initNoiseScales) {
    try {
      checkInitNoiseScale(task, k);
    } catch (e) {
      throw e instanceof UserError ? new UserError(`${what.initNoiseScales}: ${e.message}`) : e;
    }
  }
}

/** The policies must be of the task: matching dims, and the task they were trained on where they say. */
function checkPolicies(task: string, policies: readonly RobustnessPolicy[]): void {
  if (policies.length === 0) throw new UserError('The robustness study needs at least one policy.');
  for (const p of policies) {
    const prov = p.checkpoint.provenance as { task?: unknown; config?: { task?: unknown } };
    const trainedOn = typeof prov.task === 'string' ? prov.task : prov.config?.task;
    if (typeof trainedOn === 'string' && trainedOn !== task) {
      throw new UserError(`${p.ref} was trained on ${trainedOn}, not ${task}: pick a ${task} checkpoint.`);
    }
    assertCheckpointFitsTask(p.checkpoint, task, p.ref);
  }
}

/** Thrown inside a cell's rollout once stop is requested, so the study ends within one chunk step. */
class StudyCancelled extends Error {}

/** The outer control, but its checkpoint throws once stopped (evaluate's rollout would finish its round first). */
function abortingControl(control: RunControl): RunControl {
  return {
    get stopped() {
      return control.stopped;
    },
    get pausedMs() {
      return control.pausedMs;
    },
    async checkpoint() {
      await control.checkpoint();
      if (control.stopped) throw new StudyCancelled('cancelled');
    },
  };
}

/** Runs the study: every policy under every cell of `robustnessGrid`, one `evaluate` each. */
export async function runRobustness(opts: RobustnessOptions): Promise<RobustnessResult> {
  const t0 = performance.now();
  const control = opts.control ?? alwaysRun;
  taskSpec(opts.task);
  checkRobustnessSweeps(opts.task, opts.sigmas, opts.initNoiseScales);
  checkPolicies(opts.task, opts.policies);
  if (!Number.isInteger(opts.episodes) || opts.episodes < 1) throw new UserError(`Episodes must be a positive integer, got ${opts.episodes}.`);
  const grid = robustnessGrid(opts.sigmas, opts.initNoiseScales);
  const total = grid.length * opts.policies.length;
  const nEnvs = Math.min(opts.episodes, 50);
  const rounds = Math.ceil(opts.episodes / nEnvs);
  const cells: RobustnessCell[] = [];
  let done = 0;
  outer: for (const p of opts.policies) {
    for (const g of grid) {
      if (control.stopped) break outer;
      const label = `${p.name}: σ ${g.actionNoise}, init ×${g.initNoiseScale}`;
      opts.onProgress?.(done / total, label);
      let summary: EvaluateSummary;
      try {
        summary = await evaluate({
          task: opts.task,
          checkpoint: p.checkpoint,
          episodes: opts.episodes,
          seed: opts.seed,
          nEnvs,
          actionNoise: g.actionNoise,
          initNoiseScale: g.initNoiseScale,
          maxEpisodeSteps: opts.maxEpisodeSteps,
          makeVecEnv: opts.makeVecEnv,
          control: abortingControl(control),
          sink: (ev) => {
            if (ev.type === 'progress') opts.onProgress?.((done + Math.min(1, (ev.itr + ev.fraction) / rounds)) / total, label);
          },
        });
      } catch (e) {
        if (e instanceof StudyCancelled) break outer;
        throw e;
      }
      if (control.stopped) break outer;
      const cell: RobustnessCell = {
        policy: p.name,
        ckpt: p.ref,
        action_noise: g.actionNoise,
        init_noise_scale: g.initNoiseScale,
        episodes: summary.episodes,
        avg_return: summary.avg_return,
        success_rate: summary.success_rate,
        avg_best_reward: summary.avg_best_reward,
        wall_s: summary.wall_s,
      };
      cells.push(cell);
      done++;
      opts.onCell?.(cell);
      opts.onProgress?.(done / total, label);
    }
  }
  return {
    task: opts.task,
    episodes: opts.episodes,
    seed: opts.seed,
    policies: opts.policies.map((p) => ({ name: p.name, ckpt: p.ref })),
    sigmas: [...opts.sigmas],
    initNoiseScales: [...opts.initNoiseScales],
    cells,
    cancelled: control.stopped,
    wall_s: (performance.now() - t0) / 1000,
  };
}

/** The cell of `policy` at (σ, k), if evaluated. */
export function findCell(cells: readonly RobustnessCell[], policy: string, actionNoise: number, initNoiseScale: number): RobustnessCell | undefined {
  return cells.find((c) => c.policy === policy && c.action_noise === actionNoise && c.init_noise_scale === initNoiseScale);
}

/**
 * The two side-by-side tables as text (CLI text mode): return (and success rate) vs σ at k = 1, and vs k at
 * σ = 0, one column per policy. Missing cells (a cancelled study) show as '–'.
 */
export function robustnessTable(r: Pick<RobustnessResult, 'policies' | 'sigmas' | 'initNoiseScales' | 'cells' | 'episodes' | 'seed' | 'task'>): string {
  const names = r.policies.map((p) => p.name);
  const fmt = (c: RobustnessCell | undefined) => (c ? `${c.avg_return.toFixed(1)} (${Math.round(100 * c.success_rate)}%)` : '–');
  const block = (title: string, head: string, rows: { key: string; cells: (RobustnessCell | undefined)[] }[]) => {
    const table = [[head, ...names], ...rows.map((row) => [row.key, ...row.cells.map(fmt)])];
    const widths = table[0].map((_, j) => Math.max(...table.map((t) => t[j].length)));
    return [title, ...table.map((t) => t.map((v, j) => (j === 0 ? v.padEnd(widths[j]) : v.padStart(widths[j]))).join('   '))].join('\n');
  };
  const sig = block(
    `${r.task}: average return (success rate) vs action noise σ, init-noise scale 1 — ${r.episodes} episodes, seed ${r.seed}`,
    'σ',
    r.sigmas.map((s) => ({ key: String(s), cells: names.map((n) => findCell(r.cells, n, s, 1)) })),
  );
  const init = block(
    `${r.task}: average return (success rate) vs initial-state noise scale k, σ 0`,
    'k',
    r.initNoiseScales.map((k) => ({ key: `×${k}`, cells: names.map((n) => findCell(r.cells, n, 0, k)) })),
  );
  return `${sig}\n\n${init}`;
}
