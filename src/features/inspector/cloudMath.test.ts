import { describe, expect, it } from 'vitest';
import { cloudMean, cloudRange, histogramCounts, niceTicks, pickDims, pickSteps, sharedBins } from './cloudMath';

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
  it('picks dimensions out of a flat [n, Da] cloud, in the asked order', () => {
    // n = 3 samples of a 4-D action: sample i is (10i, 10i+1, 10i+2, 10i+3).
    const c = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
    expect([...pickDims(c, 4, [2, 0])]).toEqual([2, 0, 12, 10, 22, 20]);
    expect([...pickDims(c, 4, [3])]).toEqual([3, 13, 23]);
    expect([...pickDims(c, 4, [1, 1])]).toEqual([1, 1, 11, 11, 21, 21]);
    expect(() => pickDims(c, 4, [0, 4])).toThrow(/dimension 4 is not in 0…3/);
    expect(() => pickDims(c, 4, [-1, 0])).toThrow(RangeError);
  });
  it('shares bins across clouds: min to max of the dimension over all of them', () => {
    const wide = Float32Array.from([-3, 100, 2.5, 100]);
    const narrow = Float32Array.from([0.1, -100, 0.2, NaN]);
    expect(sharedBins([wide, narrow], 2, 0, 10)).toEqual({ lo: -3, hi: 2.5, count: 10 });
    expect(sharedBins([wide, narrow], 2, 1, 4)).toEqual({ lo: -100, hi: 100, count: 4 });
    const flat = sharedBins([Float32Array.from([0.5, 0.5])], 1, 0, 8);
    expect(flat.lo).toBeLessThan(0.5);
    expect(flat.hi).toBeGreaterThan(0.5);
    expect(sharedBins([], 2, 0, 5)).toEqual({ lo: -1, hi: 1, count: 5 });
  });
  it('counts a dimension into fixed bins (right edge in the last bin, outside values in the end bins)', () => {
    const bins = { lo: 0, hi: 1, count: 4 };
    // Dim 0 of [n=5, Da=2]: 0 → bin 0, 0.1 → 0, 0.5 → 2, 0.99 → 3, 1.0 → 3 (right edge).
    const c = Float32Array.from([0, 9, 0.1, 9, 0.5, 9, 0.99, 9, 1, 9]);
    expect([...histogramCounts(c, 2, 0, bins)]).toEqual([2, 0, 1, 2]);
    expect([...histogramCounts(c, 2, 1, bins)]).toEqual([0, 0, 0, 5]);
    expect([...histogramCounts(Float32Array.from([-0.2, 0.25, NaN]), 1, 0, bins)]).toEqual([1, 1, 0, 0]);
    // With shared bins a tight cloud fills fewer bins than a wide one; every sample is counted once.
    const wide = Float32Array.from([-2, -1, 0, 1, 2, 2]);
    const tight = Float32Array.from([1, 1.1, 1, 1.2, 1.05, 1.45]);
    // Shared bins [−2, 2] / 8, width 0.5: the tight cloud is all in [1, 1.5) = bin 6.
    const shared = sharedBins([wide, tight], 1, 0, 8);
    expect(shared).toEqual({ lo: -2, hi: 2, count: 8 });
    expect([...histogramCounts(wide, 1, 0, shared)]).toEqual([1, 0, 1, 0, 1, 0, 1, 2]);
    expect([...histogramCounts(tight, 1, 0, shared)]).toEqual([0, 0, 0, 0, 0, 0, 6, 0]);
  });
});
