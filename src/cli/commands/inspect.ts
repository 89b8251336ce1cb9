/**
 * `dppo inspect FILE [--json]`: one summary line for a dataset or a checkpoint, the kind told by content
 * (src/data/readers/detect.ts), never by file name.
 *   datasets:    format, episodes, steps, obs_dim, act_dim, lengths {min, median, mean, max}, the suggested
 *                task (task registry) and the key mapping used;
 *   checkpoints: format, params, obs_dim, act_dim, horizon and the source key (src/data/checkpoints
 *                inspectCheckpointBytes: safetensors, DPPO .pt, ONNX, TF.js).
 * Any bad file is a UserError: one {"error": …} line, exit 1, no stack trace.
 */
import { UserError } from '../../core/errors';
import { bundledDatasets, datasetObsKeyOrder, isBuiltin, resolveBuiltin, suggestTasksForDataset } from '../../sim/registry';
import { inspectCheckpointBytes, sniffCheckpointFormat } from '../../data/checkpoints';
import { readDataset, sniffFile, sourceFromBytes, summarizeRead, type ReadResult } from '../../data/readers';
import type { CommandSpec, Parsed } from '../args';
import { readAsset, readInputFile } from '../assets';
import type { Output } from '../output';

export const inspectSpec: CommandSpec = {
  positionals: ['FILE'],
  options: {
    normalization: { type: 'string', value: 'FILE', help: "DPPO datasets: the normalization.npz that goes with train.npz (bundled datasets find theirs)" },
    filter: { type: 'string', value: 'KEY', help: 'robomimic: read only the demos listed in mask/KEY (e.g. train, valid)' },
  },
};

export async function cmdInspect(p: Parsed, out: Output): Promise<void> {
  const ref = p.positional[0];
  if (!ref) throw new UserError('inspect needs a file: a dataset (HDF5, parquet, .npz) or a checkpoint.');
  const bytes = isBuiltin(ref) ? readAsset(ref) : readInputFile(ref, 'inspect', null);
  const src = sourceFromBytes(bytes, ref);
  // Checkpoints first (the importer's own sniffing: safetensors, .pt zip/pickle, ONNX, TF.js JSON), then datasets.
  if (sniffCheckpointFormat(bytes) !== null || (await sniffFile(src)).kind === 'checkpoint') {
    out.summary({ file: ref, kind: 'checkpoint', bytes: bytes.length, ...inspectCheckpoint(bytes, ref) });
    return;
  }
  let normRef = p.opts.get('normalization');
  if (!normRef && isBuiltin(ref)) {
    const asset = resolveBuiltin(ref);
    normRef = bundledDatasets().find((a) => a.task === asset.task && a.kind === 'normalization')?.id;
  }
  const normalization = normRef ? sourceFromBytes(isBuiltin(normRef) ? readAsset(normRef) : readInputFile(normRef, '--normalization', 'npz'), normRef) : undefined;
  const r = await readDataset(src, { normalization, filterKey: p.opts.get('filter'), obsKeyOrder: datasetObsKeyOrder });
  // A bundled dataset belongs to its task: that is the best name hint there is.
  if (isBuiltin(ref)) r.hint.envName ??= resolveBuiltin(ref).task;
  out.summary({ file: ref, kind: 'dataset', bytes: bytes.length, ...datasetSummary(r) });
}

/** The dataset half of the summary line, with the registry's suggested task. */
export function datasetSummary(r: ReadResult): Record<string, unknown> {
  const matches = suggestTasksForDataset(r.hint);
  const { notes, key_mapping, filter_keys, filter, ...head } = summarizeRead(r);
  return {
    ...head,
    suggested_task: matches[0]?.task ?? null,
    task_reason: matches[0]?.reason ?? 'no registered task has these obs/action dims',
    other_tasks: matches.slice(1).map((m) => m.task),
    key_mapping,
    filter_keys,
    filter,
    notes,
  };
}

/** The checkpoint half: the checkpoint importer's summary (format, params, dims, horizon, source key). */
function inspectCheckpoint(bytes: Uint8Array, ref: string): Record<string, unknown> {
  try {
    return { ...inspectCheckpointBytes(bytes) };
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${ref}: ${e.message}`);
    throw e;
  }
}
