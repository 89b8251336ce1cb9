/**
 * Running a policy on a Franka arm behind `dppo-bridge --backend franka` (docs/bridge-protocol.md §5), under
 * the bridge's safety layer. The policy interface is fixed by the protocol's command frame:
 *
 * - **obs** [7] = end-effector position (x, y, z, m) and orientation quaternion (w, x, y, z) in the robot
 *   base frame, exactly as the latest `status` push reports them (`ee_pos`, `ee_quat`). The gripper opening
 *   is not in `status`, so it is not part of the obs.
 * - **action** [7] = one command (dx, dy, dz, drx, dry, drz, gripper) in [−1, 1]: the bridge scales it by its
 *   clamps (`max_translation`, 0.05 m; `max_rotation`, 0.5 rad), clamps the target into its workspace box and
 *   executes at most `command_rate_hz` commands per second (newest wins).
 *
 * A checkpoint fits when its actor takes one 7-D observation (To = 1) and emits 7-D actions; the first
 * action of its chunk is sent (receding horizon, as DPPO executes `act_steps` of a chunk). Inference runs
 * where tfjs lives (the train worker's `act` checkpoint job); this loop only reads status, asks for an action
 * and sends the command frame, so the page never imports tfjs.
 *
 * `scriptedFrankaCheckpoint` is the documented, deterministic policy used when no Franka checkpoint exists:
 * a Gaussian MLP (DPPO `GaussianModel`, `irom-princeton/dppo` `model/common/mlp_gaussian.py`) with one
 * identity hidden layer whose fixed weights make its eval-mode mean a proportional reach controller,
 * action = tanh(gain · (target − pos)) on the normalised position, zero rotation, gripper half open.
 */
import { UserError } from '../core/errors';
import { Rng } from '../core/rng';
import type { GaussianMlpConfig } from '../config/model';
import type { Checkpoint } from '../policy/checkpoint';
import { buildPolicy } from '../policy/index';
import type { BridgeClient } from './client';
import type { StatusMsg } from './protocol';

export const FRANKA_OBS_DIM = 7;
export const FRANKA_ACT_DIM = 7;
export const FRANKA_OBS_KEYS = ['x', 'y', 'z', 'qw', 'qx', 'qy', 'qz'] as const;
export const FRANKA_ACT_KEYS = ['dx', 'dy', 'dz', 'drx', 'dry', 'drz', 'gripper'] as const;

/** The bridge's default clamps and workspace box (docs/bridge-protocol.md §5; `--max-translation` etc.). */
export const FRANKA_DEFAULT_LIMITS = {
  maxTranslation: 0.05,
  maxRotation: 0.5,
  workspaceLow: [0.25, -0.35, 0.02] as const,
  workspaceHigh: [0.75, 0.35, 0.65] as const,
};

/** Ref of the scripted reach policy in the train worker's `act` job. */
export const FRANKA_SCRIPTED_REF = 'scripted:franka-reach';
/** Where the scripted policy drives the end effector (m, base frame): inside the default box. */
export const FRANKA_SCRIPTED_TARGET = [0.6, 0.15, 0.28] as const;
const SCRIPTED_GAIN = 4;

/** The policy's observation from a status push, or null when the push carries no pose. */
export function frankaObs(s: StatusMsg | null): Float32Array | null {
  if (!s?.ee_pos || !s.ee_quat || s.ee_pos.length !== 3 || s.ee_quat.length !== 4) return null;
  return Float32Array.of(...s.ee_pos, ...s.ee_quat);
}

/** Throws a UserError unless an actor config fits the Franka interface above. */
export function checkFrankaFit(cfg: { obsDim: number; actionDim: number; condSteps: number }, name: string): void {
  if (cfg.obsDim !== FRANKA_OBS_DIM || cfg.condSteps !== 1 || cfg.actionDim !== FRANKA_ACT_DIM) {
    throw new UserError(
      `${name} takes ${cfg.condSteps}×${cfg.obsDim} observations and emits ${cfg.actionDim}-D actions; a Franka policy takes the ` +
        `end-effector pose (1×${FRANKA_OBS_DIM}: x y z qw qx qy qz) and emits a ${FRANKA_ACT_DIM}-D command (dx dy dz drx dry drz gripper).`,
    );
  }
}

