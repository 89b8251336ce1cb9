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
import { UserError } from '../../core/errors';
import { npyToFloat32, parseNpy } from '../../data/npy';
import { loadMujoco } from '../../sim/mujoco';
import { getTask, taskFamily } from '../../sim/registry';
import type { Env } from '../../sim/types';
import type { CommandSpec, Parsed } from '../args';
import { readInputFile } from '../assets';
import type { Output } from '../output';

export const traceSpec: CommandSpec = {
  options: {
    task: { type: 'string', value: 'T', help: 'task id' },
    seed: { type: 'string', value: 'S', help: 'reset seed of the first episode (episode k: S + k; default 0)' },
    actions: { type: 'string', value: 'FILE.npy', help: 'raw actions [T, Da] (float32 or float64)' },
    episodes: { type: 'string', value: 'N', help: 'episodes to run before stopping (default 1)' },
    'max-episode-steps': { type: 'string', value: 'M', help: "truncation horizon (default: the task's)" },
    state: { type: 'string', value: 'reset|each', help: 'print qpos/qvel after each reset (default) or after every step' },
  },
};

export async function cmdTrace(p: Parsed, out: Output): Promise<void> {
  const task = p.str('task');
  const info = getTask(task);
  const family = taskFamily(task);
  const seed = p.setting('seed', 'seed', 0);
  const episodes = p.int('episodes', { min: 1, max: 1_000_000 }, 1);
  const maxEpisodeSteps = p.opts.has('max-episode-steps') ? p.int('max-episode-steps', { min: 1, max: 10_000_000 }) : undefined;
  const stateMode = p.choice('state', ['reset', 'each'] as const, 'reset');
  const file = p.str('actions');
  const arr = parseNpy(readInputFile(file, '--actions', 'npy'), file);
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
