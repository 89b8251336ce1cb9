import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { Normalizer } from '../policy/normalizer';
import { MjEnv } from './mjEnv';
import { loadMujoco, type Mujoco } from './mujoco';
import { getTask, makeEnv, taskIds } from './registry';
import { AvoidEnv } from './tasks/avoid/avoidEnv';
import { VectorEnv } from './vectorEnv';

let mj: Mujoco;
beforeAll(async () => {
  mj = await loadMujoco();
});

const Da = 2;
const Do = 4;

/** Normalizer with obs in [0, 1]-ish boxes and actions ±0.01 (like the Avoid data). */
function avoidNormalizer(): Normalizer {
  return new Normalizer({
    obsMin: Float32Array.of(0.2, -0.3, 0.2, -0.3),
    obsMax: Float32Array.of(0.8, 0.5, 0.8, 0.5),
    actionMin: Float32Array.of(-0.01, -0.01),
    actionMax: Float32Array.of(0.01, 0.01),
  });
}

describe('registry', () => {
  it('maps the three Avoid ids to the same avoiding-m5 env', async () => {
    expect(taskIds()).toEqual(['avoid-m1', 'avoid-m2', 'avoid-m3', 'two-goals']);
    for (const id of ['avoid-m1', 'avoid-m2', 'avoid-m3']) {
      const t = getTask(id);
      expect(t.referenceEnv).toBe('avoiding-m5');
      expect(t.spec).toMatchObject({ obsDim: 4, actDim: 2, maxEpisodeSteps: 100, bestRewardThresholdForSuccess: 2 });
      expect(t.spec.controlDt).toBeCloseTo(0.035, 12);
    }
    expect(() => getTask('hopper-v9')).toThrow(/Unknown task "hopper-v9"/);
    const e = await makeEnv('avoid-m1');
    expect(e.spec.taskId).toBe('avoid-m1');
    e.dispose();
  });
});

describe('VectorEnv', () => {
  let venv: VectorEnv;
  afterAll(() => venv?.dispose());

  it('sums the executed sub-step rewards, executes only actSteps of a longer chunk, and matches a single env', () => {
    const norm = avoidNormalizer();
    venv = new VectorEnv(mj, { taskId: 'avoid-m2', nEnvs: 2, actSteps: 4, normalizer: norm, seed: 0 });
    const obs0 = venv.reset();
    expect(obs0.length).toBe(2 * Do);
    const ref = new AvoidEnv(mj);
    const refObs = ref.reset(0);
    expect(Array.from(obs0.subarray(0, Do))).toEqual(Array.from(norm.normalizeObs(refObs)));

    const Ta = 8;
    const rng = new Rng(1);
    for (let c = 0; c < 6; c++) {
      const chunk = new Float32Array(2 * Ta * Da);
      for (let i = 0; i < chunk.length; i++) chunk[i] = rng.range(-1, 1);
      // Actions beyond actSteps must not be executed: make them absurd.
      for (let e = 0; e < 2; e++) for (let s = 4; s < Ta; s++) chunk.fill(1e6, (e * Ta + s) * Da, (e * Ta + s + 1) * Da);
      const res = venv.stepChunk(chunk, Ta);
      let refSum = 0;
      let last = refObs;
      for (let s = 0; s < 4; s++) {
        const r = ref.step(norm.unnormalizeAction(chunk.subarray(s * Da, (s + 1) * Da)));
        refSum += r.reward;
        last = r.obs;
        expect(res.trace![s * 2]).toBeCloseTo(r.obs[2], 6);
        expect(res.trace![s * 2 + 1]).toBeCloseTo(r.obs[3], 6);
      }
      expect(res.reward[0]).toBeCloseTo(refSum, 6);
      expect(Array.from(res.obs.subarray(0, Do))).toEqual(Array.from(norm.normalizeObs(last)));
      expect(res.trace!.length).toBe(2 * 4 * 2);
      expect(res.info[0].steps).toBe((c + 1) * 4);
    }
    ref.dispose();
  });

  it('truncates at 100 steps = the 25th chunk of 4 and auto-resets (obs = new first obs, info before reset)', () => {
    const v = new VectorEnv(mj, { taskId: 'avoid-m1', nEnvs: 2, actSteps: 4, seed: 5 });
    try {
      const first = v.reset();
      const zeros = new Float32Array(2 * 4 * Da);
      for (let c = 1; c <= 25; c++) {
        const res = v.stepChunk(zeros, 4);
        expect(Array.from(res.terminated)).toEqual([0, 0]);
        if (c < 25) {
          expect(Array.from(res.truncated)).toEqual([0, 0]);
        } else {
          expect(Array.from(res.truncated)).toEqual([1, 1]);
          expect(res.info[0].steps).toBe(100);
          expect(Array.from(res.obs)).toEqual(Array.from(first));
        }
      }
      const after = v.stepChunk(zeros, 4);
      expect(after.info[0].steps).toBe(4);
    } finally {
      v.dispose();
    }
  });

  it('stops a chunk early when the episode ends mid-chunk, repeating the last trace point', () => {
    const v = new VectorEnv(mj, { taskId: 'avoid-m3', nEnvs: 1, actSteps: 3, seed: 0, recordPaths: true });
    try {
      v.reset();
      const up = new Float32Array(3 * Da);
      for (let s = 0; s < 3; s++) up[s * Da] = 0.004;
      let res = v.stepChunk(up, 3);
      for (let c = 1; c < 33; c++) res = v.stepChunk(up, 3); // 99 steps
      expect(res.truncated[0]).toBe(0);
      res = v.stepChunk(up, 3); // step 100 is the first of this chunk
      expect(res.truncated[0]).toBe(1);
      expect(res.info[0].steps).toBe(100);
      const t = res.trace!;
      expect(t[2]).toBe(t[0]);
      expect(t[4]).toBe(t[0]);
      expect(t[5]).toBe(t[1]);
      const paths = v.takePaths();
      expect(paths.length).toBe(1);
      expect(paths[0].xy.length).toBe(2 * 101);
      expect(paths[0].truncated).toBe(true);
      expect(v.takePaths().length).toBe(0);
    } finally {
      v.dispose();
    }
  });

  it('validates shapes and frees every env on dispose', () => {
    const live = MjEnv.liveCount();
    const v = new VectorEnv(mj, { taskId: 'avoid-m2', nEnvs: 3, actSteps: 4, seed: 0 });
    expect(MjEnv.liveCount()).toBe(live + 3);
    expect(() => v.stepChunk(new Float32Array(3 * 4 * Da), 4)).toThrow(/reset/);
    v.reset();
    expect(() => v.stepChunk(new Float32Array(5), 4)).toThrow(/\[3, 4, 2\]/);
    expect(() => v.stepChunk(new Float32Array(3 * 2 * Da), 2)).toThrow(/shorter than actSteps/);
    v.dispose();
    v.dispose();
    expect(MjEnv.liveCount()).toBe(live);
    expect(() => v.reset()).toThrow(/after dispose/);
    expect(() => new VectorEnv(mj, { taskId: 'avoid-m2', nEnvs: 1, actSteps: 4, seed: 0, normalizer: new Normalizer({
      obsMin: new Float32Array(3), obsMax: new Float32Array(3), actionMin: new Float32Array(2), actionMax: new Float32Array(2),
    }) })).toThrow(/do not match/);
    expect(MjEnv.liveCount()).toBe(live);
  });
});
