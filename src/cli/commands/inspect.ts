/**
 * `dppo inspect FILE [--json]`: one summary line for a dataset or a checkpoint, the kind told by content
 * (src/data/readers/detect.ts), never by file name.
 *   datasets:    format, episodes, steps, obs_dim, act_dim, lengths {min, median, mean, max}, the suggested
 *                task (task registry) and the key mapping used;
 *   checkpoints: format, params, obs_dim, act_dim, horizon and the source key (inspectCheckpoint below).
 * Any bad file is a UserError: one {"error": …} line, exit 1, no stack trace.
 */
import { UserError } from '../../core/errors';
import { bundledDatasets, datasetObsKeyOrder, isBuiltin, resolveBuiltin, suggestTasksForDataset } from '../../sim/registry';
import { decodeCheckpoint } from '../../policy/checkpoint';
import { readDataset, sniffFile, sourceFromBytes, summarizeRead, type CheckpointContainer, type ReadResult } from '../../data/readers';
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
  const sniffed = await sniffFile(src);
  if (sniffed.kind === 'checkpoint') {
    out.summary({ file: ref, kind: 'checkpoint', bytes: bytes.length, ...inspectCheckpoint(bytes, ref, sniffed.container) });
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

/**
 * The checkpoint half. The checkpoint importer (src/data/checkpoints: safetensors with DPPO key names, .pt,
 * ONNX, TF.js) replaces this body with its inspectCheckpointBytes once it lands; until then our own
 * safetensors (policy/checkpoint.ts) are described and the other containers are named.
 */
function inspectCheckpoint(bytes: Uint8Array, ref: string, container: CheckpointContainer): Record<string, unknown> {
  if (container !== 'safetensors') {
    throw new UserError(`${ref} is a checkpoint (${container}); this build's inspect reads the workbench's safetensors checkpoints only.`);
  }
  const ckpt = decodeCheckpoint(bytes);
  let params = 0;
  for (const w of ckpt.weights.values()) params += w.data.length;
  const c = ckpt.actorConfig;
  return {
    format: 'safetensors',
    params,
    obs_dim: c.obsDim,
    act_dim: c.actionDim,
    horizon: c.horizonSteps,
    source_key: 'actor',
    policy: c.kind,
    critic: !!ckpt.criticConfig,
    tensors: ckpt.weights.size,
    normalization: ckpt.normalization,
    provenance: ckpt.provenance,
  };
}