/**
 * The scripted reach policy as a real checkpoint (needs tfjs initialised: it is built through the policy
 * layer and read back with `namedWeights`). Position is normalised from the default workspace box.
 */
export function scriptedFrankaCheckpoint(): Checkpoint {
  const D = FRANKA_OBS_DIM;
  const actorConfig: GaussianMlpConfig = {
    kind: 'gaussian-mlp',
    obsDim: D,
    actionDim: FRANKA_ACT_DIM,
    condSteps: 1,
    horizonSteps: 1,
    actSteps: 1,
    mlpDims: [D],
    activation: 'identity',
    residualStyle: false,
    stdMin: 0.01,
    stdMax: 0.2,
    stdInit: 0.1,
  };
  const policy = buildPolicy(actorConfig, new Rng(0));
  let weights;
  try {
    weights = policy.namedWeights();
  } finally {
    policy.dispose();
  }
  const lo = FRANKA_DEFAULT_LIMITS.workspaceLow;
  const hi = FRANKA_DEFAULT_LIMITS.workspaceHigh;
  const targetNorm = FRANKA_SCRIPTED_TARGET.map((t, i) => (2 * (t - lo[i])) / (hi[i] - lo[i]) - 1);
  // The two Linear layers of the mean MLP, in DPPO/PyTorch layout ([out, in]); the hidden layer copies the
  // (normalised) obs, the output layer is gain · (target − pos) for x, y, z and a constant gripper.
  const linears = [...weights.keys()].filter((k) => k.startsWith('network.mlp_mean') && k.endsWith('.weight')).sort();
  if (linears.length !== 2) throw new Error(`scripted Franka policy: expected 2 linear layers, found ${linears.join(', ')}`);
  const [w0, w1] = linears.map((k) => weights.get(k)!);
  const [b0, b1] = linears.map((k) => weights.get(k.replace(/weight$/, 'bias'))!);
  w0.data.fill(0);
  b0.data.fill(0);
  for (let i = 0; i < D; i++) w0.data[i * D + i] = 1;
  w1.data.fill(0);
  b1.data.fill(0);
  for (let i = 0; i < 3; i++) {
    w1.data[i * D + i] = -SCRIPTED_GAIN;
    b1.data[i] = SCRIPTED_GAIN * targetNorm[i];
  }
  b1.data[6] = 0; // gripper: tanh(0) = 0 → half open (0.04 m)
  return {
    actorConfig,
    normalization: {
      obsMin: Float32Array.of(...lo, -1, -1, -1, -1),
      obsMax: Float32Array.of(...hi, 1, 1, 1, 1),
      actionMin: new Float32Array(FRANKA_ACT_DIM).fill(-1),
      actionMax: new Float32Array(FRANKA_ACT_DIM).fill(1),
    },
    weights,
    provenance: {
      command: 'scriptedFrankaCheckpoint',
      about: `reach (${FRANKA_SCRIPTED_TARGET.join(', ')}) m: action = tanh(${SCRIPTED_GAIN}·(target − pos)) on the normalised position`,
    },
  };
}

/** One command of a policy run: what the policy asked for and what the arm did (from status pushes). */
export interface FrankaPolicyStep {
  step: number;
  seq: number;
  obs: number[];
  /** The policy's command, clipped to [−1, 1] (what the frame carries). */
  action: number[];
  /** The translation it asks for before the workspace clamp: action[0:3] · maxTranslation, length ≤ maxTranslation (m). */
  commandedM: [number, number, number];
  /** Where the end effector was when the command was sent (m). */
  poseBefore: [number, number, number];
}

export type FrankaRunEnd = 'stopped' | 'disarmed' | 'max-steps' | 'error';

export interface FrankaRunResult {
  steps: number;
  end: FrankaRunEnd;
  message: string;
}

