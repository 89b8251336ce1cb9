import { describe, expect, it } from 'vitest';
import { computeGae } from './gae';

/** Reference-style reversed loop on [T][n] nested arrays (spec §4.4), written independently. */
function gaeReference(r: number[][], v: number[][], nextV: number[], term: number[][], gamma: number, lam: number) {
  const T = r.length;
  const n = nextV.length;
  const adv = r.map((row) => row.map(() => 0));
  let last = new Array(n).fill(0);
  for (let t = T - 1; t >= 0; t--) {
    const nv = t === T - 1 ? nextV : v[t + 1];
    const cur = new Array(n);
    for (let e = 0; e < n; e++) {
      const nt = 1 - term[t][e];
      const delta = r[t][e] + gamma * nv[e] * nt - v[t][e];
      cur[e] = delta + gamma * lam * nt * last[e];
    }
    adv[t] = cur;
    last = cur;
  }
  return { adv, ret: adv.map((row, t) => row.map((a, e) => a + v[t][e])) };
}

describe('computeGae (spec §4.4)', () => {
  it('distinguishes termination from truncation (hand-computed)', () => {
    // γ = 0.9, λ = 0.5, rewards [1, 2], V = [0.5, 1], V(final) = 3 for all three envs.
    // env0 terminated at t=1: A1 = 2 − 1 = 1;           A0 = (1 + 0.9·1 − 0.5) + 0.45·1   = 1.85.
    // env1 truncated (not terminal): A1 = 2 + 0.9·3 − 1 = 3.7; A0 = 1.4 + 0.45·3.7 = 3.065.
    // env2 terminated at t=0: A1 = 3.7;                  A0 = 1 − 0.5 = 0.5 (no bootstrap, no carry).
    const out = computeGae({
      rewards: new Float32Array([1, 1, 1, 2, 2, 2]),
      values: new Float32Array([0.5, 0.5, 0.5, 1, 1, 1]),
      nextValue: new Float32Array([3, 3, 3]),
      terminated: new Uint8Array([0, 0, 1, 1, 0, 0]),
      gamma: 0.9,
      lambda: 0.5,
      rewardScaleConst: 1,
    });
    const expA = [1.85, 3.065, 0.5, 1, 3.7, 3.7];
    const expR = [2.35, 3.565, 1.0, 2, 4.7, 4.7];
    expA.forEach((a, i) => expect(out.advantages[i]).toBeCloseTo(a, 5));
    expR.forEach((r, i) => expect(out.returns[i]).toBeCloseTo(r, 5));
  });

  it('matches the reversed reference loop on a random case, with reward_scale_const', () => {
    const T = 7;
    const n = 3;
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const r = Array.from({ length: T }, () => Array.from({ length: n }, rnd));
    const v = Array.from({ length: T }, () => Array.from({ length: n }, rnd));
    const term = Array.from({ length: T }, () => Array.from({ length: n }, () => (rnd() > 0.6 ? 1 : 0)));
    const nextV = Array.from({ length: n }, rnd);
    const c = 2.5;
    const ref = gaeReference(r.map((row) => row.map((x) => x * c)), v, nextV, term, 0.99, 0.95);
    const out = computeGae({
      rewards: Float32Array.from(r.flat()),
      values: Float32Array.from(v.flat()),
      nextValue: Float32Array.from(nextV),
      terminated: Uint8Array.from(term.flat()),
      gamma: 0.99,
      lambda: 0.95,
      rewardScaleConst: c,
    });
    ref.adv.flat().forEach((a, i) => expect(out.advantages[i]).toBeCloseTo(a, 4));
    ref.ret.flat().forEach((x, i) => expect(out.returns[i]).toBeCloseTo(x, 4));
  });

  it('rejects mismatched shapes', () => {
    const f = new Float32Array(4);
    expect(() =>
      computeGae({ rewards: f, values: new Float32Array(3), nextValue: new Float32Array(2), terminated: f, gamma: 1, lambda: 1, rewardScaleConst: 1 }),
    ).toThrow(/GAE/);
  });
});
