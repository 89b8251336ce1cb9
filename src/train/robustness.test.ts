/**
 * The robustness study's engine (train/robustness.ts): the grid of cells, cancellation that ends within a
 * cell (the UI's Cancel) and the refusals that come before any evaluation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { decodeCheckpoint, type Checkpoint } from '../policy/checkpoint';
import { initTf } from '../policy/tfSetup';
import type { RunControl } from './events';
import { robustnessGrid, robustnessTable, runRobustness, type RobustnessCell } from './robustness';

const load = (task: string, name: string): Checkpoint => decodeCheckpoint(new Uint8Array(readFileSync(join(process.cwd(), 'public/checkpoints', task, `${name}.safetensors`))));

beforeAll(async () => {
  await initTf('cpu');
});

describe('robustness study', () => {
  it('evaluates (σ, 1) for every σ, then (0, k) for every k, the shared (0, 1) cell once', () => {
    expect(robustnessGrid([0, 0.1, 0.2], [1, 2, 4])).toEqual([
      { actionNoise: 0, initNoiseScale: 1 },
      { actionNoise: 0.1, initNoiseScale: 1 },
      { actionNoise: 0.2, initNoiseScale: 1 },
      { actionNoise: 0, initNoiseScale: 2 },
      { actionNoise: 0, initNoiseScale: 4 },
    ]);
    // Without σ 0 in the list, the init sweep still has its own k = 1 point.
    expect(robustnessGrid([0.1], [1])).toEqual([{ actionNoise: 0.1, initNoiseScale: 1 }, { actionNoise: 0, initNoiseScale: 1 }]);
  });

  it('stops inside a cell when cancelled and keeps only the finished cells', async () => {
    let stopped = false;
    let steps = 0;
    const control: RunControl = {
      checkpoint: async () => {
        steps++;
      },
      get stopped() {
        return stopped;
      },
      pausedMs: 0,
    };
    const cells: RobustnessCell[] = [];
    const result = await runRobustness({
      task: 'hopper',
      policies: [{ name: 'gaussian-mlp', ref: 'builtin:hopper/gaussian-mlp', checkpoint: load('hopper', 'gaussian-mlp') }],
      sigmas: [0, 0.2],
      initNoiseScales: [1],
      episodes: 1,
      seed: 0,
      maxEpisodeSteps: 400,
      control,
      onCell: (c) => cells.push(c),
      onProgress: (f) => {
        // Cancel a few chunk steps into the second cell.
        if (cells.length === 1 && f > 0.5 + 0.01) stopped = true;
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.cells).toHaveLength(1);
    expect(cells).toEqual(result.cells);
    expect(result.cells[0]).toMatchObject({ action_noise: 0, init_noise_scale: 1, episodes: 1 });
    // The second cell was abandoned well before its 400 / Te chunk steps.
    const chunksPerCell = Math.ceil(400 / load('hopper', 'gaussian-mlp').actorConfig.actSteps);
    expect(steps).toBeLessThan(chunksPerCell + chunksPerCell / 2);
    expect(robustnessTable(result)).toMatch(/0\.2 +–/);
  }, 60_000);

  it('refuses a checkpoint of another task, an empty sweep and a task without start noise before evaluating', async () => {
    const base = { task: 'hopper', sigmas: [0], initNoiseScales: [1], episodes: 1, seed: 0 };
    const gauss = { name: 'g', ref: 'builtin:hopper/gaussian-mlp', checkpoint: load('hopper', 'gaussian-mlp') };
    await expect(runRobustness({ ...base, policies: [{ name: 'a', ref: 'builtin:avoid-m1/gaussian-mlp', checkpoint: load('avoid-m1', 'gaussian-mlp') }] })).rejects.toThrow(/trained on avoid-m1, not hopper/);
    await expect(runRobustness({ ...base, policies: [gauss], sigmas: [] })).rejects.toThrow(UserError);
    await expect(runRobustness({ ...base, task: 'avoid-m1', policies: [{ ...gauss, checkpoint: load('avoid-m1', 'gaussian-mlp') }], initNoiseScales: [1, 2] })).rejects.toThrow(/avoid-m1.*no initial-state noise/);
  });
});
