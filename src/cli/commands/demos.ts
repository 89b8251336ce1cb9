/**
 * `dppo demos --task T --episodes N --out FILE.npz`: scripted-expert Avoid demonstrations in DPPO's format
 * (spec §6.1–6.3): FILE.npz (normalised states/actions, traj_lengths) and normalization.npz beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AVOID_TASKS, type AvoidTaskId } from '../../config/presets/avoid';
import { UserError } from '../../core/errors';
import { Rng } from '../../core/rng';
import { generateAvoidDemos } from '../../data/demos/avoidExpert';
import { saveDppoNpz } from '../../data/dppoNpz';
import type { Parsed } from '../args';
import type { Output } from '../output';

export async function cmdDemos(p: Parsed, out: Output): Promise<void> {
  const task = p.str('task') as AvoidTaskId;
  if (!(AVOID_TASKS as readonly string[]).includes(task)) throw new UserError(`demos supports ${AVOID_TASKS.join(', ')}; got "${task}"`);
  const episodes = p.num('episodes', 100);
  if (!Number.isInteger(episodes) || episodes < 2) throw new UserError(`--episodes must be an integer ≥ 2, got ${episodes}`);
  const outPath = p.str('out');
  const t0 = performance.now();
  const demos = await generateAvoidDemos(task, episodes, new Rng(p.num('seed', 0)), {
    onProgress: (kept: number, attempts: number) => {
      if (out.json && kept % 20 === 0) out.line({ progress: kept / episodes, kept, attempts });
    },
  });
  const files = saveDppoNpz(demos, demos.normalizer);
  mkdirSync(dirname(outPath) || '.', { recursive: true });
  writeFileSync(outPath, files.train);
  const normPath = join(dirname(outPath), 'normalization.npz');
  writeFileSync(normPath, files.normalization);
  const modeCounts: Record<string, number> = {};
  for (const m of demos.modes) {
    const row3 = [5, 6, 7, 8].find((b) => (m >> b) & 1) ?? -1;
    modeCounts[`mode_${row3}`] = (modeCounts[`mode_${row3}`] ?? 0) + 1;
  }
  out.summary({
    task,
    episodes: demos.trajLengths.length,
    steps: demos.states.length / demos.obsDim,
    attempts: demos.attempts,
    row3_modes: modeCounts,
    out: outPath,
    normalization: normPath,
    bytes: files.train.length + files.normalization.length,
    wall_s: (performance.now() - t0) / 1000,
  });
}
