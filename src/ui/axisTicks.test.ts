import { describe, expect, it } from 'vitest';
import { axisTicks, valueRange } from './axisTicks';

function check(lo: number, hi: number, opts = {}) {
  const t = axisTicks(lo, hi, opts);
  const labels = t.ticks.map(t.format);
  expect(new Set(labels).size, `labels ${labels.join(' ')}`).toBe(labels.length);
  expect(t.ticks.length).toBeGreaterThanOrEqual(2);
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  for (const v of t.ticks) {
    expect(v).toBeGreaterThanOrEqual(t.domain[0]);
    expect(v).toBeLessThanOrEqual(t.domain[1]);
    // Within the data range, give or take one step (a constant series: its 1 % band).
    const pad = a === b ? Math.max(Math.abs(a) * 0.01, a === 0 ? 1 : 0) : 0;
    expect(v).toBeGreaterThanOrEqual(a - pad - t.step * (1 + 1e-9));
    expect(v).toBeLessThanOrEqual(b + pad + t.step * (1 + 1e-9));
  }
  // Enough precision: each label reads back to its tick within half a step.
  for (const v of t.ticks) {
    const s = t.format(v);
    const back = Number(s.replace(/k$/, 'e3').replace(/M$/, 'e6').replace(/G$/, 'e9'));
    expect(Math.abs(back - v)).toBeLessThan(t.step / 2);
  }
  return { ...t, labels };
}

describe('axisTicks', () => {
  it('a near-constant value loss gets distinct labels with enough decimals', () => {
    const { labels, ticks } = check(0.70501, 0.70504);
    expect(labels).toContain('0.705020');
    expect(ticks.length).toBeLessThanOrEqual(10);
    // The data's own values read distinctly too.
    const t = axisTicks(0.70501, 0.70504);
    expect(new Set([0.70501, 0.70502, 0.70503, 0.70504].map(t.format)).size).toBe(4);
  });

  it('a constant series', () => {
    check(0.705, 0.705);
    check(0, 0);
    check(-3, -3);
    check(1e9, 1e9);
  });

  it('huge and tiny magnitudes', () => {
    const big = check(1.2e6, 3.4e6);
    expect(big.labels.every((l) => l.endsWith('M'))).toBe(true);
    check(123_456_789, 123_456_999);
    check(12_000, 12_500);
    const tiny = check(1.2e-7, 3.3e-7);
    expect(tiny.labels.every((l) => /e-7$|^0$/.test(l))).toBe(true);
    check(1e-12, 1.00001e-12);
  });

  it('negative ranges and ranges across zero', () => {
    const neg = check(-0.9, -0.3);
    expect(neg.labels).toContain('-0.5');
    const across = check(-0.013, 0.012);
    expect(across.labels).toContain('0');
    expect(across.labels).not.toContain('-0');
    check(-250.01, -250.0);
  });

  it('x axes keep the data range and integer ticks for iterations', () => {
    const t = check(0, 3, { extend: false, integer: true });
    expect(t.ticks).toEqual([0, 1, 2, 3]);
    expect(t.domain).toEqual([0, 3]);
    check(0, 1, { extend: false, integer: true });
    check(400, 2400, { extend: false });
  });

  it('non-finite input does not break it', () => {
    for (const [lo, hi] of [[NaN, NaN], [2, Infinity], [-Infinity, 5]]) {
      const t = axisTicks(lo, hi);
      expect(t.ticks.length).toBeGreaterThanOrEqual(2);
      expect(t.ticks.every(Number.isFinite)).toBe(true);
      expect(new Set(t.ticks.map(t.format)).size).toBe(t.ticks.length);
    }
  });

  it('valueRange skips gaps', () => {
    expect(valueRange([null, 3, undefined, -1, NaN, 2])).toEqual([-1, 3]);
    expect(valueRange([null])).toBeNull();
  });
});
