/**
 * Scripted Avoid demonstrations run through the real env (spec/dppo-reference.md §6.3, D3IL features):
 *   state_t  = [desired xy, actual tip xy]  (the env's observation before step t)
 *   action_t = desired_{t+1} − desired_t
 * Each episode is labelled with the env's 9-bit mode mask and ends once the tip is past y 0.45 (or at
 * maxSteps). The M1/M2/M3 subsets keep trajectories that pass any desired mode ({5,6} / {5,7} / {5,8})
 * and all required modes {1, 2}, like filter_d3il_avoid_data.py; the caller fits the normaliser on the kept data.
 * To avoid simulating 11 discarded routes per kept one, generateAvoidDemos draws only the subset's two
 * routes (alternating, so the subset is balanced between mode 5 and the other mode) and still applies
 * the filter to the modes the env actually recorded.
 */
import type { Rng } from '../../../core/rng';
import { UserError } from '../../../core/errors';
import { loadMujoco, type Mujoco } from '../../mujoco';
import type { DemoSet } from '../../types';
import { AvoidEnv } from './avoidEnv';
import { AVOID_SUBSETS, passesModeFilter } from './modes';
import type { AvoidTaskId } from './presets';
import { ALL_ROUTES, sampleDesiredPath, type AvoidRoute } from './routes';

/** Demos end once the tip is past this y. */
export const DEMO_END_Y = 0.45;
/** Longest demo (D3IL max_len_data 200). */
export const DEMO_MAX_STEPS = 200;

export interface AvoidEpisode {
  route: AvoidRoute;
  /** [L, 4] raw. */
  states: Float32Array;
  /** [L, 2] raw. */
  actions: Float32Array;
  /** 9-bit mode mask recorded by the env. */
  modeBits: number;
  collided: boolean;
  /** First step index after which the tip was past y 0.4, or −1. */
  goalStep: number;
}

/** Avoid demos: DemoSet whose labels are the 9-bit mode masks per episode. */
export interface AvoidDemoSet extends DemoSet {
  task: AvoidTaskId;
  labels: Int32Array;
}

export interface DemoOptions {
  /** MuJoCo module to use (loaded when omitted). */
  mujoco?: Mujoco;
  maxSteps?: number;
  /** Called after every simulated episode. */
  onProgress?: (kept: number, attempts: number) => void;
}

/** Runs one route through the env: returns the recorded states/actions and the env's mode bookkeeping. */
export function runAvoidExpertEpisode(env: AvoidEnv, route: AvoidRoute, rng: Rng, maxSteps = DEMO_MAX_STEPS): AvoidEpisode {
  const path = sampleDesiredPath(route, rng, { maxPoints: maxSteps + 1 });
  const states: number[] = [];
  const actions: number[] = [];
  let obs = env.reset(0);
  let goalStep = -1;
  const action = new Float32Array(2);
  for (let t = 0; t < maxSteps; t++) {
    const k = Math.min(t + 1, path.length / 2 - 1);
    const [dx, dy] = env.desired();
    action[0] = path[2 * k] - dx;
    action[1] = path[2 * k + 1] - dy;
    states.push(...obs);
    actions.push(action[0], action[1]);
    const res = env.step(action);
    obs = res.obs;
    const [, tipY] = env.tracePoint();
    if (goalStep < 0 && tipY > 0.4) goalStep = t;
    if (tipY > DEMO_END_Y) break;
  }
  const info = env.info();
  return { route, states: Float32Array.from(states), actions: Float32Array.from(actions), modeBits: info.modeBits, collided: info.collided, goalStep };
}

/**
 * n episodes over the given routes (cycled; default: all 24 in a shuffled order), unfiltered.
 * Loads MuJoCo when no module is given; the env is created and disposed here.
 */
