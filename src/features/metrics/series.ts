/**
 * Pure helpers for the learning curves: TensorBoard-style debiased EMA smoothing, LTTB downsampling and
 * the merge of several runs into one row-per-x table that recharts can draw (ux.md "TensorBoard / W&B").
 */

export interface XY {
  x: number;
  y: number;
}

/**
 * Debiased exponential moving average (TensorBoard's smoothing): s_t = w·s_{t−1} + (1−w)·v_t, divided by
 * (1 − w^n) where n counts the finite values seen so far, so the first points are not pulled toward 0.
 * Non-finite values are passed through as NaN and do not advance the average. weight ∈ [0, 1).
 */
export function debiasedEma(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Array<number>(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = NaN;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = w === 0 ? v : last / (1 - Math.pow(w, n));
  }
  return out;
}

/**
 * Largest-Triangle-Three-Buckets downsampling to at most `threshold` points, keeping the first and last
 * point and the visually important extremes. Input sorted by x; returns indices into it.
 */
export function lttbIndices(points: readonly XY[], threshold: number): number[] {
  const n = points.length;
  if (threshold >= n || threshold < 3) return points.map((_, i) => i);
  const out: number[] = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const avgStart = Math.floor((i + 1) * every) + 1;
    const avgEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = avgStart; j < avgEnd; j++) {
      avgX += points[j].x;
      avgY += points[j].y;
    }
    const len = Math.max(avgEnd - avgStart, 1);
    avgX /= len;
    avgY /= len;
    const rangeStart = Math.floor(i * every) + 1;
    const rangeEnd = Math.floor((i + 1) * every) + 1;
    const ax = points[a].x;
    const ay = points[a].y;
    let best = rangeStart;
    let bestArea = -1;
    for (let j = rangeStart; j < rangeEnd; j++) {
      const area = Math.abs((ax - avgX) * (points[j].y - ay) - (ax - points[j].x) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(best);
    a = best;
  }
  out.push(n - 1);
  return out;
}

/** One run's curve for one metric: raw and smoothed values at the same x. */
export interface RunSeries {
  runId: string;
  xs: number[];
  raw: number[];
  smooth: number[];
}

/** A row of the merged chart table: x plus `raw:<runId>` / `smooth:<runId>` columns. */
export type ChartRow = { x: number } & Record<string, number>;

export const rawKey = (runId: string): string => `raw:${runId}`;
export const smoothKey = (runId: string): string => `smooth:${runId}`;

/**
 * Builds one runs' series: drops non-finite y, smooths, then downsamples to `maxPoints` (the smoothed
 * curve decides which indices survive so raw and smooth stay aligned).
 */
export function buildSeries(runId: string, xs: readonly number[], ys: readonly number[], weight: number, maxPoints: number): RunSeries {
  const fx: number[] = [];
  const fy: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) {
      fx.push(xs[i]);
      fy.push(ys[i]);
    }
  }
  const sm = debiasedEma(fy, weight);
  const keep = lttbIndices(fx.map((x, i) => ({ x, y: sm[i] })), maxPoints);
  return { runId, xs: keep.map((i) => fx[i]), raw: keep.map((i) => fy[i]), smooth: keep.map((i) => sm[i]) };
}

/** Merges several runs' series into rows sorted by x (runs with different x grids leave gaps). */
export function mergeSeries(series: readonly RunSeries[]): ChartRow[] {
  const byX = new Map<number, ChartRow>();
  for (const s of series) {
    for (let i = 0; i < s.xs.length; i++) {
      const x = s.xs[i];
      let row = byX.get(x);
      if (!row) {
        row = { x } as ChartRow;
        byX.set(x, row);
      }
      row[rawKey(s.runId)] = s.raw[i];
      row[smoothKey(s.runId)] = s.smooth[i];
    }
  }
  return [...byX.values()].sort((a, b) => a.x - b.x);
}

/** Index of the last x ≤ target (or 0), for the all-runs hover readout. xs sorted ascending. */
export function nearestAtOrBefore(xs: readonly number[], target: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  if (hi < 0) return -1;
  if (target < xs[0]) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid] <= target) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
