/**
 * Top-down geometry of the D3IL Avoid table (spec/ecosystem.md §2c, spec/dppo-reference.md §7.3) and the
 * row-3 mode colours of the trajectory plot (paper Fig. 9). Units: metres, table frame (x right, y toward
 * the finish line).
 */
import { OKABE_ITO } from '../../ui/palette';
import type { EnvPath } from '../../train/events';

export interface Pillar {
  x: number;
  y: number;
  r: number;
}

export const PILLARS: readonly Pillar[] = [
  { x: 0.5, y: -0.1, r: 0.03 },
  { x: 0.425, y: 0.08, r: 0.025 },
  { x: 0.575, y: 0.08, r: 0.025 },
  { x: 0.35, y: 0.26, r: 0.025 },
  { x: 0.5, y: 0.26, r: 0.025 },
  { x: 0.65, y: 0.26, r: 0.025 },
];

export const FINISH_Y = 0.4;
export const START = { x: 0.525, y: -0.28 } as const;
/** Out-of-bounds limits of the reward (x ∉ [0.2, 0.8] costs −0.1). */
export const X_BOUNDS = [0.2, 0.8] as const;
/** Visible window of the plot. */
export const VIEW = { x0: 0.18, x1: 0.82, y0: -0.34, y1: 0.46 } as const;

export interface ModeStyle {
  mode: number;
  label: string;
  color: string;
}

/** Row-3 gaps 5..8 from left to right (spec §7.3: mode 5 is rewarded), −1 = never crossed row 3. */
export const MODES: readonly ModeStyle[] = [
  { mode: 5, label: 'mode 5 · x < 0.35 (rewarded)', color: OKABE_ITO.bluishGreen },
  { mode: 6, label: 'mode 6 · 0.35–0.50', color: OKABE_ITO.orange },
  { mode: 7, label: 'mode 7 · 0.50–0.65', color: OKABE_ITO.skyBlue },
  { mode: 8, label: 'mode 8 · x > 0.65', color: OKABE_ITO.reddishPurple },
  { mode: -1, label: 'not past row 3', color: OKABE_ITO.grey },
];

export function modeColor(mode: number): string {
  return (MODES.find((m) => m.mode === mode) ?? MODES[MODES.length - 1]).color;
}

export interface PathHit {
  /** Index into the paths array. */
  path: number;
  /** Vertex index within the path. */
  vertex: number;
  x: number;
  y: number;
  dist: number;
}

/** Nearest path vertex to (x, y) within maxDist metres, or null. */
export function nearestVertex(paths: readonly EnvPath[], x: number, y: number, maxDist: number): PathHit | null {
  let best: PathHit | null = null;
  let bestD2 = maxDist * maxDist;
  for (let p = 0; p < paths.length; p++) {
    const pts = paths[p].points;
    for (let v = 0; v + 1 < pts.length; v += 2) {
      const dx = pts[v] - x;
      const dy = pts[v + 1] - y;
      const d2 = dx * dx + dy * dy;
      if (d2 <= bestD2) {
        bestD2 = d2;
        best = { path: p, vertex: v / 2, x: pts[v], y: pts[v + 1], dist: Math.sqrt(d2) };
      }
    }
  }
  return best;
}

/** Counts of paths per mode, and of collided paths. */
export function modeCounts(paths: readonly EnvPath[]): { byMode: Map<number, number>; collided: number; success: number } {
  const byMode = new Map<number, number>();
  let collided = 0;
  let success = 0;
  for (const p of paths) {
    const m = MODES.some((s) => s.mode === p.mode) ? p.mode : -1;
    byMode.set(m, (byMode.get(m) ?? 0) + 1);
    if (p.collided) collided++;
    if (p.success) success++;
  }
  return { byMode, collided, success };
}
