/**
 * Gym locomotion envs (spec/dppo-reference.md §7.1; Gymnasium v4 semantics). Step-by-step agreement with
 * Gymnasium itself is tests/parity/test_gym_parity.py; these tests pin the contract in Node alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng';
import { MjEnv } from '../../mjEnv';
import { loadMujoco, type Mujoco } from '../../mujoco';
import { GymEnv, GYM_MAX_EPISODE_STEPS, isHealthy, type GymInfo } from './gymEnv';
import { gymFamily, gymIdleAction, gymInspector } from './index';
import { GYM_TASK_DEFS, GYM_TASKS, gymRestObs, type GymTaskId } from './tasks';

let mj: Mujoco;
beforeAll(async () => {
  mj = await loadMujoco();
});

const envs: GymEnv[] = [];
function make(id: GymTaskId, maxEpisodeSteps?: number): GymEnv {
  const env = gymFamily.createEnv(id, { mujoco: mj, maxEpisodeSteps }) as GymEnv;
  envs.push(env);
  return env;
}
afterAll(() => {
  for (const e of envs) e.dispose();
});

function randomAction(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.range(-1, 1);
  return a;
}

const EXPECTED = {
  hopper: { obs: 11, act: 3, nq: 6, dt: 0.008, frameSkip: 4 },
  walker2d: { obs: 17, act: 6, nq: 9, dt: 0.008, frameSkip: 4 },
  halfcheetah: { obs: 17, act: 6, nq: 9, dt: 0.05, frameSkip: 5 },
} as const;

describe.each(GYM_TASKS)('%s', (id) => {
  const want = EXPECTED[id];

  it('has the Gym dims, bounds, control dt and horizon', () => {
    const env = make(id);
    expect(env.spec).toMatchObject({ taskId: id, obsDim: want.obs, actDim: want.act, maxEpisodeSteps: 1000, bestRewardThresholdForSuccess: 3 });
    expect(env.spec.controlDt).toBeCloseTo(want.dt, 15);
    expect(env.spec.actLow).toEqual(new Array(want.act).fill(-1));
    expect(env.spec.actHigh).toEqual(new Array(want.act).fill(1));
    expect(env.model.nq).toBe(want.nq);
    expect(env.model.nv).toBe(want.nq);
    expect(env.model.nu).toBe(want.act);
    expect(gymFamily.frameSkip?.(id)).toBe(want.frameSkip);
    expect(gymFamily.tasks.find((t) => t.id === id)?.spec).toEqual(env.spec);
    const obs = env.reset(0);
    expect(obs).toBeInstanceOf(Float32Array);
    expect(obs.length).toBe(want.obs);
    const s = env.state();
    expect(s.qpos.length).toBe(want.nq);
    expect(s.qvel.length).toBe(want.nq);
  });

  it('draws the reset noise from the seed: same seed → same start, other seeds differ, within Gymnasium v4 scales', () => {
    const env = make(id);
    const def = GYM_TASK_DEFS[id];
    const a = env.reset(7);
    const sa = env.state();
    const b = env.reset(7);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(env.state().qpos)).toEqual(Array.from(sa.qpos));
    const c = env.reset(8);
    expect(Array.from(c)).not.toEqual(Array.from(a));

    // Over many seeds: qpos − qpos0 is U(±s) for every task; qvel is U(±s) (walkers) or s·N(0, 1) (cheetah).
    const s = def.resetNoiseScale;
    const qpos0 = Float64Array.from(env.model.qpos0 as Float64Array);
    let maxQpos = 0;
    let maxQvel = 0;
    let sumSqQvel = 0;
    let n = 0;
    for (let seed = 0; seed < 200; seed++) {
      env.reset(seed);
      const st = env.state();
      for (let i = 0; i < st.qpos.length; i++) maxQpos = Math.max(maxQpos, Math.abs(st.qpos[i] - qpos0[i]));
      for (const v of st.qvel) {
        maxQvel = Math.max(maxQvel, Math.abs(v));
        sumSqQvel += v * v;
        n++;
      }
    }
    expect(maxQpos).toBeLessThanOrEqual(s);
    expect(maxQpos).toBeGreaterThan(0.9 * s);
    if (def.qvelNoise === 'uniform') {
      expect(maxQvel).toBeLessThanOrEqual(s);
      expect(Math.sqrt(sumSqQvel / n)).toBeCloseTo(s / Math.sqrt(3), 3); // std of U(±s)
    } else {
      expect(maxQvel).toBeGreaterThan(2 * s); // a normal draw beyond 2σ in 1,800 draws
      expect(Math.sqrt(sumSqQvel / n)).toBeGreaterThan(0.9 * s);
      expect(Math.sqrt(sumSqQvel / n)).toBeLessThan(1.1 * s);
    }
  });

  it('observes [qpos[1:], qvel] (clipped to ±10 for the walkers) and traces [torso x, torso height]', () => {
    const env = make(id);
    const def = GYM_TASK_DEFS[id];
    // The noise-free reset pose gives the inspector's start state.
    const rest = env.setState(env.model.qpos0 as Float64Array, new Float64Array(env.model.nv));
    expect(Array.from(rest)).toEqual(gymRestObs(def));
    expect(gymInspector(id).startObs).toEqual(gymRestObs(def));
    const trace = new Float32Array(2);
    env.trace(trace);
    expect(trace[0]).toBe(0);
    expect(trace[1]).toBeCloseTo(id === 'halfcheetah' ? 0.7 : 1.25, 6);

    const qvel = new Float64Array(env.model.nv).fill(25);
    qvel[1] = -30;
    const qpos = Float64Array.from(env.model.qpos0 as Float64Array);
    qpos[0] = 3;
    const obs = env.setState(qpos, qvel);
    expect(obs.length).toBe(want.obs);
    expect(obs[0]).toBeCloseTo(qpos[1], 6);
    const vx = obs[want.nq - 1];
    const vz = obs[want.nq];
    if (def.obsQvelClip === null) {
      expect([vx, vz]).toEqual([25, -30]);
    } else {
      expect([vx, vz]).toEqual([10, -10]);
    }
    env.trace(trace);
    expect(trace[0]).toBe(3);
  });

  it('pays forward velocity (+ healthy bonus) − ctrl cost, with the ctrl cost on the raw action', () => {
    const env = make(id);
    const def = GYM_TASK_DEFS[id];
    env.reset(3);
    const rng = new Rng(3);
    for (let t = 0; t < 10; t++) {
      const a = randomAction(rng, want.act);
      if (t === 5) a[0] = 1.5; // outside ctrlrange: MuJoCo clamps the torque, the cost sees 1.5
      const x0 = env.state().qpos[0];
      const r = env.step(a);
      const info = r.info as GymInfo;
      const x1 = env.state().qpos[0];
      expect(info.x_position).toBe(x1);
      expect(info.x_velocity).toBeCloseTo((x1 - x0) / want.dt, 9);
      let sumSq = 0;
      for (const v of a) sumSq += v * v;
      expect(r.reward).toBeCloseTo(info.x_velocity + def.healthyReward - def.ctrlCostWeight * sumSq, 12);
      if (r.terminated) break;
    }
  });

  it('runs 1,000 random steps with finite obs and rewards (resetting after falls)', () => {
    const env = make(id);
    const rng = new Rng(11);
    let obs = env.reset(11);
    let episodes = 1;
    for (let t = 0; t < 1000; t++) {
      const r = env.step(randomAction(rng, want.act));
      for (const v of r.obs) expect(Number.isFinite(v)).toBe(true);
      expect(Number.isFinite(r.reward)).toBe(true);
      if (GYM_TASK_DEFS[id].obsQvelClip !== null) {
        for (let i = want.nq - 1; i < want.obs; i++) expect(Math.abs(r.obs[i])).toBeLessThanOrEqual(10);
      }
      obs = r.obs;
      if (r.terminated || r.truncated) {
        obs = env.reset(11 + episodes++);
      }
    }
    expect(obs.length).toBe(want.obs);
    if (id === 'halfcheetah') expect(episodes).toBe(2); // never terminates: one truncation at step 1,000
    else expect(episodes).toBeGreaterThan(2); // random torques topple the walkers quickly
  });

  it('truncates at maxEpisodeSteps (EnvContext override) and not before', () => {
    const env = make(id, 15);
    expect(env.spec.maxEpisodeSteps).toBe(15);
    env.reset(0);
    const zero = new Float32Array(want.act);
    for (let t = 1; t <= 15; t++) {
      const r = env.step(zero);
      expect(r.terminated).toBe(false); // 15 steps of zero torque do not topple any of them
      expect(r.truncated).toBe(t === 15);
    }
    expect(env.episodeSteps).toBe(15);
    env.reset(1);
    expect(env.step(zero).truncated).toBe(false);
  });

  it('validates actions and frees its MuJoCo objects once', () => {
    const before = MjEnv.liveCount();
    const env = gymFamily.createEnv(id, { mujoco: mj });
    expect(MjEnv.liveCount()).toBe(before + 1);
    expect(() => env.step(new Float32Array(want.act))).toThrow(/reset\(\) before step/);
    env.reset(0);
    expect(() => env.step(new Float32Array(want.act + 1))).toThrow(/must have/);
    expect(() => env.step(new Float32Array(want.act).fill(NaN))).toThrow(/non-finite/);
    env.dispose();
    expect(MjEnv.liveCount()).toBe(before);
    env.dispose();
    expect(MjEnv.liveCount()).toBe(before);
    expect(() => env.reset(0)).toThrow(/after dispose/);
  });
});

describe('termination (Gymnasium v4 health rules)', () => {
  it('Hopper terminates when it falls, with the fall flagged in info and the healthy bonus still paid', () => {
    const env = make('hopper');
    env.reset(0);
    // Full torque on every joint throws the hopper over within a few dozen steps.
    const push = Float32Array.of(1, 1, 1);
    let last = null;
    let steps = 0;
    for (; steps < 200; steps++) {
      last = env.step(push);
      if (last.terminated) break;
    }
    expect(last?.terminated).toBe(true);
    expect(steps).toBeLessThan(200);
    expect((last?.info as GymInfo).fell).toBe(true);
    expect(env.terminated).toBe(true);
    const s = env.state();
    expect(isHealthy(GYM_TASK_DEFS.hopper, s.qpos, s.qvel)).toBe(false);
    const info = last?.info as GymInfo;
    expect(last?.reward).toBeCloseTo(info.x_velocity + 1 - 1e-3 * 3, 12);
  });

  it('applies the health ranges with strict bounds, reading the unclipped state', () => {
    const hop = GYM_TASK_DEFS.hopper;
    const q = [0, 1.25, 0, 0, 0, 0];
    const v = [0, 0, 0, 0, 0, 0];
    expect(isHealthy(hop, q, v)).toBe(true);
    expect(isHealthy(hop, [0, 0.7, 0, 0, 0, 0], v)).toBe(false); // z must exceed 0.7
    expect(isHealthy(hop, [0, 0.71, 0, 0, 0, 0], v)).toBe(true);
    expect(isHealthy(hop, [0, 1.25, 0.2, 0, 0, 0], v)).toBe(false); // |pitch| < 0.2
    expect(isHealthy(hop, [0, 1.25, -0.19, 0, 0, 0], v)).toBe(true);
    expect(isHealthy(hop, q, [0, 0, 0, 0, 0, 100])).toBe(false); // |qvel| < 100, unclipped
    expect(isHealthy(hop, q, [99, 0, 0, 0, 0, 0])).toBe(true);
    expect(isHealthy(hop, [1000, 1.25, 0, 0, 0, 0], v)).toBe(true); // root x is not checked
    expect(isHealthy(hop, [0, NaN, 0, 0, 0, 0], v)).toBe(false);
    const walk = GYM_TASK_DEFS.walker2d;
    const wv = new Array(9).fill(0);
    expect(isHealthy(walk, [0, 1.25, 0, 0, 0, 0, 0, 0, 0], wv)).toBe(true);
    expect(isHealthy(walk, [0, 0.8, 0, 0, 0, 0, 0, 0, 0], wv)).toBe(false);
    expect(isHealthy(walk, [0, 2.0, 0, 0, 0, 0, 0, 0, 0], wv)).toBe(false);
    expect(isHealthy(walk, [0, 1.25, 0.99, 0, 0, 0, 0, 0, 0], wv)).toBe(true);
    expect(isHealthy(walk, [0, 1.25, -1, 0, 0, 0, 0, 0, 0], wv)).toBe(false);
    expect(isHealthy(walk, [0, 1.25, 0, 0, 0, 0, 0, 0, 0], [500, ...wv.slice(1)])).toBe(true); // no state range
    expect(isHealthy(GYM_TASK_DEFS.halfcheetah, [0, -5, 3, 0, 0, 0, 0, 0, 0], wv)).toBe(true);
  });
});

describe('gymFamily', () => {
  it('registers the three tasks with the v2 reference names and 1,000-step episodes', () => {
    expect(gymFamily.tasks.map((t) => [t.id, t.referenceEnv, t.spec.maxEpisodeSteps])).toEqual([
      ['hopper', 'Hopper-v2', GYM_MAX_EPISODE_STEPS],
      ['walker2d', 'Walker2d-v2', GYM_MAX_EPISODE_STEPS],
      ['halfcheetah', 'HalfCheetah-v2', GYM_MAX_EPISODE_STEPS],
    ]);
    expect(gymFamily.needsMujoco).toBe(true);
    expect(gymFamily.trajectory?.kind).toBe('series');
    expect(gymFamily.tags.map((t) => t.key)).toEqual(['fell']);
    expect(gymFamily.mjcf?.('walker2d')).toContain('foot_left');
    expect(() => gymFamily.createEnv('avoid-m2', { mujoco: mj })).toThrow(/not a Gym locomotion task/);
  });

  it('has the §4.8 reference row and a laptop row that keeps n_steps a multiple of 1000 / act_steps', () => {
    const ref = gymFamily.presets.reference('hopper', 'dppo', 5);
    expect(ref).toMatchObject({
      task: 'hopper',
      seed: 5,
      nEnvs: 40,
      nSteps: 500,
      nTrainItr: 1000,
      batchSize: 50000,
      updateEpochs: 5,
      gamma: 0.99,
      actorLr: 1e-4,
      criticLr: 1e-3,
      maxEpisodeSteps: 1000,
      resetAtIteration: false,
      ftDenoisingSteps: 10,
      bestRewardThresholdForSuccess: 3,
    });
    const actSteps = gymFamily.networks['diffusion-mlp']('walker2d').actSteps;
    expect(ref.nEnvs * ref.nSteps * actSteps).toBe(80000);
    const lap = gymFamily.presets.laptop('walker2d', 'dppo');
    expect((lap.nSteps * actSteps) % 1000).toBe(0);
    expect(lap.nEnvs).toBeLessThan(ref.nEnvs);
    expect(gymFamily.presets.laptop('walker2d', 'gaussian').batchSize).toBe(lap.batchSize / 10);
    // The default run starts and ends on an evaluation iteration (pretrained_avg_return vs avg_return).
    for (const task of ['hopper', 'walker2d', 'halfcheetah']) {
      const p = gymFamily.presets.laptop(task, 'dppo');
      expect((p.nTrainItr - 1) % p.valFreq, task).toBe(0);
    }
    expect([gymFamily.presets.laptop('hopper', 'dppo').nTrainItr, lap.nTrainItr]).toEqual([21, 41]);
  });

  it('sizes the networks per task (§3.6): K 20, time 16, [512]×3, Ta = 4; critic [256]×3', () => {
    const d = gymFamily.networks['diffusion-mlp']('hopper');
    expect(d).toMatchObject({ obsDim: 11, actionDim: 3, denoisingSteps: 20, timeDim: 16, mlpDims: [512, 512, 512], horizonSteps: 4, actSteps: 4, condSteps: 1, residualStyle: true });
    const walker = gymFamily.networks['diffusion-mlp']('walker2d');
    expect([walker.obsDim, walker.actionDim]).toEqual([17, 6]);
    expect(gymFamily.networks.critic('hopper')).toMatchObject({ obsDim: 11, mlpDims: [256, 256, 256], activation: 'mish' });
    expect(gymFamily.inspector('halfcheetah').actionNames).toEqual(['bthigh', 'bshin', 'bfoot', 'fthigh', 'fshin', 'ffoot']);
    expect(gymInspector('walker2d').obsNames.length).toBe(17);
  });

  it('drives the viewer with a deterministic gait and ends the episode after a fall', () => {
    const env = make('hopper');
    env.reset(0);
    const driver = gymFamily.viewer!.start(env, null);
    const first: number[][] = [];
    let steps = 0;
    for (; steps < 1000; steps++) {
      const a = driver.next();
      if (a === null) break;
      if (steps < 3) first.push(Array.from(a));
      for (const v of a) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      env.step(a);
    }
    expect(steps).toBeLessThan(1000); // the open-loop hopper falls, so the scene resets
    expect(env.terminated).toBe(true);
    expect(first).toEqual([0, 1, 2].map((t) => Array.from(gymIdleAction(GYM_TASK_DEFS.hopper, t))));
    expect(new Set(first.map((a) => a.join())).size).toBe(3); // it moves
  });
});
