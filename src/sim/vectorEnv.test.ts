import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { MjEnv } from './mjEnv';
import { loadMujoco, type Mujoco } from './mujoco';
import { getTask, taskFamily, taskIds } from './registry';
import { AvoidEnv } from './tasks/avoid/avoidEnv';
import { createVectorEnv, VectorEnv } from './vectorEnv';

let mj: Mujoco;
beforeAll(async () => {
  mj = await loadMujoco();
});

const Da = 2;
const Do = 4;

function avoidVec(taskId: string, nEnvs: number, actSteps: number, seed: number, maxEpisodeSteps?: number): VectorEnv {
  const family = taskFamily(taskId);
  return new VectorEnv({ taskId, nEnvs, actSteps, seed, maxEpisodeSteps }, (id) => family.createEnv(id, { mujoco: mj, maxEpisodeSteps }));
}

describe('registry', () => {
  it('maps the three Avoid ids to the same avoiding-m5 env, and task ids are data', () => {
    expect(taskIds()).toEqual(expect.arrayContaining(['avoid-m1', 'avoid-m2', 'avoid-m3', 'two-goals']));
    for (const id of ['avoid-m1', 'avoid-m2', 'avoid-m3']) {
      const t = getTask(id);
      expect(t.referenceEnv).toBe('avoiding-m5');
      expect(t.spec).toMatchObject({ obsDim: 4, actDim: 2, maxEpisodeSteps: 100, bestRewardThresholdForSuccess: 2 });
      expect(t.spec.controlDt).toBeCloseTo(0.035, 12);
      expect(taskFamily(id).family).toBe('avoid');
    }
    expect(() => getTask('hopper-v9')).toThrow(/Unknown task "hopper-v9"/);
  });

  it('every family declares what generic code needs: presets, networks of the right size, inspector defaults', () => {
    for (const id of taskIds()) {
      const f = taskFamily(id);
      const spec = getTask(id).spec;
      for (const preset of ['reference', 'laptop'] as const) {
        const cfg = f.presets[preset](id, 'dppo', 3);
        expect(cfg.task).toBe(id);
        expect(cfg.seed).toBe(3);
      }
      const actor = f.networks['diffusion-mlp'](id);
      expect([actor.obsDim, actor.actionDim]).toEqual([spec.obsDim, spec.actDim]);
      expect(f.networks.critic(id).obsDim).toBe(spec.obsDim);
      expect(f.inspector(id).startObs.length).toBe(spec.obsDim);
      expect(f.inspector(id).actionNames.length).toBe(spec.actDim);
      expect(spec.actLow.length).toBe(spec.actDim);
    }
  });
});

