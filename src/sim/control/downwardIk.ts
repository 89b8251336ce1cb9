/**
 * Damped-least-squares IK for a tool that must point straight down (D3IL Avoid, spec/ecosystem.md §2c:
 * fixed height, rod pointing down). The rod is symmetric about its axis, so the task has 5 rows —
 * tool position (3) and the world-x/y components of the tool-axis error (2) — and yaw is left to the
 * null space, where a posture term pulls the joints toward a rest posture. Pure TypeScript on top of
 * PandaChain: no WASM calls, a few µs per solve.
 */
import { PANDA_NJ, PANDA_Q_MAX, PANDA_Q_MIN, PandaChain } from './pandaKinematics';

const NT = 5; // task rows
const NJ = PANDA_NJ;

export interface DownwardIkOptions {
  /** Damping λ of the DLS inverse (J Jᵀ + λ²I)⁻¹. */
  damping?: number;
  /** Gain of the null-space posture term, per iteration. */
  postureGain?: number;
  /** Largest joint change per iteration (rad). */
  maxStep?: number;
  /** Distance kept from the joint limits (rad). */
  limitMargin?: number;
}

export interface IkResult {
  /** Remaining position error ‖target − tip‖ (m). */
  posErr: number;
  /** Remaining tilt of the tool axis from straight down (rad, small-angle). */
  tiltErr: number;
  iterations: number;
}

/** Defaults of maxStep and limitMargin (DownwardIkOptions). */
export const DOWNWARD_IK_DEFAULTS = { maxStep: 0.25, limitMargin: 0.02 } as const;

export class DownwardIk {
  readonly chain: PandaChain;
  /** Posture the null-space term pulls toward [7]. */
  readonly rest = new Float64Array(NJ);
  private readonly damping: number;
  private readonly postureGain: number;
  private readonly maxStep: number;
  private readonly lo = new Float64Array(NJ);
  private readonly hi = new Float64Array(NJ);
  private readonly jac6 = new Float64Array(6 * NJ);
  private readonly jac = new Float64Array(NT * NJ);
  private readonly a = new Float64Array(NT * NT);
  private readonly err = new Float64Array(NT);
  private readonly y = new Float64Array(NT);
  private readonly z0 = new Float64Array(NJ);
  private readonly jz = new Float64Array(NT);
  private readonly dq = new Float64Array(NJ);

  constructor(chain: PandaChain, rest: ArrayLike<number>, opts: DownwardIkOptions = {}) {
    this.chain = chain;
    this.rest.set(rest);
    this.damping = opts.damping ?? 0.02;
    this.postureGain = opts.postureGain ?? 0.05;
    this.maxStep = opts.maxStep ?? DOWNWARD_IK_DEFAULTS.maxStep;
    const margin = opts.limitMargin ?? DOWNWARD_IK_DEFAULTS.limitMargin;
    for (let j = 0; j < NJ; j++) {
      this.lo[j] = PANDA_Q_MIN[j] + margin;
      this.hi[j] = PANDA_Q_MAX[j] - margin;
    }
  }

  /**
   * Moves q [7] (in place, warm start) toward a pose with the tool point at (x, y, z) and the tool axis
   * pointing down. Stops when the position error is below `tol` metres and the tilt below 10·tol rad.
   */
  solve(q: Float64Array, x: number, y: number, z: number, maxIter: number, tol = 1e-6): IkResult {
    const chain = this.chain;
    let it = 0;
    let posErr = Infinity;
    let tiltErr = Infinity;
    for (;;) {
      chain.update(q);
      const e = this.err;
      e[0] = x - chain.tip[0];
      e[1] = y - chain.tip[1];
      e[2] = z - chain.tip[2];
      // tool z × (0, 0, −1) = (−z_y, z_x, 0): rotation that tips the axis down.
      const zx = chain.toolRot[2];
      const zy = chain.toolRot[5];
      e[3] = -zy;
      e[4] = zx;
      posErr = Math.hypot(e[0], e[1], e[2]);
      tiltErr = Math.hypot(e[3], e[4]);
      if ((posErr < tol && tiltErr < 10 * tol) || it >= maxIter) break;
      this.iterate(q);
      it++;
    }
    return { posErr, tiltErr, iterations: it };
  }

  /** One DLS step with null-space posture: dq = J⁺e + (I − J⁺J)·k(rest − q), J⁺ = Jᵀ(JJᵀ + λ²I)⁻¹. */
  private iterate(q: Float64Array): void {
    const { jac, jac6, a, err, y, z0, jz, dq } = this;
    this.chain.jacobian(jac6);
    // Rows 0..2 linear, rows 3..4 = angular x, y.
    jac.set(jac6.subarray(0, 5 * NJ));
    for (let r = 0; r < NT; r++) {
      for (let c = r; c < NT; c++) {
        let s = 0;
        for (let j = 0; j < NJ; j++) s += jac[r * NJ + j] * jac[c * NJ + j];
        a[r * NT + c] = s;
        a[c * NT + r] = s;
      }
      a[r * NT + r] += this.damping * this.damping;
    }
    choleskyInPlace(a, NT);
    for (let j = 0; j < NJ; j++) z0[j] = this.postureGain * (this.rest[j] - q[j]);
    for (let r = 0; r < NT; r++) {
      let s = 0;
      for (let j = 0; j < NJ; j++) s += jac[r * NJ + j] * z0[j];
      jz[r] = err[r] - s; // solve once for J⁺(e − J z0): dq = z0 + J⁺(e − J z0)
    }
    choleskySolve(a, NT, jz, y);
    let maxAbs = 0;
    for (let j = 0; j < NJ; j++) {
      let s = z0[j];
      for (let r = 0; r < NT; r++) s += jac[r * NJ + j] * y[r];
      dq[j] = s;
      if (Math.abs(s) > maxAbs) maxAbs = Math.abs(s);
    }
    const scale = maxAbs > this.maxStep ? this.maxStep / maxAbs : 1;
    for (let j = 0; j < NJ; j++) {
      const v = q[j] + scale * dq[j];
      q[j] = v < this.lo[j] ? this.lo[j] : v > this.hi[j] ? this.hi[j] : v;
    }
  }
}

/** In-place Cholesky of a symmetric positive-definite n×n matrix (lower triangle holds L). */
function choleskyInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = i === j ? Math.sqrt(s) : s / a[j * n + j];
    }
  }
}

/** Solves L Lᵀ x = b with L from choleskyInPlace. */
function choleskySolve(l: Float64Array, n: number, b: Float64Array, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
}
