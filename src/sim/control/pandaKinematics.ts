/**
 * Franka Panda kinematics in plain TypeScript (spec/ecosystem.md §2a′): Franka's modified-DH table
 * (Craig convention), joint limits, forward kinematics of a tool point and its geometric Jacobian.
 * The MJCF arm in tasks/avoid/mjcf.ts is generated from the same table, so these frames equal
 * MuJoCo's body frames exactly (checked in pandaKinematics.test.ts) and the per-step IK never has to
 * cross into WASM.
 */

/** Modified-DH row of joint i: a_{i−1}, d_i, α_{i−1} (metres, radians). */
export interface DhRow {
  readonly a: number;
  readonly d: number;
  readonly alpha: number;
}

/** Franka's published modified-DH parameters, J1..J7 (§2a′). */
export const PANDA_DH: readonly DhRow[] = [
  { a: 0, d: 0.333, alpha: 0 },
  { a: 0, d: 0, alpha: -Math.PI / 2 },
  { a: 0, d: 0.316, alpha: Math.PI / 2 },
  { a: 0.0825, d: 0, alpha: Math.PI / 2 },
  { a: -0.0825, d: 0.384, alpha: -Math.PI / 2 },
  { a: 0, d: 0, alpha: Math.PI / 2 },
  { a: 0.088, d: 0, alpha: Math.PI / 2 },
];

/** Flange offset along joint 7's z axis (§2a′). */
export const PANDA_FLANGE_D = 0.107;

/** Joint limits in radians (§2a′). */
export const PANDA_Q_MIN = Float64Array.from([-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973]);
export const PANDA_Q_MAX = Float64Array.from([2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973]);

/** A common home posture (§2a′): flange pointing down in front of the robot. */
export const PANDA_HOME = Float64Array.from([0, -0.785, 0, -2.356, 0, 1.571, 0.785]);

export const PANDA_NJ = 7;

/**
 * Child-body placement of DH row i inside its parent link frame, as MJCF `pos`/`quat`:
 * RotX(α)·TransX(a)·TransZ(d) ⇒ pos = (a, −d·sinα, d·cosα), quat = (cos α/2, sin α/2, 0, 0).
 */
export function dhBodyPose(row: DhRow): { pos: [number, number, number]; quat: [number, number, number, number] } {
  const s = Math.sin(row.alpha);
  const c = Math.cos(row.alpha);
  return {
    pos: [row.a, clean(-row.d * s), clean(row.d * c)],
    quat: [clean(Math.cos(row.alpha / 2)), clean(Math.sin(row.alpha / 2)), 0, 0],
  };
}

function clean(x: number): number {
  return Math.abs(x) < 1e-15 ? 0 : x;
}

/**
 * Kinematic state of the arm for one joint vector: joint origins and axes in world coordinates, the tool
 * point and the tool z axis. Preallocated; `update(q)` overwrites it.
 */
export class PandaChain {
  /** Joint origins [7, 3] (world). */
  readonly jointPos = new Float64Array(PANDA_NJ * 3);
  /** Joint axes [7, 3] (world). */
  readonly jointAxis = new Float64Array(PANDA_NJ * 3);
  /** Tool point (world). */
  readonly tip = new Float64Array(3);
  /** Tool frame rotation, row-major 3×3 (world ← tool); column 2 is the tool z axis. */
  readonly toolRot = new Float64Array(9);
  private readonly r = new Float64Array(9);
  private readonly p = new Float64Array(3);

  /**
   * @param basePos world position of the robot base (link0); the base is not rotated.
   * @param toolOffset tool point along the flange z axis, measured from joint 7's origin (flange d + tool).
   */
  constructor(
    readonly basePos: readonly [number, number, number],
    readonly toolOffset: number,
  ) {}

  /** Forward kinematics for q [7]. */
  update(q: ArrayLike<number>): void {
    const r = this.r;
    const p = this.p;
    r.fill(0);
    r[0] = r[4] = r[8] = 1;
    p[0] = this.basePos[0];
    p[1] = this.basePos[1];
    p[2] = this.basePos[2];
    for (let i = 0; i < PANDA_NJ; i++) {
      const { a, d, alpha } = PANDA_DH[i];
      const ca = Math.cos(alpha);
      const sa = Math.sin(alpha);
      // p += R·(a, −d sinα, d cosα)
      const lx = a;
      const ly = -d * sa;
      const lz = d * ca;
      p[0] += r[0] * lx + r[1] * ly + r[2] * lz;
      p[1] += r[3] * lx + r[4] * ly + r[5] * lz;
      p[2] += r[6] * lx + r[7] * ly + r[8] * lz;
      // R ← R·RotX(α)·RotZ(q_i)
      const ct = Math.cos(q[i]);
      const st = Math.sin(q[i]);
      // M = RotX(α)·RotZ(θ) = [[ct, −st, 0], [ca·st, ca·ct, −sa], [sa·st, sa·ct, ca]]
      const m00 = ct, m01 = -st, m02 = 0;
      const m10 = ca * st, m11 = ca * ct, m12 = -sa;
      const m20 = sa * st, m21 = sa * ct, m22 = ca;
      for (let row = 0; row < 3; row++) {
        const x0 = r[row * 3];
        const x1 = r[row * 3 + 1];
        const x2 = r[row * 3 + 2];
        r[row * 3] = x0 * m00 + x1 * m10 + x2 * m20;
        r[row * 3 + 1] = x0 * m01 + x1 * m11 + x2 * m21;
        r[row * 3 + 2] = x0 * m02 + x1 * m12 + x2 * m22;
      }
      this.jointPos[i * 3] = p[0];
      this.jointPos[i * 3 + 1] = p[1];
      this.jointPos[i * 3 + 2] = p[2];
      this.jointAxis[i * 3] = r[2];
      this.jointAxis[i * 3 + 1] = r[5];
      this.jointAxis[i * 3 + 2] = r[8];
    }
    const t = this.toolOffset;
    this.tip[0] = p[0] + r[2] * t;
    this.tip[1] = p[1] + r[5] * t;
    this.tip[2] = p[2] + r[8] * t;
    this.toolRot.set(r);
  }

  /**
   * Geometric Jacobian of the tool point, written into jac [6, 7] row-major: rows 0–2 linear
   * (z_i × (tip − p_i)), rows 3–5 angular (z_i). Call after update().
   */
  jacobian(jac: Float64Array): void {
    const tip = this.tip;
    for (let i = 0; i < PANDA_NJ; i++) {
      const zx = this.jointAxis[i * 3];
      const zy = this.jointAxis[i * 3 + 1];
      const zz = this.jointAxis[i * 3 + 2];
      const dx = tip[0] - this.jointPos[i * 3];
      const dy = tip[1] - this.jointPos[i * 3 + 1];
      const dz = tip[2] - this.jointPos[i * 3 + 2];
      jac[i] = zy * dz - zz * dy;
      jac[PANDA_NJ + i] = zz * dx - zx * dz;
      jac[2 * PANDA_NJ + i] = zx * dy - zy * dx;
      jac[3 * PANDA_NJ + i] = zx;
      jac[4 * PANDA_NJ + i] = zy;
      jac[5 * PANDA_NJ + i] = zz;
    }
  }
}
