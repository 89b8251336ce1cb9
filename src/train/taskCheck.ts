/**
 * A checkpoint runs on a task only if its networks have the task's observation and action sizes. Checked
 * where a user pairs them (eval, fine-tuning, the inspector), so a wrong pair is a clear message naming both
 * instead of a shape error deep in a network.
 */
import { UserError } from '../core/errors';
import type { Checkpoint } from '../policy/checkpoint';
import { getTask } from '../sim/registry';

export function assertCheckpointFitsTask(checkpoint: Checkpoint, task: string, what = 'The checkpoint'): void {
  const spec = getTask(task).spec;
  const { obsDim, actionDim } = checkpoint.actorConfig;
  if (obsDim !== spec.obsDim || actionDim !== spec.actDim) {
    const trainedOn = typeof checkpoint.provenance.task === 'string' ? ` (it was trained on ${checkpoint.provenance.task})` : '';
    throw new UserError(`${what} has obs dim ${obsDim} and action dim ${actionDim}${trainedOn}, but task ${task} has ${spec.obsDim} and ${spec.actDim}: pick a checkpoint of ${task}.`);
  }
}
