/**
 * Pure helpers of the trajectory views (paper Fig. 9): path colours and dashes from the task's tags, legend
 * counts, the nearest path vertex to a click, and axis ticks. What the points mean and which tags exist is
 * the task's description (TrajectoryView, TagDef), so nothing here knows a task.
 */
import type { EnvPath } from '../../workers/protocol';
import type { TagDef } from '../../state/taskCatalog';

export const NEUTRAL_COLOR = '#999999';

export interface PathStyle {
  color: string;
  dashed: boolean;
}

/** Colour from the first category tag, dashes from any flag tag ≠ 0. */
export function pathStyle(path: EnvPath, tags: readonly TagDef[]): PathStyle {
  let color = path.success ? '#009E73' : NEUTRAL_COLOR;
  let dashed = false;
  let coloured = false;
  for (const t of tags) {
    const v = path.tags[t.key];
    if (t.kind === 'category' && !coloured && t.categories) {
      color = (t.categories.find((c) => c.value === v) ?? t.categories[t.categories.length - 1]).color;
      coloured = true;
    } else if (t.kind === 'flag' && v) dashed = true;
  }
  return { color, dashed };
}

export interface LegendEntry {
  label: string;
  color: string;
  dashed: boolean;
  count: number;
}

/** Legend rows: one per category of the first category tag, one per flag tag; with counts. */
export function legendEntries(paths: readonly EnvPath[], tags: readonly TagDef[]): LegendEntry[] {
  const out: LegendEntry[] = [];
  const cat = tags.find((t) => t.kind === 'category' && t.categories);
  if (cat?.categories) {
    const fallback = cat.categories[cat.categories.length - 1].value;
    for (const c of cat.categories) {
      const count = paths.filter((p) => {
        const v = p.tags[cat.key];
        return cat.categories!.some((k) => k.value === v) ? v === c.value : c.value === fallback;
      }).length;
      out.push({ label: c.label, color: c.color, dashed: false, count });
    }
  }
  for (const t of tags) if (t.kind === 'flag') out.push({ label: t.label, color: NEUTRAL_COLOR, dashed: true, count: paths.filter((p) => p.tags[t.key]).length });
  return out;
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

/** Nearest vertex (trace dims 0 and 1) to (x, y) within maxDist, or null. */
export function nearestVertex(paths: readonly EnvPath[], x: number, y: number, maxDist: number): PathHit | null {
  let best: PathHit | null = null;
  let bestD2 = maxDist * maxDist;
  for (let p = 0; p < paths.length; p++) {
    const { points, traceDim: D } = paths[p];
    if (D < 2) continue;
    for (let v = 0; v + 1 < points.length; v += D) {
      const dx = points[v] - x;
      const dy = points[v + 1] - y;
      const d2 = dx * dx + dy * dy;
      if (d2 <= bestD2) {
        bestD2 = d2;
        best = { path: p, vertex: v / D, x: points[v], y: points[v + 1], dist: Math.sqrt(d2) };
      }
    }
  }
  return best;
}
