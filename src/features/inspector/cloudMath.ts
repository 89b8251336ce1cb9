/**
 * Pure helpers for the action-cloud views (paper Fig. 11): axis ranges, cloud means and step selection.
 * A cloud is a flat Float32Array [n, Da] of raw actions; `dims` picks the two plotted dimensions.
 */

export interface Range2 {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function quantile(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

/**
 * Range covering the [q, 1−q] quantiles of every cloud in each plotted dimension, padded by `pad` of the
 * span, and made square-ish in scale only when `equal` (same units per pixel on both axes).
 */
export function cloudRange(clouds: readonly Float32Array[], Da: number, dims: [number, number], q = 0.005, pad = 0.08, equal = true): Range2 {
  const total = clouds.reduce((n, c) => n + c.length / Da, 0);
  const xs = new Float32Array(total);
  const ys = new Float32Array(total);
  let k = 0;
  for (const c of clouds) {
    for (let i = 0; i + Da <= c.length; i += Da) {
      xs[k] = c[i + dims[0]];
      ys[k] = c[i + dims[1]];
      k++;
    }
  }
  xs.sort();
  ys.sort();
  let x0 = quantile(xs, q);
  let x1 = quantile(xs, 1 - q);
  let y0 = quantile(ys, q);
  let y1 = quantile(ys, 1 - q);
  const minSpan = 1e-6 + 1e-3 * Math.max(Math.abs(x0), Math.abs(x1), Math.abs(y0), Math.abs(y1));
  let wx = Math.max(x1 - x0, minSpan);
  let wy = Math.max(y1 - y0, minSpan);
  if (equal) {
    const w = Math.max(wx, wy);
    wx = w;
    wy = w;
  }
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  x0 = cx - (wx / 2) * (1 + 2 * pad);
  x1 = cx + (wx / 2) * (1 + 2 * pad);
  y0 = cy - (wy / 2) * (1 + 2 * pad);
  y1 = cy + (wy / 2) * (1 + 2 * pad);
  return { x0, x1, y0, y1 };
}

/** Mean of the plotted dimensions. */
export function cloudMean(cloud: Float32Array, Da: number, dims: [number, number]): [number, number] {
  let mx = 0;
  let my = 0;
  const n = Math.floor(cloud.length / Da);
  for (let i = 0; i < n; i++) {
    mx += cloud[i * Da + dims[0]];
    my += cloud[i * Da + dims[1]];
  }
  return n ? [mx / n, my / n] : [0, 0];
}

/** `count` step indices spread evenly over [0, S−1], always including both ends, ascending, unique. */
export function pickSteps(S: number, count: number): number[] {
  if (S <= count) return Array.from({ length: S }, (_, i) => i);
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round((i * (S - 1)) / (count - 1)));
  return [...out].sort((a, b) => a - b);
}

/** Round tick values inside [lo, hi], as close to `target` of them as 1-2-2.5-5 steps allow (at least 2). */
export function niceTicks(lo: number, hi: number, target = 3): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const mag = Math.pow(10, Math.floor(Math.log10(span)));
  let best: number[] = [];
  let bestScore = Infinity;
  for (const step of [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5].map((m) => m * mag)) {
    const first = Math.ceil(lo / step - 1e-9);
    const last = Math.floor(hi / step + 1e-9);
    const count = last - first + 1;
    if (count < 2) continue;
    const score = Math.abs(count - target);
    if (score < bestScore) {
      bestScore = score;
      best = Array.from({ length: count }, (_, i) => {
        const v = (first + i) * step;
        return Math.abs(v) < step * 1e-9 ? 0 : +v.toPrecision(12);
      });
    }
  }
  return best.length ? best : [lo, hi];
}

/** The chosen dimensions of every sample of a flat [n, Da] cloud, as a flat [n, dims.length] array. */
export function pickDims(cloud: Float32Array, Da: number, dims: readonly number[]): Float32Array {
  for (const d of dims) if (!Number.isInteger(d) || d < 0 || d >= Da) throw new RangeError(`action dimension ${d} is not in 0…${Da - 1}`);
  const n = Math.floor(cloud.length / Da);
  const m = dims.length;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = cloud[i * Da + dims[j]];
  return out;
}

/** Equal-width bins over [lo, hi]: `count` bins, `count + 1` edges. */
export interface Bins {
  lo: number;
  hi: number;
  count: number;
}

/**
 * Bins for dimension `dim` shared by all `clouds` (every denoising step of both policies): from the
 * smallest to the largest finite value, so no sample falls outside; a constant dimension gets a small span
 * around its value.
 */
export function sharedBins(clouds: readonly Float32Array[], Da: number, dim: number, count: number): Bins {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of clouds) {
    for (let i = dim; i < c.length; i += Da) {
      const v = c[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) return { lo: -1, hi: 1, count };
  if (!(hi > lo)) {
    const half = 0.5 * Math.max(1e-3, Math.abs(lo) * 1e-3);
    return { lo: lo - half, hi: hi + half, count };
  }
  return { lo, hi, count };
}

/**
 * Samples of dimension `dim` of a flat [n, Da] cloud in each bin. Bin i covers [lo + i·w, lo + (i+1)·w),
 * the last one also its right edge; values outside [lo, hi] count in the end bins, non-finite ones nowhere.
 */
export function histogramCounts(cloud: Float32Array, Da: number, dim: number, bins: Bins): Uint32Array {
  const counts = new Uint32Array(bins.count);
  const w = (bins.hi - bins.lo) / bins.count;
  for (let i = dim; i < cloud.length; i += Da) {
    const v = cloud[i];
    if (!Number.isFinite(v)) continue;
    const b = Math.floor((v - bins.lo) / w);
    counts[Math.min(bins.count - 1, Math.max(0, b))]++;
  }
  return counts;
}
