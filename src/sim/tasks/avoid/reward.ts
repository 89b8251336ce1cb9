/**
 * D3IL Avoid M5 reward (spec/dppo-reference.md §7.3, DPPO fork ObstacleAvoidanceM5Env.reward) and the
 * pillar collision test.
 *
 * Collision: the reference asks MuJoCo whether the rod geom touches a pillar geom. Here contacts are
 * disabled for speed, and the test is geometric instead: the rod is vertical and spans every pillar's
 * height, so it touches pillar i iff the xy distance from the tip to the pillar axis is below
 * r_i + ROD_RADIUS. Deterministic, and checked at the end of each env step as the reference does.
 */
import { GOAL_Y, PILLARS, ROD_RADIUS, X_BOUNDS } from './layout';

/** True if a vertical rod at (x, y) touches any pillar. */
export function rodHitsPillar(x: number, y: number): boolean {
  for (const p of PILLARS) {
    const r = p.radius + ROD_RADIUS;
    const dx = x - p.x;
    const dy = y - p.y;
    if (dx * dx + dy * dy < r * r) return true;
  }
  return false;
}

/**
 * Per-step M5 reward: −0.1 once collided (permanent); −0.1 while x ∉ [0.2, 0.8]; else +1 once mode 5 has
 * been passed, +1 while y > 0.4 (max 2).
 */
export function m5Reward(x: number, y: number, collided: boolean, modeBits: number): number {
  if (collided) return -0.1;
  if (x < X_BOUNDS[0] || x > X_BOUNDS[1]) return -0.1;
  let r = 0;
  if (modeBits & (1 << 5)) r += 1;
  if (y > GOAL_Y) r += 1;
  return r;
}
