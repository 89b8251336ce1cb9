/**
 * Cartesian controller for a Panda whose tool points straight down (D3IL Avoid, spec/ecosystem.md §2c):
 * once per env step, the commanded tool position is turned into joint targets by damped-least-squares
 * IK (downwardIk.ts, warm-started from the previous targets), and MuJoCo's joint position servos
 * (`<position kp kv>`, gravity compensated) track those targets over the physics sub-steps.
 * Chosen over per-sub-step task-space torque control because it keeps the 35 sub-steps free of JS work:
 * the whole controller costs a few µs per env step.
 *
 * Workspace clamp: the IK target is projected onto the annulus sector in front of the base where the
 * downward pose is reachable and well conditioned (radius 0.30–0.80 m, bearing within ±1.4 rad of +x).
 * A command outside it leaves the tip at the boundary — like a real arm's workspace limit — instead of
 * dragging the joints into limits from which the warm-started IK cannot find its way back.
 */
import { DownwardIk, type IkResult } from './downwardIk';
import { PANDA_HOME, PANDA_NJ, PandaChain } from './pandaKinematics';

/** Reachable sector of tool positions around the base (checked by sweeping the IK along it). */
export const DOWNWARD_WORKSPACE = { rMin: 0.3, rMax: 0.8, maxBearing: 1.4 } as const;

/** IK iterations per env step; a 1 cm move converges in 2–3. */
export const ITER_PER_STEP = 8;
/** IK tolerance per env step (m): far below the servo's tracking error. */
export const STEP_TOL = 1e-5;
/** DLS settings of the per-step IK. */
export const SERVO_IK_OPTIONS = { damping: 0.005, postureGain: 0.01 } as const;

export class DownwardServoController {
  /** Current joint targets [7] (written into MuJoCo's ctrl). */
  readonly qTarget = new Float64Array(PANDA_NJ);
  private readonly ik: DownwardIk;

  /**
   * @param chain arm kinematics matching the MJCF
   * @param rest posture the null-space term pulls toward (the reset posture)
   */
  constructor(chain: PandaChain, rest: ArrayLike<number>) {
    this.ik = new DownwardIk(chain, rest, SERVO_IK_OPTIONS);
    this.qTarget.set(rest);
  }

  /** Restarts from joint targets q [7] (the reset posture). */
  reset(q: ArrayLike<number>): void {
    this.qTarget.set(q);
  }

  /** New joint targets for a tool position (clamped to the workspace); returns the IK residual. */
  command(x: number, y: number, z: number): IkResult {
    const [bx, by] = this.ik.chain.basePos;
    const dx = x - bx;
    const dy = y - by;
    const r = Math.hypot(dx, dy);
    const bearing = Math.atan2(dy, dx);
    const { rMin, rMax, maxBearing } = DOWNWARD_WORKSPACE;
    if (r < rMin || r > rMax || Math.abs(bearing) > maxBearing) {
      const rc = Math.min(rMax, Math.max(rMin, r));
      const bc = Math.min(maxBearing, Math.max(-maxBearing, bearing));
      x = bx + rc * Math.cos(bc);
      y = by + rc * Math.sin(bc);
    }
    return this.ik.solve(this.qTarget, x, y, z, ITER_PER_STEP, STEP_TOL);
  }
}

/**
 * Joint posture with the tool at (x, y, z) pointing down, solved from the home posture (§2a′) to
 * 1e-10 m without posture bias. Used once per task to get the deterministic reset configuration.
 */
export function solveDownwardPosture(chain: PandaChain, x: number, y: number, z: number): Float64Array {
  const q = Float64Array.from(PANDA_HOME);
  const ik = new DownwardIk(chain, PANDA_HOME, { damping: 0.002, postureGain: 0 });
  const res = ik.solve(q, x, y, z, 500, 1e-10);
  if (res.posErr > 1e-6 || res.tiltErr > 1e-5) {
    throw new Error(`No downward IK solution at (${x}, ${y}, ${z}): residual ${res.posErr.toExponential(2)} m.`);
  }
  return q;
}
