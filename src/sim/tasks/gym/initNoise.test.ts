/**
 * The initial-state noise multiplier (VecEnvOptions.initNoiseScale → EnvContext → GymEnv), the wider start
 * distribution of the robustness study (paper Fig. 12). Hand-checkable: Hopper's reset draws
 * qpos = qpos0 + U(±0.005) and qvel = U(±0.005) (Gymnasium reset_noise_scale), so with scale k every draw
 * lies in ±k·0.005, the widest of 200 seeds comes within a few % of that bound, and one seed gives the
 * same draws times k.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../core/errors';
import { loadMujoco, type Mujoco } from '../../mujoco';
import { checkInitNoiseScale, initNoiseOf } from '../../registry';
import { createVectorEnv } from '../../vectorEnv';
import type { GymEnv } from './gymEnv';
import { gymFamily } from './index';

let mj: Mujoco;
const envs: GymEnv[] = [];
beforeAll(async () => {
  mj = await loadMujoco();
});
afterAll(() => {
  for (const e of envs) e.dispose();
});

function make(id: 'hopper' | 'halfcheetah', initNoiseScale?: number): GymEnv {
  const env = gymFamily.createEnv(id, { mujoco: mj, initNoiseScale }) as GymEnv;
  envs.push(env);
  return env;
}

/** Largest |qpos − qpos0| and |qvel| over the starts of seeds 0..n−1. */
function spread(env: GymEnv, n: number): { qpos: number; qvel: number } {
  const qpos0 = env.model.qpos0 as Float64Array;
  let qpos = 0;
  let qvel = 0;
  for (let seed = 0; seed < n; seed++) {
    env.reset(seed);
    const s = env.state();
    for (let i = 0; i < s.qpos.length; i++) qpos = Math.max(qpos, Math.abs(s.qpos[i] - qpos0[i]));
    for (let i = 0; i < s.qvel.length; i++) qvel = Math.max(qvel, Math.abs(s.qvel[i]));
  }
  return { qpos, qvel };
}

describe('Gym initial-state noise scale', () => {
  it('widens Hopper\'s uniform start noise from ±0.005 to ±k·0.005', () => {
    for (const k of [1, 2, 4]) {
      const s = spread(make('hopper', k), 200);
      // 200 seeds × 6 uniform draws: the widest is within 3 % of the bound (P(miss) < 1e-15), never past it.
      expect(s.qpos).toBeLessThanOrEqual(k * 0.005);
      expect(s.qpos).toBeGreaterThan(0.97 * k * 0.005);
      expect(s.qvel).toBeLessThanOrEqual(k * 0.005);
      expect(s.qvel).toBeGreaterThan(0.97 * k * 0.005);
    }
  });

  it('scales the same draws: one seed at scale k starts k times as far from qpos0 (HalfCheetah\'s normal qvel too)', () => {
    for (const id of ['hopper', 'halfcheetah'] as const) {
      const one = make(id, 1);
      const four = make(id, 4);
      const zero = make(id, 0);
      const qpos0 = one.model.qpos0 as Float64Array;
      one.reset(7);
      four.reset(7);
      zero.reset(7);
      const a = one.state();
      const b = four.state();
      const z = zero.state();
      for (let i = 0; i < a.qpos.length; i++) {
        expect(b.qpos[i] - qpos0[i]).toBeCloseTo(4 * (a.qpos[i] - qpos0[i]), 12);
        expect(z.qpos[i] - qpos0[i]).toBeCloseTo(0, 15);
      }
      for (let i = 0; i < a.qvel.length; i++) {
        expect(b.qvel[i]).toBeCloseTo(4 * a.qvel[i], 12);
        expect(Math.abs(z.qvel[i])).toBe(0);
      }
    }
  });

  it('is carried by the vector env options to every env (default 1 = the task\'s own start)', async () => {
    const base = await createVectorEnv({ taskId: 'hopper', nEnvs: 3, actSteps: 1, seed: 5 });
    const same = await createVectorEnv({ taskId: 'hopper', nEnvs: 3, actSteps: 1, seed: 5, initNoiseScale: 1 });
    const wide = await createVectorEnv({ taskId: 'hopper', nEnvs: 3, actSteps: 1, seed: 5, initNoiseScale: 3 });
    try {
      const o1 = await base.reset();
      expect(await same.reset()).toEqual(o1);
      const o3 = await wide.reset();
      // obs = [qpos[1:], qvel]; Hopper's qpos0[1:] = [1.25, 0, 0, 0, 0].
      const rest = [1.25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
      for (let i = 0; i < o1.length; i++) expect(o3[i] - rest[i % 11]).toBeCloseTo(3 * (o1[i] - rest[i % 11]), 6);
    } finally {
      await Promise.all([base.dispose(), same.dispose(), wide.dispose()]);
    }
  });

  it('is refused with the task named where the family has no initial-state noise, and out of range anywhere', async () => {
    expect(initNoiseOf('hopper')).toMatch(/reset_noise_scale/);
    expect(initNoiseOf('avoid-m2')).toBeNull();
    expect(() => checkInitNoiseScale('avoid-m2', 1)).not.toThrow();
    expect(() => checkInitNoiseScale('avoid-m2', 2)).toThrow(UserError);
    expect(() => checkInitNoiseScale('avoid-m2', 2)).toThrow(/avoid-m2/);
    await expect(createVectorEnv({ taskId: 'avoid-m2', nEnvs: 1, actSteps: 1, seed: 0, initNoiseScale: 2 })).rejects.toThrow(/Task "avoid-m2".*no initial-state noise/);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1e6]) expect(() => checkInitNoiseScale('hopper', bad)).toThrow(/from 0 to/);
  });
});
