/**
 * Episode metrics of one iteration (spec/dppo-reference.md §4.2), train and eval alike.
 *
 * Shape legend: T = nSteps (chunk steps per iteration), n = nEnvs; flat arrays are row-major.
 *
 * Episodes are delimited by the firsts markers [T+1, n] (firsts[t] = 1: an episode starts at chunk step t;
 * firsts[T] = 1: the last step ended one). Between consecutive markers s < e of one env lies the episode
 * covering steps s … e−1. Only such fully contained episodes count — the partial ones before the first
 * marker and after the last are ignored.
 *
 * Reference quirk reproduced: an episode is counted only when e − s > 1, i.e. one-chunk-step episodes are
 * dropped (DPPO `train_ppo_diffusion_agent.py`: `if end - start > 1`). §4.2 does not mention it.
 */
import { InternalError } from '../core/errors';

export interface EpisodeMetricsInput {
  /** Raw (unscaled) chunk rewards [T, n]: each is the sum over the executed act_steps sub-steps. */
  rewards: Float32Array;
  /** Episode-start markers [T+1, n]. */
  firsts: Uint8Array;
  nEnvs: number;
  /** Ta_exec (`act_steps`): best_reward = max chunk reward / actSteps. */
  actSteps: number;
  /** `best_reward_threshold_for_success`. */
  successThreshold: number;
  /** Furniture-style sparse reward: best_reward = the episode's summed reward (spec §4.2). */
  sparseReward?: boolean;
}

export interface EpisodeRecord {
  env: number;
  /** First chunk step of the episode. */
  start: number;
  /** Last chunk step (inclusive). */
  end: number;
  /** Σ chunk rewards. */
  episodeReturn: number;
  /** max chunk reward / actSteps (or episodeReturn when sparse). */
  bestReward: number;
  success: boolean;
}

export interface EpisodeMetrics {
  numEpisodes: number;
  /** Fraction of counted episodes with bestReward ≥ threshold; 0 when none. */
  successRate: number;
  /** Mean episode return; 0 when none. */
  avgReturn: number;
  /** Mean best reward; 0 when none. */
  avgBestReward: number;
  episodes: EpisodeRecord[];
}

export function episodeMetrics(input: EpisodeMetricsInput): EpisodeMetrics {
  const { rewards, firsts, nEnvs: n } = input;
  if (n < 1 || rewards.length % n !== 0 || firsts.length !== rewards.length + n) {
    throw new InternalError(
      `Episode metrics expect rewards [nSteps, ${n}] and firsts [nSteps+1, ${n}]; got ${rewards.length} and ${firsts.length} values.`,
    );
  }
  const T = rewards.length / n;
  const episodes: EpisodeRecord[] = [];
  for (let env = 0; env < n; env++) {
    let prevStart = -1;
    for (let t = 0; t <= T; t++) {
      if (firsts[t * n + env] !== 1) continue;
      if (prevStart >= 0 && t - prevStart > 1) episodes.push(summarise(input, env, prevStart, t - 1));
      prevStart = t;
    }
  }
  if (episodes.length === 0) return { numEpisodes: 0, successRate: 0, avgReturn: 0, avgBestReward: 0, episodes };

  let ret = 0;
  let best = 0;
  let succ = 0;
  for (const ep of episodes) {
    ret += ep.episodeReturn;
    best += ep.bestReward;
    if (ep.success) succ++;
  }
  const k = episodes.length;
  return { numEpisodes: k, successRate: succ / k, avgReturn: ret / k, avgBestReward: best / k, episodes };
}

/** One episode covering chunk steps start … end (inclusive) of `env`. */
function summarise(input: EpisodeMetricsInput, env: number, start: number, end: number): EpisodeRecord {
  const { rewards, nEnvs, actSteps, successThreshold, sparseReward = false } = input;
  let sum = 0;
  let best = -Infinity;
  for (let t = start; t <= end; t++) {
    const v = rewards[t * nEnvs + env];
    sum += v;
    if (v > best) best = v;
  }
  const bestReward = sparseReward ? sum : best / actSteps;
  return { env, start, end, episodeReturn: sum, bestReward, success: bestReward >= successThreshold };
}
