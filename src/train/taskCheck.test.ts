import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../policy/checkpoint';
import { taskFamily } from '../sim/registry';
import { evaluate } from './evaluate';
import { assertCheckpointFitsTask } from './taskCheck';

/** Only what the check reads: the actor's sizes and the provenance. */
function fakeCheckpoint(task: string): Checkpoint {
  return { actorConfig: taskFamily(task).networks['diffusion-mlp'](task), normalization: undefined, weights: new Map(), provenance: { task } } as unknown as Checkpoint;
}

describe('checkpoint ↔ task', () => {
  it('accepts a checkpoint of the task and names both sides of a mismatch', async () => {
    expect(() => assertCheckpointFitsTask(fakeCheckpoint('avoid-m2'), 'avoid-m1')).not.toThrow();
    expect(() => assertCheckpointFitsTask(fakeCheckpoint('avoid-m2'), 'two-goals')).toThrow(
      /obs dim 4 and action dim 2 \(it was trained on avoid-m2\), but task two-goals has 2 and 2/,
    );
    await expect(evaluate({ task: 'two-goals', checkpoint: fakeCheckpoint('avoid-m2'), episodes: 1, seed: 0 })).rejects.toThrow(/pick a checkpoint of two-goals/);
  });
});
