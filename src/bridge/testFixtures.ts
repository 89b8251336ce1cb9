/**
 * Test fixtures for bridge runs (Vitest and e2e; never imported by the app): a freshly initialised,
 * seeded checkpoint for a task's network, since the Gym tasks ship no pre-trained one. Call after initTf.
 */
import { Rng } from '../core/rng';
import { encodeCheckpoint } from '../policy/checkpoint';
import { buildPolicy } from '../policy/index';
import { actorConfigFor, getTask } from '../sim/registry';

/** Checkpoint bytes of an untrained `kind` policy for `task`, normalising obs from [−10, 10] and actions from the task's bounds. */
export function untrainedCheckpoint(task: string, kind = 'diffusion-mlp', seed = 1): Uint8Array {
  const actorConfig = actorConfigFor(task, kind);
  const spec = getTask(task).spec;
  const policy = buildPolicy(actorConfig, new Rng(seed));
  try {
    return encodeCheckpoint({
      actorConfig,
      normalization: {
        obsMin: new Float32Array(spec.obsDim).fill(-10),
        obsMax: new Float32Array(spec.obsDim).fill(10),
        actionMin: Float32Array.from(spec.actLow),
        actionMax: Float32Array.from(spec.actHigh),
      },
      weights: policy.namedWeights(),
      provenance: { task, command: 'untrainedCheckpoint (test fixture)' },
    });
  } finally {
    policy.dispose();
  }
}
