import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { loadMujoco, type Mujoco } from '../../sim/mujoco';
import { loadDppoNpz, saveDppoNpz } from '../dppoNpz';
import { DEMO_END_Y, filterAvoidEpisodes, generateAvoidDemos, generateAvoidEpisodes } from './avoidExpert';
import { routeBits, type AvoidRoute } from './avoidRoutes';

let mj: Mujoco;
beforeAll(async () => {
  mj = await loadMujoco();
});

const has = (bits: number, k: number): boolean => (bits & (1 << k)) !== 0;

describe('scripted Avoid expert', () => {
  it('runs varied routes through the env; the M2 filter keeps exactly the {1,2} ∧ (5 ∨ 7) paths', async () => {
    const routes: AvoidRoute[] = [
      { row1: 1, row2: 2, row3: 5 },
      { row1: 1, row2: 2, row3: 7 },
      { row1: 1, row2: 2, row3: 6 },
      { row1: 0, row2: 2, row3: 5 },
      { row1: 1, row2: 3, row3: 7 },
      { row1: 0, row2: 4, row3: 8 },
    ];
    const eps = await generateAvoidEpisodes(6, new Rng(11), routes, { mujoco: mj });
    for (const e of eps) {
      expect(e.collided).toBe(false);
      expect(e.modeBits).toBe(routeBits(e.route));
      const L = e.states.length / 4;
      expect(e.actions.length).toBe(2 * L);
      // obs = [desired, tip]; next desired = desired + action (§6.3 features)
      for (let t = 0; t + 1 < L; t++) {
        expect(e.states[4 * (t + 1)]).toBeCloseTo(e.states[4 * t] + e.actions[2 * t], 5);
        expect(e.states[4 * (t + 1) + 1]).toBeCloseTo(e.states[4 * t + 1] + e.actions[2 * t + 1], 5);
      }
      expect(e.states[0]).toBeCloseTo(0.525, 5);
      expect(e.states[1]).toBeCloseTo(-0.28, 5);
      expect(e.goalStep).toBeGreaterThan(40);
      expect(e.states[4 * (L - 1) + 3]).toBeLessThanOrEqual(DEMO_END_Y + 1e-6);
    }
    const kept = filterAvoidEpisodes(eps, 'avoid-m2');
    expect(kept.map((e) => e.route)).toEqual(routes.slice(0, 2));
    for (const e of kept) expect(has(e.modeBits, 1) && has(e.modeBits, 2) && (has(e.modeBits, 5) || has(e.modeBits, 7))).toBe(true);
  });

  it('generates a balanced, multimodal M3 subset with a fitted normaliser that round-trips through npz', async () => {
    const set = await generateAvoidDemos('avoid-m3', 6, new Rng(5), { mujoco: mj });
    expect(set.trajLengths.length).toBe(6);
    expect(set.modes.filter((b) => has(b, 5)).length).toBe(3);
    expect(set.modes.filter((b) => has(b, 8)).length).toBe(3);
    const T = set.trajLengths.reduce((a, b) => a + b, 0);
    expect(set.states.length).toBe(4 * T);
    const s = set.normalizer.stats;
    expect(s.obsMin[1]).toBeCloseTo(-0.28, 4);
    expect(s.obsMax[3]).toBeGreaterThan(0.4);
    expect(Math.max(Math.abs(s.actionMin[1]), Math.abs(s.actionMax[1]))).toBeLessThan(0.02);
    const files = saveDppoNpz(set, set.normalizer);
    const ds = loadDppoNpz(files.train, files.normalization);
    expect(Array.from(ds.episodeLengths)).toEqual(Array.from(set.trajLengths));
    expect(Math.min(...ds.obs)).toBeCloseTo(-1, 5);
    expect(Math.max(...ds.act)).toBeCloseTo(1, 3); // the 1e-6 in (max − min + 1e-6), §6.2
  });
});
