import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { pca2, projectPca, symmetricEigen } from './pca';

const f32 = (pts: number[][]) => Float32Array.from(pts.flat());
const close = (a: ArrayLike<number>, b: number[], digits = 6) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, digits));
};

describe('PCA of action clouds', () => {
  it('points on the line y = x: one component along it with all the variance', () => {
    const p = pca2([f32([[-1, -1], [0, 0], [1, 1], [2, 2]])], 2);
    const r = Math.SQRT1_2;
    close(p.components[0], [r, r]);
    // Positions along the line are t·√2, t ∈ {−1, 0, 1, 2}: variance 2 · 1.25.
    expect(p.variances[0]).toBeCloseTo(2.5, 6);
    expect(p.variances[1]).toBeCloseTo(0, 6);
    close(p.explained, [1, 0]);
    // The second axis is ⟂; its entries tie in magnitude, so the first one is made positive.
    close(p.components[1], [r, -r]);
    close(p.mean, [0.5, 0.5]);
    expect(p.count).toBe(4);
  });

  it('an axis-aligned ellipse whose long axis is y: components e_y then e_x, explained 0.9 / 0.1', () => {
    const p = pca2([f32([[0, 3], [0, -3], [1, 0], [-1, 0]])], 2);
    close(p.components[0], [0, 1]);
    close(p.components[1], [1, 0]);
    close(p.variances, [4.5, 0.5]);
    close(p.explained, [0.9, 0.1]);
  });

  it('a 3-D ellipsoid: the two longest axes, explained λ_i / trace', () => {
    const p = pca2([f32([[2, 0, 0], [-2, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 0.5], [0, 0, -0.5]])], 3);
    close(p.components[0], [1, 0, 0]);
    close(p.components[1], [0, 1, 0]);
    // Variances 8/6, 2/6, 0.5/6; trace 10.5/6.
    close(p.variances, [8 / 6, 2 / 6]);
    close(p.explained, [8 / 10.5, 2 / 10.5]);
  });

  it('fixes the sign: the largest entry (first of equals) is positive, and projects p · c without centring', () => {
    // Points t · (−1, 2, −2), t ∈ {−1, 0, 1, 2}: entries 2 and −2 tie, so index 1 is made positive.
    const cloud = f32([-1, 0, 1, 2].map((t) => [-t, 2 * t, -2 * t]));
    const p = pca2([cloud], 3);
    close(p.components[0], [-1 / 3, 2 / 3, -2 / 3]);
    close(p.explained, [1, 0]);
    const xy = projectPca(cloud, 3, p);
    close(Array.from(xy).filter((_, i) => i % 2 === 0), [-3, 0, 3, 6], 5);
    close(Array.from(xy).filter((_, i) => i % 2 === 1), [0, 0, 0, 0], 5);
    // The same points in another order, or negated, give the same axes (the covariance is the same).
    const neg = cloud.map((v) => -v);
    const q = pca2([neg.slice(6), neg.slice(0, 6)], 3);
    close(q.components[0], Array.from(p.components[0]));
  });

  it('pools all clouds: the spread between their means counts (one set of axes for every step)', () => {
    // Cloud A spreads along x around (0, 0); cloud B along y around (0, 5). Pooled mean (0, 2.5),
    // var x = 2/4, var y = (6.25 + 6.25 + 2.25 + 12.25)/4 = 6.75, cov = 0.
    const a = f32([[-1, 0], [1, 0]]);
    const b = f32([[0, 4], [0, 6]]);
    const p = pca2([a, b], 2);
    close(p.components[0], [0, 1]);
    close(p.variances, [6.75, 0.5]);
    close(p.explained, [6.75 / 7.25, 0.5 / 7.25]);
    // Alone, cloud A's main axis is x.
    close(pca2([a], 2).components[0], [1, 0]);
  });

  it('leaves out samples with a non-finite value and survives a cloud with no spread', () => {
    const p = pca2([f32([[0, 3], [NaN, 1], [0, -3], [1, 0], [-1, Infinity], [-1, 0]])], 2);
    expect(p.count).toBe(4);
    close(p.explained, [0.9, 0.1]);
    const flat = pca2([f32([[1, 2, 3], [1, 2, 3]])], 3);
    close(flat.explained, [0, 0]);
    close(flat.variances, [0, 0]);
    close(flat.components[0], [1, 0, 0]);
    close(flat.components[1], [0, 1, 0]);
    const empty = pca2([], 3);
    expect(empty.count).toBe(0);
    close(empty.explained, [0, 0]);
  });

  it('recovers the top axes of a correlated 6-D Gaussian (against the eigen-equation)', () => {
    const rng = new Rng(7);
    const n = 4000;
    const Da = 6;
    const cloud = new Float32Array(n * Da);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: Da }, () => rng.normal());
      // Long axis along (1, 1, 0, 0, 0, 0)/√2 (std 3), second along e_4 (std 2), the rest std ≤ 0.3.
      const row = [3 * z[0] * Math.SQRT1_2 + 0.3 * z[1], 3 * z[0] * Math.SQRT1_2 - 0.3 * z[1], 0.2 * z[2], 0.1 * z[3], 2 * z[4], 0.25 * z[5]];
      cloud.set(row, i * Da);
    }
    const p = pca2([cloud], Da);
    expect(Math.abs(p.components[0][0] - Math.SQRT1_2)).toBeLessThan(0.02);
    expect(Math.abs(p.components[0][1] - Math.SQRT1_2)).toBeLessThan(0.02);
    expect(Math.abs(p.components[1][4])).toBeGreaterThan(0.999);
    const expected = [9, 4].map((v) => v / (9 + 4 + 0.09 * 2 + 0.04 + 0.01 + 0.0625));
    expect(Math.abs(p.explained[0] - expected[0])).toBeLessThan(0.03);
    expect(Math.abs(p.explained[1] - expected[1])).toBeLessThan(0.03);
  });
});

describe('symmetric eigen-decomposition', () => {
  it('satisfies A v = λ v with orthonormal vectors and keeps the trace', () => {
    const rng = new Rng(3);
    for (const n of [2, 3, 6, 11]) {
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = rng.range(-2, 2);
      const { values, vectors } = symmetricEigen(A, n);
      let trace = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        trace += A[i * n + i];
        sum += values[i];
      }
      expect(sum).toBeCloseTo(trace, 9);
      for (let j = 0; j < n; j++) {
        for (let r = 0; r < n; r++) {
          let av = 0;
          for (let k = 0; k < n; k++) av += A[r * n + k] * vectors[k * n + j];
          expect(av).toBeCloseTo(values[j] * vectors[r * n + j], 9);
        }
        for (let m = 0; m < n; m++) {
          let dot = 0;
          for (let k = 0; k < n; k++) dot += vectors[k * n + j] * vectors[k * n + m];
          expect(dot).toBeCloseTo(j === m ? 1 : 0, 9);
        }
      }
    }
  });

  it('a hand-computed 2 × 2 case: [[2, 1], [1, 2]] has eigenvalues 3 and 1', () => {
    const { values } = symmetricEigen([2, 1, 1, 2], 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
  });
});
