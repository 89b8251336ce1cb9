/**
 * `dppo trace --task T --seed S --actions FILE.npy [--episodes N] [--max-episode-steps M] [--state reset|each] --json`: runs one
 * env of a task under given raw actions [T, Da] and prints what it sees — for parity checks against other
 * simulators (tests/parity) and for debugging a task.
 *
 * Lines (with --json, one object per line):
 *   - after each reset: `{episode, seed, qpos, qvel, obs}` (qpos/qvel only for tasks whose env has state());
 *   - per env step: `{step, episode, obs, reward, terminated, truncated}` (step = row of the actions file),
 *     with `--state each` also the `qpos`, `qvel` after the step (tests/parity re-syncs Gymnasium with them);
 *   - the summary: `{task, seed, steps, episodes, returns, ended, final: true}`.
 * An episode ends at its first terminated or truncated step. With --episodes N (default 1) the env then
 * resets with seed + k for episode k and goes on with the next actions, until N episodes ran or the
 * actions are used up; `ended` says which ('terminated', 'truncated' or 'actions').
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../../core/errors';
import { npyToFloat32, parseNpy } from '../../data/npy';
import { loadMujoco } from '../../sim/mujoco';
import { getTask, taskFamily } from '../../sim/registry';
import type { Env } from '../../sim/types';
import type { Parsed } from '../args';
import type { Output } from '../output';

function positiveInt(p: Parsed, key: string, fallback?: number): number | undefined {
  if (!p.opts.has(key) && fallback === undefined) return undefined;
  const v = p.num(key, fallback);
  if (!Number.isInteger(v) || v < 1) throw new UserError(`--${key} must be a positive integer, got ${v}`);
  return v;
}

export async function cmdTrace(p: Parsed, out: Output): Promise<void> {
  const task = p.str('task');
  const info = getTask(task);
  const family = taskFamily(task);
  const seed = p.num('seed', 0);
  if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got ${seed}`);
  const episodes = positiveInt(p, 'episodes', 1) as number;
  const maxEpisodeSteps = positiveInt(p, 'max-episode-steps');
  const stateMode = p.str('state', 'reset');
  if (stateMode !== 'reset' && stateMode !== 'each') throw new UserError(`--state must be reset or each, got "${stateMode}"`);
  const file = p.str('actions');
  if (!existsSync(file)) throw new UserError(`File not found: ${file}`);
  const arr = parseNpy(new Uint8Array(readFileSync(file)), file);
  const Da = info.spec.actDim;
  if (arr.shape.length !== 2 || arr.shape[1] !== Da) {
    throw new UserError(`${file}: actions must have shape [T, ${Da}] for ${task}, got (${arr.shape.join(', ')}).`);
  }
  const actions = npyToFloat32(arr);
  const T = arr.shape[0];

  const mujoco = family.needsMujoco ? await loadMujoco() : null;
  const env: Env = family.createEnv(task, { mujoco, maxEpisodeSteps });
  try {
    const returns: number[] = [];
    let episode = 0;
    let ended: 'terminated' | 'truncated' | 'actions' = 'actions';
    let steps = 0;
    const startEpisode = (): void => {
      const s = seed + episode;
      const obs = env.reset(s);
      const state = env.state?.();
      out.line({ episode, seed: s, ...(state ? { qpos: state.qpos, qvel: state.qvel } : {}), obs }, `episode ${episode} (seed ${s}) reset`);
      returns.push(0);
    };
    startEpisode();
    for (let t = 0; t < T; t++) {
      const r = env.step(actions.subarray(t * Da, (t + 1) * Da));
      steps++;
      returns[episode] += r.reward;
      const state = stateMode === 'each' ? env.state?.() : undefined;
      out.line(
        {
          step: t,
          episode,
          obs: r.obs,
          reward: r.reward,
          terminated: r.terminated,
          truncated: r.truncated,
          ...(state ? { qpos: state.qpos, qvel: state.qvel } : {}),
        },
        `step ${t}  reward ${r.reward.toFixed(4)}${r.terminated ? '  terminated' : ''}${r.truncated ? '  truncated' : ''}`,
      );
      if (r.terminated || r.truncated) {
        ended = r.terminated ? 'terminated' : 'truncated';
        if (episode + 1 >= episodes || t + 1 >= T) break;
        episode++;
        ended = 'actions';
        startEpisode();
      }
    }
    out.summary({
      task,
      reference_env: info.referenceEnv,
      seed,
      steps,
      actions: T,
      episodes: returns.length,
      returns,
      ended,
      note:
        ended === 'actions'
          ? `all ${steps} actions ran`
          : `stopped at step ${steps - 1}: episode ${episode} ${ended}${steps < T ? ` (${T - steps} actions unused; --episodes continues with a reset)` : ''}`,
    });
  } finally {
    env.dispose();
  }
}
