import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng';
import { PandaChain } from '../../control/pandaKinematics';
import { MjEnv } from '../../mjEnv';
import { loadMujoco, type Mujoco } from '../../mujoco';
import { AvoidEnv, avoidStartPosture } from './avoidEnv';
import { FINISH_LINE, PILLARS, START_POS } from './layout';
import { ROBOT_BASE, TOOL_OFFSET } from './mjcf';
import { MODE5_ROUTE, straightLineActions } from './testPaths';

let mj: Mujoco;
let env: AvoidEnv;

beforeAll(async () => {
  mj = await loadMujoco();
  env = new AvoidEnv(mj);
});
afterAll(() => env.dispose());

function heapBytes(e: AvoidEnv): number {
  return ((e.data.qpos as Float64Array).buffer as ArrayBufferLike).byteLength;
}

function geomId(name: string): number {
  return mj.mj_name2id(env.model, mj.mjtObj.mjOBJ_GEOM.value, name);
}

describe('AvoidEnv scene', () => {
  it('has the six pillars at the exact D3IL positions and radii (§2c)', () => {
    const pos = env.model.geom_pos as Float64Array;
    const size = env.model.geom_size as Float64Array;
    const type = env.model.geom_type as Int32Array;
    for (const p of PILLARS) {
      const g = geomId(p.name);
      expect(g).toBeGreaterThanOrEqual(0);
      expect(type[g]).toBe(5); // cylinder
      expect(pos[3 * g]).toBe(p.x);
      expect(pos[3 * g + 1]).toBe(p.y);
      expect(size[3 * g]).toBe(p.radius);
    }
    expect(PILLARS.map((p) => [p.x, p.y, p.radius])).toEqual([
      [0.5, -0.1, 0.03],
      [0.425, 0.08, 0.025],
      [0.575, 0.08, 0.025],
      [0.35, 0.26, 0.025],
      [0.5, 0.26, 0.025],
      [0.65, 0.26, 0.025],
    ]);
  });

  it('has a visual-only finish line box and no contacts', () => {
    const g = geomId('finish_line');
    expect(Array.from((env.model.geom_pos as Float64Array).subarray(3 * g, 3 * g + 3))).toEqual([...FINISH_LINE.pos]);
    expect(Array.from((env.model.geom_size as Float64Array).subarray(3 * g, 3 * g + 3))).toEqual([...FINISH_LINE.halfSize]);
    const contype = env.model.geom_contype as Int32Array;
    const conaff = env.model.geom_conaffinity as Int32Array;
    for (let i = 0; i < env.model.ngeom; i++) expect(contype[i] | conaff[i]).toBe(0);
  });

  it('builds the arm from the modified-DH table: MuJoCo tip = TS forward kinematics', () => {
    env.reset(0);
    const chain = new PandaChain(ROBOT_BASE, TOOL_OFFSET);
    chain.update(avoidStartPosture());
    const tip = env.tipPosition();
    for (let k = 0; k < 3; k++) expect(Math.abs(tip[k] - chain.tip[k])).toBeLessThan(1e-9);
    for (let k = 0; k < 3; k++) expect(Math.abs(tip[k] - START_POS[k])).toBeLessThan(1e-6);
  });
});

describe('AvoidEnv dynamics', () => {
  it('resets deterministically to obs = [start, start]', () => {
    const a = env.reset(1);
    env.step(Float32Array.of(0.01, 0.01));
    const b = env.reset(2);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(a[0]).toBeCloseTo(0.525, 6);
    expect(a[1]).toBeCloseTo(-0.28, 6);
    expect(a[2]).toBeCloseTo(0.525, 6);
    expect(a[3]).toBeCloseTo(-0.28, 6);
  });

  it('runs 1,000 random steps with finite observations, truncating every 100 steps', () => {
    const rng = new Rng(3);
    env.reset(0);
    const truncatedAt: number[] = [];
    let finite = true;
    let terminated = false;
    const t0 = performance.now();
    for (let t = 0; t < 1000; t++) {
      if (t % 100 === 0) env.reset(t);
      const res = env.step(Float32Array.of(rng.range(-0.01, 0.01), rng.range(-0.006, 0.012)));
      finite &&= res.obs.every(Number.isFinite);
      terminated ||= res.terminated;
      if (res.truncated) truncatedAt.push(t);
    }
    const msPerStep = (performance.now() - t0) / 1000;
    expect(finite).toBe(true);
    expect(terminated).toBe(false);
    expect(truncatedAt).toEqual(Array.from({ length: 10 }, (_, k) => 100 * k + 99));
    expect(msPerStep).toBeLessThan(5); // generous: shared CI cores; bench/simBench.ts measures properly
  });

  it('tracks a reachable commanded point to within a few mm after a few steps', () => {
    env.reset(0);
    const target: [number, number] = [0.45, -0.2];
    const acts = straightLineActions([START_POS[0], START_POS[1]], [target], 0.01);
    for (const a of acts) env.step(a);
    for (let k = 0; k < 4; k++) env.step(Float32Array.of(0, 0));
    const [x, y] = env.tracePoint();
    expect(Math.hypot(x - target[0], y - target[1])).toBeLessThan(0.003);
    const [dx, dy] = env.desired();
    expect(Math.hypot(dx - target[0], dy - target[1])).toBeLessThan(1e-6);
    expect(Math.abs(env.tipPosition()[2] - 0.12)).toBeLessThan(0.003);
  });

  it('saturates commands outside the reachable workspace and recovers when they come back', () => {
    for (const far of [[-0.5, 0.0], [0.5, -0.9], [1.5, 1.5]] as const) {
      env.reset(0);
      for (const a of straightLineActions([START_POS[0], START_POS[1]], [far], 0.05)) env.step(a);
      for (let k = 0; k < 10; k++) env.step(Float32Array.of(0, 0));
      for (const a of straightLineActions(env.desired(), [[0.45, 0]], 0.05)) env.step(a);
      for (let k = 0; k < 10; k++) env.step(Float32Array.of(0, 0));
      const [x, y] = env.tracePoint();
      expect(Math.hypot(x - 0.45, y)).toBeLessThan(0.003);
    }
  });

  it('rejects bad actions with a clear error', () => {
    env.reset(0);
    expect(() => env.step(Float32Array.of(0.01))).toThrow(/2 values/);
    expect(() => env.step(Float32Array.of(NaN, 0))).toThrow(/non-finite/);
  });

  it('poses() = geom_xpos then geom_xmat as one Float32Array', () => {
    env.reset(0);
    const n = env.model.ngeom;
    const p = env.poses();
    expect(p.length).toBe(12 * n);
    const xpos = env.data.geom_xpos as Float64Array;
    const xmat = env.data.geom_xmat as Float64Array;
    expect(p[3 * 5 + 1]).toBeCloseTo(xpos[3 * 5 + 1], 6);
    expect(p[3 * n + 9 * 5 + 4]).toBeCloseTo(xmat[9 * 5 + 4], 6);
  });
});

