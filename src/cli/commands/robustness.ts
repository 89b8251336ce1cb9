/**
 * `dppo robustness`: the robustness study of paper Fig. 12 (src/train/robustness.ts) — each checkpoint
 * (default: the task's bundled diffusion and Gaussian policies) under Gaussian action noise of each σ (at the
 * task's own start distribution) and under each initial-state noise scale k (without action noise). With
 * --json one line per evaluated cell, then the summary with both tables; without, a side-by-side table.
 */
import { UserError } from '../../core/errors';
import { initTf } from '../../policy/tfSetup';
import { defaultCheckpointFor, initNoiseOf, taskSpec } from '../../sim/registry';
import { checkRobustnessSweeps, findCell, robustnessTable, runRobustness, type RobustnessPolicy } from '../../train/robustness';
import type { CommandSpec, Parsed } from '../args';
import { loadCheckpointRef, taskOfCheckpoint } from '../assets';
import { envFactory, WORKERS_OPTION } from '../envs';
import type { Output } from '../output';

const DEFAULT_SIGMAS = [0, 0.05, 0.1, 0.2];
const DEFAULT_INIT_SCALES = [1, 2, 4];

export const robustnessSpec: CommandSpec = {
  options: {
    task: { type: 'string', value: 'T', help: "task id (default: the first checkpoint's)" },
    ckpts: { type: 'string', value: 'A,B', help: "checkpoints to compare, comma-separated (default: the task's bundled diffusion-mlp and gaussian-mlp)" },
    sigmas: { type: 'string', value: 'σ,…', help: `action-noise std values, on normalised actions, at init scale 1 (default ${DEFAULT_SIGMAS.join(',')})` },
    'init-noise-scales': { type: 'string', value: 'k,…', help: `multipliers of the task's initial-state noise, at σ 0 (default ${DEFAULT_INIT_SCALES.join(',')}; 1 for tasks without start noise)` },
    episodes: { type: 'string', value: 'N', help: 'episodes per cell (default 10)' },
    seed: { type: 'string', value: 'S', help: 'seed, the same for every cell (default 0)' },
    'max-episode-steps': { type: 'string', value: 'M', help: "truncation horizon in env steps (default: the task's)" },
    backend: { type: 'string', value: 'B', help: 'tfjs backend (default wasm)' },
    workers: WORKERS_OPTION,
  },
};

/** A comma-separated list of numbers from option `--name`; a UserError naming the option and the bad item. */
export function numberList(p: Parsed, name: string, fallback: readonly number[]): number[] {
  if (!p.opts.has(name)) return [...fallback];
  const text = p.str(name);
  const items = text.split(',').map((s) => s.trim());
  return items.map((s) => {
    const v = s === '' ? Number.NaN : Number(s);
    if (!Number.isFinite(v)) throw new UserError(`--${name} takes comma-separated numbers, e.g. ${fallback.join(',')}; "${s}" in "${text}" is not one.`);
    return v;
  });
}

/** Distinct line names: the actor kind, with the ref added where two policies share a kind. */
function policyNames(refs: readonly string[], kinds: readonly string[]): string[] {
  return kinds.map((k, i) => (kinds.filter((x) => x === k).length > 1 ? `${k} (${refs[i]})` : k));
}

export async function cmdRobustness(p: Parsed, out: Output): Promise<void> {
  const refs = p.opts.has('ckpts') ? p.str('ckpts').split(',').map((s) => s.trim()) : null;
  if (refs && (refs.length === 0 || refs.some((r) => r === ''))) throw new UserError(`--ckpts takes comma-separated checkpoints, e.g. builtin:<task>/diffusion-mlp,builtin:<task>/gaussian-mlp; got "${p.str('ckpts')}".`);
  if (refs && new Set(refs).size !== refs.length) throw new UserError(`--ckpts names a checkpoint twice: ${refs.join(', ')}.`);
  if (!refs && !p.opts.has('task')) throw new UserError('dppo robustness needs --task T (or --ckpts A,B to compare given checkpoints).');
  const episodes = p.int('episodes', { min: 1, max: 100_000 }, 10);
  const seed = p.setting('seed', 'seed', 0);
  const maxEpisodeSteps = p.opts.has('max-episode-steps') ? p.int('max-episode-steps', { min: 1, max: 10_000_000 }) : undefined;
  const makeVecEnv = envFactory(p);

  const firstRef = refs?.[0];
  let task: string;
  const checkpoints = new Map<string, ReturnType<typeof loadCheckpointRef>>();
  if (p.opts.has('task')) task = p.str('task');
  else {
    const c = loadCheckpointRef(firstRef as string, '--ckpts');
    checkpoints.set(firstRef as string, c);
    task = taskOfCheckpoint(firstRef as string, c);
  }
  taskSpec(task);
  const sigmas = numberList(p, 'sigmas', DEFAULT_SIGMAS);
  const initNoiseScales = numberList(p, 'init-noise-scales', initNoiseOf(task) === null ? [1] : DEFAULT_INIT_SCALES);
  checkRobustnessSweeps(task, sigmas, initNoiseScales, { sigmas: '--sigmas', initNoiseScales: '--init-noise-scales' });

  const policyRefs = refs ?? [defaultCheckpointFor(task, 'dppo'), defaultCheckpointFor(task, 'gaussian')];
  const loaded = policyRefs.map((r) => checkpoints.get(r) ?? loadCheckpointRef(r, refs ? '--ckpts' : `the default checkpoint of ${task}`));
  const names = policyNames(policyRefs, loaded.map((c) => c.actorConfig.kind));
  const policies: RobustnessPolicy[] = loaded.map((checkpoint, i) => ({ name: names[i], ref: policyRefs[i], checkpoint }));

  await initTf(p.choice('backend', ['wasm', 'cpu'] as const, 'wasm'));
  const result = await runRobustness({
    task,
    policies,
    sigmas,
    initNoiseScales,
    episodes,
    seed,
    maxEpisodeSteps,
    makeVecEnv,
    onCell: (c) => out.line(c, `${c.policy}  σ ${c.action_noise}  init ×${c.init_noise_scale}: return ${c.avg_return.toFixed(1)}, success ${(100 * c.success_rate).toFixed(0)}% over ${c.episodes} episodes (${c.wall_s.toFixed(1)} s)`),
  });
  // Summary: per policy, the average return at each σ and at each k, aligned with `sigmas` and
  // `init_noise_scales` (the two curves of Fig. 12).
  const table = Object.fromEntries(
    result.policies.map((pol) => [
      pol.name,
      {
        ckpt: pol.ckpt,
        action_noise: sigmas.map((s) => findCell(result.cells, pol.name, s, 1)?.avg_return ?? null),
        init_noise_scale: initNoiseScales.map((k) => findCell(result.cells, pol.name, 0, k)?.avg_return ?? null),
      },
    ]),
  );
  out.line(
    {
      final: true,
      task,
      episodes,
      seed,
      sigmas,
      init_noise_scales: initNoiseScales,
      ...(maxEpisodeSteps !== undefined ? { max_episode_steps: maxEpisodeSteps } : {}),
      cells: result.cells.length,
      returns: table,
      wall_s: result.wall_s,
    },
    `\n${robustnessTable(result)}\n\n${result.cells.length} cells in ${result.wall_s.toFixed(1)} s`,
  );
}