export async function generateAvoidEpisodes(n: number, rng: Rng, routes: readonly AvoidRoute[] = shuffled(ALL_ROUTES, rng), opts: DemoOptions = {}): Promise<AvoidEpisode[]> {
  const env = new AvoidEnv(opts.mujoco ?? (await loadMujoco()));
  try {
    const out: AvoidEpisode[] = [];
    for (let i = 0; i < n; i++) {
      out.push(runAvoidExpertEpisode(env, routes[i % routes.length], rng, opts.maxSteps));
      opts.onProgress?.(i + 1, i + 1);
      if (i % 25 === 24) await yieldToEventLoop();
    }
    return out;
  } finally {
    env.dispose();
  }
}

/** §6.3 filter of a subset, plus dropping any episode that touched a pillar. */
export function filterAvoidEpisodes(episodes: readonly AvoidEpisode[], task: AvoidTaskId): AvoidEpisode[] {
  const { desired, required } = AVOID_SUBSETS[task];
  return episodes.filter((e) => !e.collided && passesModeFilter(e.modeBits, desired, required));
}

/**
 * Pre-training demos of one subset: nEpisodes kept episodes, balanced between the subset's two desired
 * row-3 modes, raw arrays with the mode mask of every episode and the row-3 mode counts as summary.
 */
export async function generateAvoidDemos(task: AvoidTaskId, nEpisodes: number, rng: Rng, opts: DemoOptions = {}): Promise<AvoidDemoSet> {
  const subset = AVOID_SUBSETS[task];
  if (!subset) throw new UserError(`No Avoid demo subset for "${task}": use avoid-m1, avoid-m2 or avoid-m3.`);
  if (!Number.isInteger(nEpisodes) || nEpisodes < 2) throw new UserError(`Need at least 2 demo episodes, got ${nEpisodes}.`);
  const routes: AvoidRoute[] = subset.desired.map((row3) => ({ row1: 1, row2: 2, row3 }) as AvoidRoute);
  const kept: AvoidEpisode[] = [];
  const perRoute = [0, 0];
  const env = new AvoidEnv(opts.mujoco ?? (await loadMujoco()));
  let attempts = 0;
  try {
    const maxAttempts = 3 * nEpisodes + 20;
    while (kept.length < nEpisodes) {
      if (attempts >= maxAttempts) throw new Error(`Avoid expert: only ${kept.length} of ${nEpisodes} demos passed the ${task} filter in ${attempts} attempts.`);
      const r = perRoute[0] <= perRoute[1] ? 0 : 1;
      const ep = runAvoidExpertEpisode(env, routes[r], rng, opts.maxSteps);
      attempts++;
      if (filterAvoidEpisodes([ep], task).length === 1) {
        kept.push(ep);
        perRoute[r]++;
      }
      opts.onProgress?.(kept.length, attempts);
      if (attempts % 25 === 0) await yieldToEventLoop();
    }
  } finally {
    env.dispose();
  }
  return stackDemos(task, kept, attempts);
}

function stackDemos(task: AvoidTaskId, episodes: AvoidEpisode[], attempts: number): AvoidDemoSet {
  const T = episodes.reduce((a, e) => a + e.states.length / 4, 0);
  const states = new Float32Array(T * 4);
  const actions = new Float32Array(T * 2);
  const trajLengths = new Int32Array(episodes.length);
  const modes = new Int32Array(episodes.length);
  let t = 0;
  episodes.forEach((e, i) => {
    const L = e.states.length / 4;
    states.set(e.states, t * 4);
    actions.set(e.actions, t * 2);
    trajLengths[i] = L;
    modes[i] = e.modeBits;
    t += L;
  });
  const row3Modes: Record<string, number> = {};
  for (const m of modes) {
    const row3 = [5, 6, 7, 8].find((b) => (m >> b) & 1) ?? -1;
    row3Modes[`mode_${row3}`] = (row3Modes[`mode_${row3}`] ?? 0) + 1;
  }
  return { task, obsDim: 4, actDim: 2, states, actions, trajLengths, labels: modes, attempts, summary: { row3_modes: row3Modes } };
}

function shuffled(routes: readonly AvoidRoute[], rng: Rng): AvoidRoute[] {
  const out = [...routes];
  rng.shuffle(out);
  return out;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
