/**
 * Route geometry for the scripted Avoid expert: a smooth desired path from the start pose through one gap
 * per obstacle row (spec/ecosystem.md §2c: row 1 left/right, row 2 three gaps, row 3 four gaps = 24
 * routes) to beyond the goal line, sampled one point per env step with a human-like speed profile.
 * Randomised: gap crossing points, approach angles, goal x, cruise speed, speed modulation, small
 * correlated noise. Pure geometry (no MuJoCo); avoidExpert.ts runs the points through the real env.
 */
import type { Rng } from '../../../core/rng';
import { PILLARS, ROD_RADIUS, ROW_Y, START_POS } from './layout';

export interface AvoidRoute {
  /** Row-1 mode: 0 left, 1 right of the pillar. */
  row1: 0 | 1;
  /** Row-2 mode: 2 (x < 0.425), 3 (middle), 4 (x > 0.575). */
  row2: 2 | 3 | 4;
  /** Row-3 mode: 5 (x < 0.35), 6, 7, 8 (x > 0.65). */
  row3: 5 | 6 | 7 | 8;
}

/** All 24 gap combinations. */
export const ALL_ROUTES: readonly AvoidRoute[] = ([0, 1] as const).flatMap((row1) =>
  ([2, 3, 4] as const).flatMap((row2) => ([5, 6, 7, 8] as const).map((row3) => ({ row1, row2, row3 }))),
);

/** The 9-bit mode mask a route should produce. */
export function routeBits(r: AvoidRoute): number {
  return (1 << r.row1) | (1 << r.row2) | (1 << r.row3);
}

/**
 * x ranges of the crossing point per mode: each keeps the rod ≥ 12 mm (tracking lag + noise margin) clear
 * of the neighbouring pillars, and stays inside x ∈ [0.2, 0.8].
 */
const GAP_X: Record<number, readonly [number, number]> = {
  0: [0.39, 0.445],
  1: [0.555, 0.61],
  2: [0.32, 0.375],
  3: [0.48, 0.52],
  4: [0.625, 0.68],
  5: [0.25, 0.3],
  6: [0.405, 0.445],
  7: [0.555, 0.595],
  8: [0.7, 0.74],
};

/** Approach/exit points sit this far before/after each row, so rows are crossed nearly straight. */
const ROW_HALF_SPAN = 0.045;
/** The desired path ends here (beyond the 0.4 goal line and the 0.45 episode end). */
const END_Y = 0.52;
/** Minimum distance of the desired path from a pillar axis beyond radius + rod. */
const PATH_CLEARANCE = 0.008;

export interface PathOptions {
  /** Most points to return (default 220). */
  maxPoints?: number;
}

/**
 * Desired xy per env step [K, 2], starting at the start pose (index 0). Retries the random draw until the
 * path keeps its clearance from every pillar.
 */
export function sampleDesiredPath(route: AvoidRoute, rng: Rng, opts: PathOptions = {}): Float64Array {
  for (let attempt = 0; attempt < 50; attempt++) {
    const poly = routePolyline(route, rng);
    if (polylineClear(poly)) return walk(poly, rng, opts.maxPoints ?? 220);
  }
  throw new Error(`Could not draw a collision-free path for route ${route.row1}/${route.row2}/${route.row3}.`);
}

