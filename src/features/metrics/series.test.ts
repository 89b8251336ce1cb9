import { describe, expect, it } from 'vitest';
import { buildSeries, debiasedEma, lttbIndices, mergeSeries, nearestAtOrBefore, rawKey, smoothKey } from './series';

describe('debiasedEma', () => {
  it('starts at the first value (debiased) and matches the closed form', () => {
    const s = debiasedEma([1, 2, 3], 0.5);
    expect(s[0]).toBeCloseTo(1);
    // last2 = 0.25·1 + 0.5·2 = 1.25 → /0.75
    expect(s[1]).toBeCloseTo(1.25 / 0.75);
    expect(s[2]).toBeCloseTo((0.5 * 1.25 + 0.5 * 3) / 0.875);
  });
  it('is the identity at weight 0 and skips non-finite values', () => {
    expect(debiasedEma([3, 4], 0)).toEqual([3, 4]);
    const s = debiasedEma([2, NaN, 2], 0.9);
    expect(s[0]).toBeCloseTo(2);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[2]).toBeCloseTo(2);
  });
});

describe('lttb', () => {
  it('keeps endpoints, returns threshold points in order, keeps a spike', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: i === 500 ? 100 : Math.sin(i / 50) }));
    const idx = lttbIndices(pts, 50);
    expect(idx.length).toBe(50);
    expect(idx[0]).toBe(0);
    expect(idx[49]).toBe(999);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(idx).toContain(500);
  });
  it('leaves short series alone', () => {
    expect(lttbIndices([{ x: 0, y: 0 }, { x: 1, y: 1 }], 10)).toEqual([0, 1]);
  });
});

describe('merge', () => {
  it('merges runs with different x grids into sorted rows', () => {
    const a = buildSeries('a', [0, 10, 20], [1, 2, 3], 0, 100);
    const b = buildSeries('b', [5, 10], [7, NaN], 0, 100);
    const rows = mergeSeries([a, b]);
    expect(rows.map((r) => r.x)).toEqual([0, 5, 10, 20]);
    expect(rows[2][rawKey('a')]).toBe(2);
    expect(rows[2][smoothKey('b')]).toBeUndefined();
    expect(rows[1][rawKey('b')]).toBe(7);
  });
  it('finds the last x at or before a target', () => {
    expect(nearestAtOrBefore([0, 10, 20], 15)).toBe(1);
    expect(nearestAtOrBefore([0, 10, 20], 25)).toBe(2);
    expect(nearestAtOrBefore([0, 10, 20], -5)).toBe(0);
    expect(nearestAtOrBefore([], 1)).toBe(-1);
  });
});
