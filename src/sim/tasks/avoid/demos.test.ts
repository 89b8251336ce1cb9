import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng';
import { loadMujoco, type Mujoco } from '../../mujoco';
import { DEMO_END_Y, filterAvoidEpisodes, generateAvoidDemos, generateAvoidEpisodes } from './demos';
import { routeBits, type AvoidRoute } from './routes';

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

  it('generates a balanced, multimodal M3 subset in raw units with its mode labels', async () => {
    const set = await generateAvoidDemos('avoid-m3', 6, new Rng(5), { mujoco: mj });
    expect(set.trajLengths.length).toBe(6);
    expect(set.labels.filter((b) => has(b, 5)).length).toBe(3);
    expect(set.labels.filter((b) => has(b, 8)).length).toBe(3);
    expect(set.summary.row3_modes).toEqual({ mode_5: 3, mode_8: 3 });
    const T = set.trajLengths.reduce((a, b) => a + b, 0);
    expect(set.states.length).toBe(4 * T);
    expect(set.actions.length).toBe(2 * T);
    let minY = Infinity, maxTipY = -Infinity, maxAct = 0;
    for (let t = 0; t < T; t++) {
      minY = Math.min(minY, set.states[4 * t + 1]);
      maxTipY = Math.max(maxTipY, set.states[4 * t + 3]);
      maxAct = Math.max(maxAct, Math.abs(set.actions[2 * t]), Math.abs(set.actions[2 * t + 1]));
    }
    expect(minY).toBeCloseTo(-0.28, 4);
    expect(maxTipY).toBeGreaterThan(0.4);
    expect(maxAct).toBeLessThan(0.02);
  });
});
