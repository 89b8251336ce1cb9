import { describe, expect, it } from 'vitest';
import { CosineAnnealingWarmupRestarts } from './lrSchedule';

/** LR used at iterations 0 … n−1 (read before each step, as the trainer does). */
function trace(s: CosineAnnealingWarmupRestarts, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    out.push(s.lr);
    s.step();
  }
  return out;
}

describe('CosineAnnealingWarmupRestarts (spec §4.7)', () => {
  it('runs the first iteration at minLr (reference quirk), then cosine with restarts', () => {
    // No warm-up, cycle 4, max 1, min 0: the formula at s = 0 would give 1, but iteration 0 runs at 0.
    // s = 1: (1 + cos(π/4))/2 = 0.853553; s = 2: 0.5; s = 3: 0.146447; restart s = 0: 1; s = 1 again.
    const s = new CosineAnnealingWarmupRestarts({ firstCycleSteps: 4, maxLr: 1, minLr: 0 });
    const lr = trace(s, 6);
    [0, 0.853553, 0.5, 0.146447, 1, 0.853553].forEach((x, i) => expect(lr[i]).toBeCloseTo(x, 6));
    expect(s.stepsTaken).toBe(6);
  });

  it('warms up linearly from min to max, then anneals', () => {
    // warm-up 2, cycle 6, max 1e-3, min 1e-4 (span 9e-4). s: 0 → 1e-4 (iteration 0), 1 → 5.5e-4,
    // 2 → 1e-3, 3 → 1e-4 + 9e-4·0.853553, 4 → 5.5e-4, 5 → 1e-4 + 9e-4·0.146447, restart s = 0 → 1e-4, 1 → 5.5e-4.
    const s = new CosineAnnealingWarmupRestarts({ firstCycleSteps: 6, maxLr: 1e-3, minLr: 1e-4, warmupSteps: 2 });
    const lr = trace(s, 8);
    const exp = [1e-4, 5.5e-4, 1e-3, 1e-4 + 9e-4 * 0.8535534, 5.5e-4, 1e-4 + 9e-4 * 0.1464466, 1e-4, 5.5e-4];
    exp.forEach((x, i) => expect(lr[i]).toBeCloseTo(x, 9));
  });

  it('decays the peak by gamma per cycle and is constant when min = max', () => {
    // cycle 2, max 1, min 0, gamma 0.5: [0 (quirk), s=1 → 0.5, restart (max 0.5) → 0.5, s=1 → 0.25].
    const s = new CosineAnnealingWarmupRestarts({ firstCycleSteps: 2, maxLr: 1, minLr: 0, gamma: 0.5 });
    trace(s, 4).forEach((x, i) => expect(x).toBeCloseTo([0, 0.5, 0.5, 0.25][i], 9));
    const c = new CosineAnnealingWarmupRestarts({ firstCycleSteps: 5, maxLr: 1e-4, minLr: 1e-4, warmupSteps: 1 });
    expect(trace(c, 12).every((x) => Math.abs(x - 1e-4) < 1e-15)).toBe(true);
  });

  it('fast-forwards for resume and validates warm-up', () => {
    const a = new CosineAnnealingWarmupRestarts({ firstCycleSteps: 7, maxLr: 1, minLr: 0.1, warmupSteps: 2 });
    trace(a, 9);
    const b = new CosineAnnealingWarmupRestarts({ firstCycleSteps: 7, maxLr: 1, minLr: 0.1, warmupSteps: 2 });
    b.fastForward(9);
    expect(b.lr).toBe(a.lr);
    expect(() => new CosineAnnealingWarmupRestarts({ firstCycleSteps: 3, maxLr: 1, minLr: 0, warmupSteps: 3 })).toThrow(/warmupSteps/);
  });
});