describe('AvoidEnv rewards on scripted paths (M5, §7.3)', () => {
  it('a mode-5 path earns reward 2 per step once past the goal line', () => {
    env.reset(0);
    const rewards: number[] = [];
    for (const a of straightLineActions([START_POS[0], START_POS[1]], MODE5_ROUTE)) rewards.push(env.step(a).reward);
    for (let k = 0; k < 3; k++) rewards.push(env.step(Float32Array.of(0, 0)).reward);
    const info = env.info();
    expect(info.collided).toBe(false);
    expect(info.modeBits).toBe((1 << 1) | (1 << 2) | (1 << 5));
    expect(info.row3Mode).toBe(5);
    expect(rewards.slice(-3)).toEqual([2, 2, 2]);
    expect(rewards[0]).toBe(0);
    expect(env.info().steps).toBeLessThanOrEqual(100);
  });

  it('a collision gives −0.1 for the rest of the episode', () => {
    env.reset(0);
    // Straight up into the row-1 pillar at (0.5, −0.1), then away to the right and up.
    const acts = straightLineActions([START_POS[0], START_POS[1]], [[0.525, -0.12], [0.62, -0.12], [0.62, 0.0]]);
    let hit = -1;
    const rewards: number[] = [];
    acts.forEach((a, t) => {
      const r = env.step(a);
      rewards.push(r.reward);
      if (hit < 0 && r.info.collided) hit = t;
    });
    expect(hit).toBeGreaterThan(0);
    expect(rewards.slice(0, hit).every((r) => r === 0)).toBe(true);
    expect(rewards.slice(hit).every((r) => r === -0.1)).toBe(true);
    expect(env.info().collided).toBe(true);
  });

  it('leaving x ∈ [0.2, 0.8] gives −0.1 only while outside', () => {
    env.reset(0);
    const out = straightLineActions([START_POS[0], START_POS[1]], [[0.17, -0.28]]);
    const rewards = out.map((a) => env.step(a).reward);
    for (let k = 0; k < 3; k++) rewards.push(env.step(Float32Array.of(0, 0)).reward);
    expect(rewards.at(-1)).toBe(-0.1);
    const back = straightLineActions([0.17, -0.28], [[0.3, -0.28]]);
    back.forEach((a) => env.step(a));
    for (let k = 0; k < 3; k++) env.step(Float32Array.of(0, 0));
    expect(env.step(Float32Array.of(0, 0)).reward).toBe(0);
    expect(env.info().collided).toBe(false);
  });
});

describe('AvoidEnv lifetime', () => {
  it('create/dispose cycles keep the live count and the wasm heap flat', () => {
    const live0 = MjEnv.liveCount();
    const warm = new AvoidEnv(mj);
    warm.dispose();
    const heap0 = heapBytes(env);
    for (let c = 0; c < 30; c++) {
      const batch = Array.from({ length: 4 }, () => new AvoidEnv(mj));
      for (const e of batch) {
        e.reset(0);
        e.step(Float32Array.of(0.01, 0));
      }
      expect(MjEnv.liveCount()).toBe(live0 + 4);
      for (const e of batch) e.dispose();
    }
    expect(MjEnv.liveCount()).toBe(live0);
    expect(heapBytes(env)).toBe(heap0);
  });

  it('64 envs fit in one module instance', () => {
    const many = Array.from({ length: 64 }, () => new AvoidEnv(mj));
    for (const e of many) e.reset(0);
    expect(heapBytes(env)).toBeLessThan(256 * 2 ** 20);
    for (const e of many) e.dispose();
  });

  it('use after dispose throws a clear error; dispose twice is a no-op', () => {
    const e = new AvoidEnv(mj);
    e.reset(0);
    e.dispose();
    e.dispose();
    expect(e.disposed).toBe(true);
    expect(() => e.step(Float32Array.of(0, 0))).toThrow(/after dispose/);
    expect(() => e.reset(0)).toThrow(/after dispose/);
    expect(() => e.model).toThrow(/after dispose/);
    expect(() => e.poses()).toThrow(/after dispose/);
  });

  it('step before reset is refused', () => {
    const e = new AvoidEnv(mj);
    try {
      expect(() => e.step(Float32Array.of(0, 0))).toThrow(/reset/);
    } finally {
      e.dispose();
    }
  });
});
