/**
 * Principal-component projection of action clouds for actions with more than two dimensions (the Gym tasks'
 * 3-D and 6-D torques; the paper's Fig. 11 plots 2-D Avoid actions directly).
 *
 * The covariance C (Da × Da, population: divided by N) of the pooled samples is diagonalised with the cyclic
 * Jacobi method, which is exact enough and short for the Da ≤ ~20 of these tasks (no dependency needed for a
 * symmetric 6 × 6 eigenproblem). The two eigenvectors with the largest eigenvalues are the plotted axes;
 * each explains λ_i / trace(C) of the variance.
 *
 * Sign convention (so the picture is deterministic): each component's entry of largest magnitude is made
 * positive; when several entries tie, the one with the lowest index is.
 *
 * The projection is p · c_i, without subtracting the mean: the axes are orthonormal, so units are kept, and
 * the zero action stays at the origin of the plot as it does when two raw dimensions are plotted.
 */

export interface Pca2 {
  /** Unit principal axes, each of length Da; [0] has the largest variance. */
  components: [Float64Array, Float64Array];
  /** Variance of the samples along each axis (the covariance's eigenvalues). */
  variances: [number, number];
  /** Fraction of the total variance (trace of the covariance) along each axis; 0 when the total is 0. */
  explained: [number, number];
  /** Mean of the pooled samples [Da]. */
  mean: Float64Array;
  /** Number of finite samples pooled. */
  count: number;
}

/** Eigen-decomposition of a symmetric n × n matrix (row-major); vectors are the columns of `vectors`. */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] * a[i];
  const tol = 1e-30 * scale;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= tol) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // Rotation in the (p, q) plane that zeroes a_pq: θ = (a_qq − a_pp) / (2 a_pq), t = tan of the angle.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = a[p * n + k] = c * akp - s * akq;
          a[k * n + q] = a[q * n + k] = s * akp + c * akq;
        }
        a[p * n + p] -= t * apq;
        a[q * n + q] += t * apq;
        a[p * n + q] = a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** Flips `c` in place so that its largest-magnitude entry (the first of equals) is positive. */
function fixSign(c: Float64Array): void {
  let best = 0;
  for (let i = 1; i < c.length; i++) if (Math.abs(c[i]) > Math.abs(c[best]) + 1e-9) best = i;
  if (c[best] < 0) for (let i = 0; i < c.length; i++) c[i] = -c[i] || 0;
}

/**
 * Top two principal components of all samples of `clouds` (each flat [n, Da]) pooled together. Samples
 * with a non-finite value are left out. For Da = 1 the second axis is the zero vector.
 */
export function pca2(clouds: readonly Float32Array[], Da: number): Pca2 {
  const mean = new Float64Array(Da);
  const finite = (c: Float32Array, i: number) => {
    for (let d = 0; d < Da; d++) if (!Number.isFinite(c[i + d])) return false;
    return true;
  };
  let count = 0;
  for (const c of clouds) {
    for (let i = 0; i + Da <= c.length; i += Da) {
      if (!finite(c, i)) continue;
      count++;
      for (let d = 0; d < Da; d++) mean[d] += c[i + d];
    }
  }
  if (count) for (let d = 0; d < Da; d++) mean[d] /= count;
  const cov = new Float64Array(Da * Da);
  const x = new Float64Array(Da);
  for (const c of clouds) {
    for (let i = 0; i + Da <= c.length; i += Da) {
      if (!finite(c, i)) continue;
      for (let d = 0; d < Da; d++) x[d] = c[i + d] - mean[d];
      for (let r = 0; r < Da; r++) for (let k = r; k < Da; k++) cov[r * Da + k] += x[r] * x[k];
    }
  }
  for (let r = 0; r < Da; r++) {
    for (let k = r; k < Da; k++) {
      cov[r * Da + k] = count ? cov[r * Da + k] / count : 0;
      cov[k * Da + r] = cov[r * Da + k];
    }
  }
  const { values, vectors } = symmetricEigen(cov, Da);
  // Largest eigenvalue first; equal ones keep their index order (deterministic).
  const order = Array.from({ length: Da }, (_, i) => i).sort((i, j) => values[j] - values[i] || i - j);
  const column = (j: number | undefined) => {
    const out = new Float64Array(Da);
    if (j !== undefined) for (let r = 0; r < Da; r++) out[r] = vectors[r * Da + j];
    fixSign(out);
    return out;
  };
  let total = 0;
  for (let i = 0; i < Da; i++) total += Math.max(values[i], 0);
  const variances: [number, number] = [Math.max(values[order[0]] ?? 0, 0), Math.max(values[order[1]] ?? 0, 0)];
  return {
    components: [column(order[0]), column(order[1])],
    variances,
    explained: total > 0 ? [variances[0] / total, variances[1] / total] : [0, 0],
    mean,
    count,
  };
}

/** Coordinates of every sample of `cloud` ([n, Da]) on the two axes: flat [n, 2], (p · c_0, p · c_1). */
export function projectPca(cloud: Float32Array, Da: number, pca: Pca2): Float32Array {
  const n = Math.floor(cloud.length / Da);
  const out = new Float32Array(2 * n);
  const [c0, c1] = pca.components;
  for (let i = 0; i < n; i++) {
    let u = 0;
    let w = 0;
    for (let d = 0; d < Da; d++) {
      const v = cloud[i * Da + d];
      u += v * c0[d];
      w += v * c1[d];
    }
    out[2 * i] = u;
    out[2 * i + 1] = w;
  }
  return out;
}