/** Control points → centripetal Catmull–Rom spline, densely sampled as a polyline [M, 2]. */
function routePolyline(route: AvoidRoute, rng: Rng): Float64Array {
  const pts: [number, number][] = [[START_POS[0], START_POS[1]]];
  const gaps = [route.row1, route.row2, route.row3];
  let lastX: number = START_POS[0];
  for (let r = 0; r < 3; r++) {
    const [lo, hi] = GAP_X[gaps[r]];
    const x = rng.range(lo, hi);
    const lean = rng.range(-0.004, 0.004);
    pts.push([clamp(x - lean, lo, hi), ROW_Y[r] - ROW_HALF_SPAN * rng.range(0.9, 1.15)]);
    pts.push([clamp(x + lean, lo, hi), ROW_Y[r] + ROW_HALF_SPAN * rng.range(0.9, 1.15)]);
    lastX = x;
  }
  const goalX = clamp(lastX + rng.range(-0.06, 0.06), 0.25, 0.66);
  pts.push([goalX, END_Y]);
  return catmullRom(pts, 24);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Centripetal (α = 0.5) Catmull–Rom through pts, with reflected end points; `per` samples per segment. */
function catmullRom(pts: [number, number][], per: number): Float64Array {
  const n = pts.length;
  const ext = [reflect(pts[1], pts[0]), ...pts, reflect(pts[n - 2], pts[n - 1])];
  const out: number[] = [];
  for (let i = 1; i < ext.length - 2; i++) {
    const [p0, p1, p2, p3] = [ext[i - 1], ext[i], ext[i + 1], ext[i + 2]];
    const t0 = 0;
    const t1 = t0 + Math.sqrt(dist(p0, p1)) + 1e-9;
    const t2 = t1 + Math.sqrt(dist(p1, p2)) + 1e-9;
    const t3 = t2 + Math.sqrt(dist(p2, p3)) + 1e-9;
    for (let k = 0; k < per; k++) {
      const t = t1 + ((t2 - t1) * k) / per;
      const point: number[] = [];
      for (let d = 0; d < 2; d++) {
        const a1 = ((t1 - t) * p0[d] + (t - t0) * p1[d]) / (t1 - t0);
        const a2 = ((t2 - t) * p1[d] + (t - t1) * p2[d]) / (t2 - t1);
        const a3 = ((t3 - t) * p2[d] + (t - t2) * p3[d]) / (t3 - t2);
        const b1 = ((t2 - t) * a1 + (t - t0) * a2) / (t2 - t0);
        const b2 = ((t3 - t) * a2 + (t - t1) * a3) / (t3 - t1);
        point.push(((t2 - t) * b1 + (t - t1) * b2) / (t2 - t1));
      }
      out.push(point[0], point[1]);
    }
  }
  out.push(pts[n - 1][0], pts[n - 1][1]);
  return Float64Array.from(out);
}

function reflect(a: [number, number], b: [number, number]): [number, number] {
  return [2 * b[0] - a[0], 2 * b[1] - a[1]];
}

function dist(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

function polylineClear(poly: Float64Array): boolean {
  for (let i = 0; i < poly.length; i += 2) {
    for (const p of PILLARS) {
      if (Math.hypot(poly[i] - p.x, poly[i + 1] - p.y) < p.radius + ROD_RADIUS + PATH_CLEARANCE) return false;
    }
  }
  return true;
}

/**
 * Walks the polyline with a human-like speed profile: a ramp-up over the first steps, a cruise speed
 * drawn per episode, a slow sinusoidal modulation, slowing a little inside each row, plus AR(1) noise
 * on the points (≈1 mm). Returns [K, 2] with K ≤ maxPoints; point 0 is the start pose exactly.
 */
function walk(poly: Float64Array, rng: Rng, maxPoints: number): Float64Array {
  const m = poly.length / 2;
  const cum = new Float64Array(m);
  for (let i = 1; i < m; i++) cum[i] = cum[i - 1] + Math.hypot(poly[2 * i] - poly[2 * i - 2], poly[2 * i + 1] - poly[2 * i - 1]);
  const total = cum[m - 1];
  const cruise = rng.range(0.0108, 0.0125);
  const rampSteps = rng.range(4, 8);
  const modAmp = rng.range(0.04, 0.12);
  const modPeriod = rng.range(25, 45);
  const modPhase = rng.range(0, 2 * Math.PI);
  const out: number[] = [START_POS[0], START_POS[1]];
  let s = 0;
  let seg = 0;
  let nx = 0;
  let ny = 0;
  for (let t = 1; t < maxPoints && s < total; t++) {
    const y = out[out.length - 1];
    let inRow = 0;
    for (const ry of ROW_Y) inRow = Math.max(inRow, Math.exp(-(((y - ry) / 0.04) ** 2)));
    const v = cruise * Math.min(1, 0.35 + (0.65 * t) / rampSteps) * (1 + modAmp * Math.sin((2 * Math.PI * t) / modPeriod + modPhase)) * (1 - 0.06 * inRow);
    s = Math.min(total, s + v);
    while (seg < m - 2 && cum[seg + 1] < s) seg++;
    const f = (s - cum[seg]) / Math.max(cum[seg + 1] - cum[seg], 1e-12);
    nx = 0.85 * nx + 0.0006 * rng.normal();
    ny = 0.85 * ny + 0.0006 * rng.normal();
    out.push(poly[2 * seg] + f * (poly[2 * seg + 2] - poly[2 * seg]) + nx, poly[2 * seg + 1] + f * (poly[2 * seg + 3] - poly[2 * seg + 1]) + ny);
  }
  return Float64Array.from(out);
}
