/**
 * VecEnv snapshots (issue 10, resume without resetting envs): for every task whose env can snapshot itself,
 * a fresh vector env restored from a JSON round trip of another's snapshot continues bit for bit — same
 * observations, rewards, terminations, truncations, traces and auto-reset seeds — across episode ends.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { loadMujoco } from './mujoco';
import { getTask, taskIds } from './registry';
import type { ChunkStepResult, VecEnvSnapshot } from './types';
import { createVectorEnv } from './vectorEnv';

const n = 3;
const Te = 2;
const Ta = 3;

function actionsFor(taskId: string, rng: Rng): Float32Array {
  const { actDim, actLow, actHigh } = getTask(taskId).spec;
  const a = new Float32Array(n * Ta * actDim);
  for (let i = 0; i < a.length; i++) a[i] = rng.range(actLow[i % actDim], actHigh[i % actDim]);
  return a;
}

const fields = (r: ChunkStepResult) => [r.obs, r.reward, r.terminated, r.truncated, r.executed, r.trace, r.tags].map((x) => Array.from(x));

describe('VecEnv snapshot / restore', () => {
  beforeAll(async () => {
    await loadMujoco();
  });

  it('continues bit for bit for every task whose env snapshots', async () => {
    let covered = 0;
    for (const taskId of taskIds()) {
      const opts = { taskId, nEnvs: n, actSteps: Te, seed: 11, maxEpisodeSteps: 9 };
      const a = await createVectorEnv(opts);
      const b = await createVectorEnv(opts);
      try {
        await a.reset();
        const rng = new Rng(4);
        for (let k = 0; k < 3; k++) await a.stepChunk(actionsFor(taskId, rng), Ta);
        const snap = JSON.parse(JSON.stringify(await a.snapshot())) as VecEnvSnapshot;
        if (snap.envs.some((e) => e === null)) continue; // this task's env keeps no snapshot (runs reset at every iteration)
        covered++;
        await b.reset();
        await b.stepChunk(actionsFor(taskId, new Rng(99)), Ta); // somewhere else entirely
        await b.restore(snap);
        // 8 more chunks of 2 steps cross the 9-step episode end (auto-reset with the next seeds).
        let resets = 0;
        for (let k = 0; k < 8; k++) {
          const act = actionsFor(taskId, rng);
          const ra = await a.stepChunk(act, Ta);
          const rb = await b.stepChunk(act, Ta);
          expect(fields(rb), `${taskId} chunk ${k}`).toEqual(fields(ra));
          resets += ra.truncated.reduce((s, x) => s + x, 0) + ra.terminated.reduce((s, x) => s + x, 0);
        }
        expect(resets).toBeGreaterThan(0);
        expect(await b.snapshot()).toEqual(await a.snapshot());
      } finally {
        await a.dispose();
        await b.dispose();
      }
    }
    expect(covered).toBeGreaterThanOrEqual(2);
  });

  it('refuses a snapshot of another task or size', async () => {
    const ids = taskIds();
    const a = await createVectorEnv({ taskId: ids[0], nEnvs: n, actSteps: Te, seed: 1 });
    const b = await createVectorEnv({ taskId: ids[0], nEnvs: n + 1, actSteps: Te, seed: 1 });
    try {
      await a.reset();
      await b.reset();
      const snap = await a.snapshot();
      await expect(b.restore(snap)).rejects.toThrow(/saved env state is for 3 envs/);
      await expect(a.restore({ ...snap, taskId: 'not-a-task' })).rejects.toThrow(/this run has 3 envs/);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
});
