import { describe, expect, it } from 'vitest';
import { RunningRewardScaler } from './rewardScaling';

describe('RunningRewardScaler (spec §4.3)', () => {
  it('matches a worked example over two iterations', () => {
    const s = new RunningRewardScaler(2);
    // Iteration 1, [T=2, n=2] row-major: t0 = [1, 2], t1 = [3, 4]; firsts t0 = [1, 1], t1 = [0, 1].
    // Running returns: env0: R0 = 1, R1 = 3 + 0.99·1 = 3.99; env1: R0 = 2, R1 = 4 (new episode).
    // Pooled batch {1, 2, 3.99, 4}: m = 4, mean = 10.99/4 = 2.7475,
    // population var = (1.7475² + 0.7475² + 1.2425² + 1.2525²)/4 = 6.725075/4 = 1.68126875.
    // n = 1e-4, δ = 2.7475: var = (1·1e-4 + 1.68126875·4 + 2.7475²·1e-4·4/4.0001) / (4.0001 − 1).
    const out1 = s.scale(new Float32Array([1, 2, 3, 4]), new Uint8Array([1, 1, 0, 1]));
    const var1 = (1e-4 + 6.725075 + (7.54875625 * 4e-4) / 4.0001) / 3.0001; // ≈ 2.241902
    expect(var1).toBeCloseTo(2.241902, 5);
    expect(s.rms.var).toBeCloseTo(var1, 10);
    expect(s.rms.mean).toBeCloseTo(10.99 / 4.0001, 10);
    expect(s.rms.count).toBeCloseTo(4.0001, 10);
    const d1 = Math.sqrt(var1 + 1e-8);
    [1, 2, 3, 4].forEach((r, i) => expect(out1[i]).toBeCloseTo(r / d1, 6));

    // Iteration 2, [T=1, n=2]: rewards [100, 0], firsts [0, 0] → returns carried across iterations:
    // env0: 100 + 0.99·3.99 = 103.9501; env1: 0 + 0.99·4 = 3.96. Batch mean 53.95505, pop. var 49.99505².
    const out2 = s.scale(new Float32Array([100, 0]), new Uint8Array([0, 0]));
    const n = 4.0001;
    const mean1 = 10.99 / 4.0001;
    const bMean = 53.95505;
    const bVar = 49.99505 ** 2;
    const delta = bMean - mean1;
    const var2 = (var1 * n + bVar * 2 + (delta * delta * n * 2) / (n + 2)) / (n + 2 - 1);
    expect(s.rms.var).toBeCloseTo(var2, 6);
    expect(out2[0]).toBeCloseTo(100 / Math.sqrt(var2 + 1e-8), 5);
    expect(out2[1]).toBe(0);
  });

  it('clips to ±10 and never subtracts the mean', () => {
    const s = new RunningRewardScaler(1);
    s.loadState({ mean: 50, var: 1e-4, count: 10, ret: [0] });
    // 1/sqrt(1e-4 + 1e-8) ≈ 100 → clipped to 10; −0.0005/0.01 = −0.05 (no mean subtraction).
    const out = s.transform(new Float32Array([1, -1, -0.0005]));
    expect(out[0]).toBe(10);
    expect(out[1]).toBe(-10);
    expect(out[2]).toBeCloseTo(-0.05, 4);
  });

  it('round-trips its state', () => {
    const a = new RunningRewardScaler(2);
    a.scale(new Float32Array([1, 2, 3, 4]), new Uint8Array([1, 1, 0, 0]));
    const b = new RunningRewardScaler(2);
    b.loadState(a.getState());
    const r = new Float32Array([0.5, -0.5]);
    const f = new Uint8Array([0, 0]);
    expect(Array.from(b.scale(r, f))).toEqual(Array.from(a.scale(r, f)));
    expect(() => new RunningRewardScaler(3).loadState(a.getState())).toThrow(/envs/);
  });
});
