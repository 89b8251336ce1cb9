/** DPPO's train.npz (+ normalization.npz) behind the reader interface (dppoNpz.ts does the parsing). */
import { loadDppoNpz } from '../dppoNpz';
import type { Progress } from './progress';
import { readAll, type ByteSource } from './source';
import type { ReadOptions, ReadResult } from './types';

export async function readDppoNpz(src: ByteSource, opts: ReadOptions, progress: Progress): Promise<ReadResult> {
  await progress.tick('reading the archive', 0, 2, true);
  const train = await readAll(src);
  const norm = opts.normalization ? await readAll(opts.normalization) : undefined;
  const dataset = loadDppoNpz(train, norm, { train: src.name, normalization: opts.normalization?.name ?? 'normalization.npz' });
  await progress.tick('done', 2, 2, true);
  const notes = ['states and actions are already normalised to [−1, 1] (DPPO train.npz)'];
  if (!norm) notes.push('no normalization.npz given: raw units (and un-normalised actions) are unknown');
  return {
    format: 'dppo-npz',
    dataset,
    mapping: { obs: [{ key: 'states', dims: dataset.obsDim }], act: 'actions', rew: dataset.rew ? 'rewards' : undefined, ends: ['traj_lengths'] },
    hint: { format: 'dppo-npz', obsDim: dataset.obsDim, actDim: dataset.actDim },
    notes,
  };
}