export interface RunFrankaPolicyOptions {
  client: BridgeClient;
  /** obs [7] → action [≥ 7] in [−1, 1] (the train worker's `act` job). */
  act: (obs: Float32Array) => Promise<ArrayLike<number>>;
  /** Commands per second; default the bridge's `command_rate_hz` (10). */
  rateHz?: number;
  /** Aborting stops the loop at once; no command is sent after the abort. */
  signal: AbortSignal;
  maxSteps?: number;
  maxTranslation?: number;
  onStep?: (s: FrankaPolicyStep) => void;
}

const armedState = (s: StatusMsg | null) => !!s && (s.state === 'armed' || s.state === 'running') && s.controller === true;

/**
 * Steps a policy on the armed Franka at the command rate until aborted, disarmed (by anyone: disarm, stop,
 * deadman, a robot error, disconnect), `maxSteps`, or an error (inference, a bad action, the socket). It
 * never sends after one of those: each command goes out only if the arm is still armed by this client and
 * the signal is not aborted *after* inference returned. The bridge's heartbeat keeps the deadman fed.
 */
export async function runFrankaPolicy(o: RunFrankaPolicyOptions): Promise<FrankaRunResult> {
  const c = o.client;
  const period = 1000 / (o.rateHz ?? c.welcome.limits.command_rate_hz ?? 10);
  const maxT = o.maxTranslation ?? FRANKA_DEFAULT_LIMITS.maxTranslation;
  const inner = new AbortController();
  let end: FrankaRunEnd | null = null;
  let message = '';
  const finish = (e: FrankaRunEnd, m: string) => {
    if (end) return;
    end = e;
    message = m;
    inner.abort();
  };
  const onAbort = () => finish('stopped', 'stopped');
  if (o.signal.aborted) onAbort();
  o.signal.addEventListener('abort', onAbort);
  const offStatus = c.onStatus((s) => {
    if (!armedState(s)) finish('disarmed', s.reason ? `the arm was disarmed (${s.reason})` : `the arm is ${s.state}`);
  });
  const offClose = c.onClose((reason) => finish('error', reason));
  let steps = 0;
  try {
    if (!armedState(c.lastStatus)) finish('disarmed', 'Arm the robot (type ARM) before running a policy.');
    while (!end) {
      const t0 = Date.now();
      const obs = frankaObs(c.lastStatus);
      if (!obs) {
        finish('error', 'The bridge sent no end-effector pose to build the observation from.');
        break;
      }
      let raw: ArrayLike<number>;
      try {
        raw = await o.act(obs);
      } catch (err) {
        finish('error', `Policy inference failed: ${(err as Error).message}`);
        break;
      }
      if (end || !armedState(c.lastStatus)) break;
      if (raw.length < FRANKA_ACT_DIM || !Array.from(raw).slice(0, FRANKA_ACT_DIM).every(Number.isFinite)) {
        finish('error', `The policy returned ${raw.length} values${raw.length >= FRANKA_ACT_DIM ? ' with NaN/Inf' : ''}; a Franka command needs ${FRANKA_ACT_DIM} finite numbers.`);
        break;
      }
      const action = Array.from({ length: FRANKA_ACT_DIM }, (_, i) => Math.max(-1, Math.min(1, raw[i])));
      const seq = c.newId();
      try {
        c.sendFrame({ kind: 1, seq, tNs: BigInt(Date.now()) * 1_000_000n, tensors: [{ name: 'actions', dtype: 'f32', shape: [1, 1, FRANKA_ACT_DIM], data: Float32Array.from(action) }] });
      } catch (err) {
        finish('error', (err as Error).message);
        break;
      }
      const t = action.slice(0, 3).map((x) => x * maxT);
      const len = Math.hypot(t[0], t[1], t[2]);
      const k = len > maxT ? maxT / len : 1;
      steps++;
      o.onStep?.({ step: steps, seq, obs: Array.from(obs), action, commandedM: [t[0] * k, t[1] * k, t[2] * k], poseBefore: [obs[0], obs[1], obs[2]] });
      if (o.maxSteps !== undefined && steps >= o.maxSteps) {
        finish('max-steps', `${steps} commands sent`);
        break;
      }
      await sleep(Math.max(0, period - (Date.now() - t0)), inner.signal);
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    offStatus();
    offClose();
  }
  return { steps, end: end ?? 'stopped', message };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
