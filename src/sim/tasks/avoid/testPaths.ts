/**
 * Deterministic waypoint follower used by the Avoid tests and the viewer's idle route: moves the desired position
 * along straight segments at a fixed speed per env step (raw actions). Not a demonstrator (see
 * src/data/demos/avoidExpert.ts for the varied, human-like one).
 */

/** Raw actions [T, 2] that move the desired xy from `start` through `waypoints` at `speed` per step. */
export function straightLineActions(start: readonly [number, number], waypoints: readonly (readonly [number, number])[], speed = 0.01): Float32Array[] {
  const out: Float32Array[] = [];
  let [x, y] = start;
  for (const [wx, wy] of waypoints) {
    for (;;) {
      const dx = wx - x;
      const dy = wy - y;
      const d = Math.hypot(dx, dy);
      if (d < 1e-12) break;
      const s = Math.min(1, speed / d);
      out.push(Float32Array.of(dx * s, dy * s));
      x += dx * s;
      y += dy * s;
      if (s === 1) break;
    }
  }
  return out;
}

/** A collision-free mode-5 route (row 1 right, row 2 left gap, row 3 left-most gap) to beyond the goal line. */
export const MODE5_ROUTE: readonly (readonly [number, number])[] = [
  [0.58, -0.1],
  [0.36, 0.08],
  [0.28, 0.26],
  [0.3, 0.46],
];
