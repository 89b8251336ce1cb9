/**
 * A pre-training job inside the train worker (the browser twin of `dppo pretrain`, cli/commands/pretrain.ts):
 * behaviour cloning of the task's policy network on a bundled demo dataset (spec/dppo-reference.md §6.5), then
 * the EMA checkpoint is kept in the worker as `session:<runId>` for fine-tuning and the inspector.
 */
import { UserError } from '../core/errors';
import { actorConfigFor } from '../sim/registry';
import type { NormalizationStats } from '../policy/normalizer';
import type { RunControl, TrainEventSink } from '../train/events';
import { BC_DEFAULTS, pretrainBc } from '../train/pretrainBc';
import type { TrainRequest } from './protocol';
import { keepSessionCheckpoint, loadBuiltinDataset } from './runAssets';

export type PretrainRequest = Extract<TrainRequest, { type: 'start-pretrain' }>;

/** Runs the job to its end, emitting progress/pretrain-epoch events and a closing 'done'. Throws on failure. */
export async function runPretrainJob(msg: PretrainRequest, emit: TrainEventSink, control: RunControl): Promise<void> {
  const actorConfig = actorConfigFor(msg.task, msg.policy);
  const epochs = Math.floor(msg.epochs);
  if (!(epochs >= 1)) throw new UserError(`Pre-training needs at least 1 epoch (got ${msg.epochs}).`);
  const dataRef = msg.data ? msg.data.name : (msg.dataset ?? `builtin:${msg.task}/train`);
  emit({ type: 'progress', phase: 'idle', itr: 0, fraction: 0, message: `loading ${dataRef}` });
  // A dataset the data worker read from a dropped file arrives already normalised (data/readers/analyze.ts).
  const ds = msg.data ? droppedDataset(msg.data) : await loadBuiltinDataset(dataRef);
  if (ds.obsDim !== actorConfig.obsDim || ds.actDim !== actorConfig.actionDim) {
    throw new UserError(`${dataRef} has obs dim ${ds.obsDim} and action dim ${ds.actDim}; the ${msg.policy} preset needs ${actorConfig.obsDim} and ${actorConfig.actionDim}.`);
  }
  const t0 = performance.now();
  const { checkpoint, finalLoss, epochsDone } = await pretrainBc({
    ...BC_DEFAULTS,
    actorConfig,
    dataset: { states: ds.obs, actions: ds.act, trajLengths: ds.episodeLengths },
    normalization: ds.normalization,
    epochs,
    batchSize: msg.batchSize ?? BC_DEFAULTS.batchSize,
    batchesPerEpoch: msg.batchesPerEpoch,
    seed: msg.seed,
    provenance: { command: 'workbench pretrain', task: msg.task, policy: msg.policy, data: dataRef },
    sink: emit,
    control,
  });
  const summary: Record<string, number | boolean | string> = {
    task: msg.task,
    policy: msg.policy,
    epochs: epochsDone,
    total_epochs: epochs,
    final_loss: finalLoss,
    wall_s: (performance.now() - t0) / 1000,
    stopped: control.stopped,
  };
  // A stop before the first full epoch leaves nothing worth fine-tuning from.
  if (epochsDone > 0) summary.checkpoint = keepSessionCheckpoint(msg.runId, checkpoint);
  emit({ type: 'done', summary });
}

/** The arrays of a dropped dataset in the shape the builtin loader returns (dims from the statistics). */
function droppedDataset(d: NonNullable<PretrainRequest['data']>): { obs: Float32Array; act: Float32Array; episodeLengths: Int32Array; normalization: NormalizationStats; obsDim: number; actDim: number } {
  const obsDim = d.normalization.obsMin.length;
  const actDim = d.normalization.actionMin.length;
  const T = d.trajLengths.reduce((a, b) => a + b, 0);
  if (d.states.length !== T * obsDim || d.actions.length !== T * actDim) {
    throw new UserError(`${d.name}: ${d.states.length} state and ${d.actions.length} action values do not fit ${T} steps of obs ${obsDim} / action ${actDim}.`);
  }
  return { obs: d.states, act: d.actions, episodeLengths: d.trajLengths, normalization: d.normalization, obsDim, actDim };
}
