import { describe, expect, it } from 'vitest';
import { cloudMean, cloudRange, niceTicks, pickSteps } from './cloudMath';

describe('cloud math', () => {
  const cloud = Float32Array.from([0, 0, 1, 2, -1, -2, 0.5, 0]);
  it('means the chosen dims', () => {
    expect(cloudMean(cloud, 2, [0, 1])).toEqual([0.125, 0]);
    expect(cloudMean(cloud, 2, [1, 0])).toEqual([0, 0.125]);
  });
  it('covers all points (q = 0) with padding and equal scale', () => {
    const r = cloudRange([cloud], 2, [0, 1], 0, 0.1, true);
    expect(r.x0).toBeLessThan(-1);
    expect(r.x1).toBeGreaterThan(1);
    expect(r.y0).toBeLessThanOrEqual(-2.2 + 1e-6);
    expect(r.x1 - r.x0).toBeCloseTo(r.y1 - r.y0);
  });
  it('never returns an empty span', () => {
    const r = cloudRange([Float32Array.from([0.01, 0.01, 0.01, 0.01])], 2, [0, 1]);
    expect(r.x1 - r.x0).toBeGreaterThan(0);
  });
  it('picks evenly spaced steps with both ends', () => {
    expect(pickSteps(21, 5)).toEqual([0, 5, 10, 15, 20]);
    expect(pickSteps(3, 5)).toEqual([0, 1, 2]);
    expect(pickSteps(1, 5)).toEqual([0]);
  });
  it('makes round ticks', () => {
    expect(niceTicks(-0.013, 0.012, 3)).toEqual([-0.01, 0, 0.01]);
    expect(niceTicks(0, 1, 3)).toEqual([0, 0.5, 1]);
    // A span just over a 1-2-5 boundary still gets several ticks (regression: only [0] before).
    expect(niceTicks(-0.030000001, 0.030000001, 3)).toEqual([-0.02, 0, 0.02]);
    expect(niceTicks(-0.0049, 0.0049, 3)).toEqual([-0.0025, 0, 0.0025]);
  });
});
