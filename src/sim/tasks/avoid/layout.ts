/**
 * D3IL Avoid scene constants (spec/ecosystem.md §2c; spec/dppo-reference.md §7.3). One place for the
 * numbers the MJCF, the reward/mode bookkeeping, the scripted expert and the plots share.
 */

export interface Pillar {
  /** MJCF geom name, as in D3IL's avoiding_objects.py. */
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly radius: number;
  /** Half-height of the cylinder (it stands on the table top at z = 0). */
  readonly halfHeight: number;
  /** Obstacle row 1..3. */
  readonly row: 1 | 2 | 3;
}

/** Row y positions: first row −0.10, spacing 0.18 (§2c). */
export const ROW_Y = [-0.1, 0.08, 0.26] as const;

/** The six static pillars, row by row (§2c). */
export const PILLARS: readonly Pillar[] = [
  { name: 'l1_obs', x: 0.5, y: -0.1, radius: 0.03, halfHeight: 0.07, row: 1 },
  { name: 'l2_top_obs', x: 0.425, y: 0.08, radius: 0.025, halfHeight: 0.1, row: 2 },
  { name: 'l2_bottom_obs', x: 0.575, y: 0.08, radius: 0.025, halfHeight: 0.1, row: 2 },
  { name: 'l3_top_obs', x: 0.35, y: 0.26, radius: 0.025, halfHeight: 0.1, row: 3 },
  { name: 'l3_mid_obs', x: 0.5, y: 0.26, radius: 0.025, halfHeight: 0.1, row: 3 },
  { name: 'l3_bottom_obs', x: 0.65, y: 0.26, radius: 0.025, halfHeight: 0.1, row: 3 },
];

/** Green, visual-only finish-line box (§2c): centre and half-size. */
export const FINISH_LINE = { pos: [0.4, 0.35, 0] as const, halfSize: [0.5, 0.01, 0.005] as const };

/** The M5 reward's goal line: +1 while y > 0.4 (spec §7.3). */
export const GOAL_Y = 0.4;

/** Reward bounds: −0.1 while x ∉ [0.2, 0.8] (spec §7.3). */
export const X_BOUNDS = [0.2, 0.8] as const;

/** Start tool position (§2c), deterministic reset. */
export const START_POS = [0.525, -0.28, 0.12] as const;

/** Fixed tool height (§2c). */
export const TOOL_Z = 0.12;

/** Radius of the rod the robot holds (D3IL panda_rod.xml: cylinder radius 0.01). */
export const ROD_RADIUS = 0.01;

/** Half-width of the band around rows 1 and 2 in which the gap is recorded (D3IL check_mode: ±0.03). */
export const MODE_BAND = 0.03;

/** Physics: dt 1 ms, 35 sub-steps per env step (§2c). */
export const PHYSICS_DT = 0.001;
export const N_SUBSTEPS = 35;

/** Truncation horizon of the fine-tuning env (spec §7.3). */
export const MAX_EPISODE_STEPS = 100;

/** Raw action scale of the data: ±0.01 per step (spec §7.3). */
export const ACTION_SCALE = 0.01;