describe('VectorEnv', () => {
  it('sums the executed sub-step rewards, executes only actSteps of a longer chunk, and matches a single env', async () => {
    const venv = avoidVec('avoid-m2', 2, 4, 0);
    const ref = new AvoidEnv(mj);
    try {
      const obs0 = await venv.reset();
      expect(obs0.length).toBe(2 * Do);
      const refObs = ref.reset(0);
      expect(Array.from(obs0.subarray(0, Do))).toEqual(Array.from(refObs));
      expect(venv.traceDim).toBe(2);
      expect(venv.tagKeys).toEqual(['row3Mode', 'collided']);

      const Ta = 8;
      const rng = new Rng(1);
      for (let c = 0; c < 6; c++) {
        const chunk = new Float32Array(2 * Ta * Da);
        for (let i = 0; i < chunk.length; i++) chunk[i] = rng.range(-0.01, 0.01);
        // Actions beyond actSteps must not be executed: make them absurd.
        for (let e = 0; e < 2; e++) for (let s = 4; s < Ta; s++) chunk.fill(1e6, (e * Ta + s) * Da, (e * Ta + s + 1) * Da);
        const res = await venv.stepChunk(chunk, Ta);
        let refSum = 0;
        let last = refObs;
        for (let s = 0; s < 4; s++) {
          const r = ref.step(chunk.slice(s * Da, (s + 1) * Da));
          refSum += r.reward;
          last = r.obs;
          expect(res.trace[s * 2]).toBeCloseTo(r.obs[2], 6);
          expect(res.trace[s * 2 + 1]).toBeCloseTo(r.obs[3], 6);
        }
        expect(res.reward[0]).toBeCloseTo(refSum, 6);
        expect(Array.from(res.obs.subarray(0, Do))).toEqual(Array.from(last));
        expect(res.trace.length).toBe(2 * 4 * 2);
        expect(Array.from(res.executed)).toEqual([4, 4]);
        expect(res.tags.length).toBe(2 * 2);
      }
    } finally {
      ref.dispose();
      await venv.dispose();
    }
  });

  it('truncates at 100 steps = the 25th chunk of 4 and auto-resets (obs = new first obs)', async () => {
    const v = avoidVec('avoid-m1', 2, 4, 5);
    try {
      const first = await v.reset();
      const zeros = new Float32Array(2 * 4 * Da);
      for (let c = 1; c <= 25; c++) {
        const res = await v.stepChunk(zeros, 4);
        expect(Array.from(res.terminated)).toEqual([0, 0]);
        expect(Array.from(res.truncated)).toEqual(c < 25 ? [0, 0] : [1, 1]);
        if (c === 25) expect(Array.from(res.obs)).toEqual(Array.from(first));
      }
    } finally {
      await v.dispose();
    }
  });

  it('maxEpisodeSteps overrides the task horizon: episodes are truncated there', async () => {
    const v = await createVectorEnv({ taskId: 'two-goals', nEnvs: 3, actSteps: 4, seed: 0, maxEpisodeSteps: 6 });
    try {
      await v.reset();
      const a = new Float32Array(3 * 4 * Da);
      const r1 = await v.stepChunk(a, 4);
      expect(Array.from(r1.truncated)).toEqual([0, 0, 0]);
      const r2 = await v.stepChunk(a, 4); // steps 5–6: truncated at step 6, after 2 of the 4 actions
      expect(Array.from(r2.truncated)).toEqual([1, 1, 1]);
      expect(Array.from(r2.executed)).toEqual([2, 2, 2]);
      expect(v.maxEpisodeSteps).toBe(6);
    } finally {
      await v.dispose();
    }
  });

  it('stops a chunk early when the episode ends mid-chunk, repeating the last trace point', async () => {
    const v = avoidVec('avoid-m3', 1, 3, 0);
    try {
      await v.reset();
      const up = new Float32Array(3 * Da);
      for (let s = 0; s < 3; s++) up[s * Da] = 0.004;
      let res = await v.stepChunk(up, 3);
      for (let c = 1; c < 33; c++) res = await v.stepChunk(up, 3); // 99 steps
      expect(res.truncated[0]).toBe(0);
      res = await v.stepChunk(up, 3); // step 100 is the first of this chunk
      expect(res.truncated[0]).toBe(1);
      expect(res.executed[0]).toBe(1);
      const t = res.trace;
      expect(t[2]).toBe(t[0]);
      expect(t[4]).toBe(t[0]);
      expect(t[5]).toBe(t[1]);
    } finally {
      await v.dispose();
    }
  });

  it('validates shapes and frees every env on dispose', async () => {
    const live = MjEnv.liveCount();
    const v = avoidVec('avoid-m2', 3, 4, 0);
    expect(MjEnv.liveCount()).toBe(live + 3);
    await expect(v.stepChunk(new Float32Array(3 * 4 * Da), 4)).rejects.toThrow(/reset/);
    await v.reset();
    await expect(v.stepChunk(new Float32Array(5), 4)).rejects.toThrow(/\[3, 4, 2\]/);
    await expect(v.stepChunk(new Float32Array(3 * 2 * Da), 2)).rejects.toThrow(/shorter than actSteps/);
    await v.dispose();
    await v.dispose();
    expect(MjEnv.liveCount()).toBe(live);
    await expect(v.reset()).rejects.toThrow(/after dispose/);
    expect(() => avoidVec('avoid-m2', 0, 4, 0)).toThrow(/nEnvs/);
    expect(MjEnv.liveCount()).toBe(live);
  });
});
