/**
 * `dppo demos --task T --episodes N --out FILE.npz`: scripted-expert demonstrations of a task (its family's
 * `demos`) in DPPO's format (spec §6.1–6.3): FILE.npz (normalised states/actions, traj_lengths) and
 * normalization.npz beside it, with the normaliser fitted on the kept data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../core/errors';
import { saveDppoNpz } from '../../data/dppoNpz';
import { Normalizer } from '../../policy/normalizer';
import { loadMujoco } from '../../sim/mujoco';
import { taskFamily, taskIds } from '../../sim/registry';
import type { CommandSpec, Parsed } from '../args';
import { checkOutputPath } from '../assets';
import type { Output } from '../output';

export const demosSpec: CommandSpec = {
  options: {
    task: { type: 'string', value: 'T', help: 'task id (one with a scripted expert)' },
    episodes: { type: 'string', value: 'N', help: 'demonstrations to keep (default 100, at least 2)' },
    out: { type: 'string', value: 'FILE.npz', help: 'where to write the dataset (normalization.npz goes beside it)' },
    seed: { type: 'string', value: 'S', help: 'seed (default 0)' },
  },
};

export async function cmdDemos(p: Parsed, out: Output): Promise<void> {
  const task = p.str('task');
  const family = taskFamily(task);
  if (!family.demos) {
    const withDemos = taskIds().filter((id) => taskFamily(id).demos);
    throw new UserError(`--task ${task} has no scripted expert; demos exist for ${withDemos.join(', ')}.`);
  }
  const episodes = p.int('episodes', { min: 2, max: 1_000_000 }, 100);
  const seed = p.setting('seed', 'seed', 0);
  const outPath = p.str('out');
  checkOutputPath(outPath, '--out');
  const t0 = performance.now();
  const mujoco = family.needsMujoco ? await loadMujoco() : null;
  const demos = await family.demos(task, episodes, seed, {
    ctx: { mujoco },
    onProgress: (kept: number, attempts: number) => {
      if (out.json && kept % 20 === 0) out.line({ progress: kept / episodes, kept, attempts });
    },
  });
  const normalizer = Normalizer.fit(demos.states, demos.obsDim, demos.actions, demos.actDim);
  const files = saveDppoNpz(demos, normalizer);
  mkdirSync(dirname(outPath) || '.', { recursive: true });
  writeFileSync(outPath, files.train);
  const normPath = join(dirname(outPath), 'normalization.npz');
  writeFileSync(normPath, files.normalization);
  out.summary({
    task,
    episodes: demos.trajLengths.length,
    steps: demos.states.length / demos.obsDim,
    attempts: demos.attempts,
    ...demos.summary,
    out: outPath,
    normalization: normPath,
    bytes: files.train.length + files.normalization.length,
    wall_s: (performance.now() - t0) / 1000,
  });
}
