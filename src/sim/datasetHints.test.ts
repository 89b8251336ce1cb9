import { describe, expect, it } from 'vitest';
import { datasetObsKeyOrder, suggestTasksForDataset } from './registry';

describe('dataset → task suggestion through the registry', () => {
  it('dims must agree; an env name naming the task wins over dims alone', () => {
    const both = suggestTasksForDataset({ format: 'minari-hdf5', obsDim: 17, actDim: 6 });
    expect(both.map((m) => m.task).sort()).toEqual(['halfcheetah', 'walker2d']);
    const named = suggestTasksForDataset({ format: 'minari-hdf5', envName: 'mujoco/halfcheetah/expert-v0', obsDim: 17, actDim: 6 });
    expect(named[0].task).toBe('halfcheetah');
    expect(named[0].reason).toMatch(/env name "mujoco\/halfcheetah\/expert-v0"/);
    expect(suggestTasksForDataset({ format: 'd4rl-hdf5', fileName: 'hopper-medium-v2.hdf5', obsDim: 11, actDim: 3 })[0]).toMatchObject({ task: 'hopper', score: 2 });
    // The name says hopper but the dims are HalfCheetah's: no hopper suggestion.
    expect(suggestTasksForDataset({ format: 'd4rl-hdf5', envName: 'hopper-medium-v2', obsDim: 17, actDim: 6 }).map((m) => m.task)).not.toContain('hopper');
    expect(suggestTasksForDataset({ format: 'lerobot-parquet', obsDim: 123, actDim: 9 })).toEqual([]);
  });

  it('no family declares a robomimic key order yet: the reader keeps its reference order', () => {
    expect(datasetObsKeyOrder({ format: 'robomimic-hdf5', envName: 'Lift', available: ['object'] })).toBeNull();
  });
});
