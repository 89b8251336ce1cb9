/**
 * What the Python bridge's native-MuJoCo backend (bridge/dppo_bridge/backends/mujoco_avoid.py) needs to run the
 * Avoid tasks exactly like AvoidEnv: the MJCF AvoidEnv compiles (avoid.xml, shared by the three ids, which
 * differ only in their pre-training data, §7.3) and one tasks.json entry per id with the spec and the rule:
 * the Panda's DH table and limits, the reset posture (solved here, so the bridge runs no IK at reset), the
 * per-step IK settings and workspace clamp of DownwardServoController, the pillars, the mode rows and the M5
 * reward constants. Reached through avoidFamily.bridgeAssets (scripts/export-bridge-assets.ts).
 */
import { DOWNWARD_IK_DEFAULTS } from '../../control/downwardIk';
import { DOWNWARD_WORKSPACE, ITER_PER_STEP, SERVO_IK_OPTIONS, STEP_TOL } from '../../control/downwardServo';
import { PANDA_DH, PANDA_Q_MAX, PANDA_Q_MIN } from '../../control/pandaKinematics';
import { bridgeSpecJson } from '../../bridgeSpec';
import type { BridgeAssetExport } from '../../types';
import { avoidStartPosture, avoidSpec } from './avoidEnv';
import { avoidFamily } from './index';
import { GOAL_Y, MODE_BAND, N_SUBSTEPS, PILLARS, ROD_RADIUS, ROW_Y, TOOL_Z, X_BOUNDS } from './layout';
import { buildAvoidMjcf, ROBOT_BASE, TOOL_OFFSET } from './mjcf';

const XML = 'avoid.xml';

/** The Avoid MJCF and the tasks.json entries of avoid-m1/m2/m3. */
export function avoidBridgeAssets(): BridgeAssetExport {
  const tasks: Record<string, unknown> = {};
  for (const info of avoidFamily.tasks) {
    const s = avoidSpec(info.id);
    tasks[info.id] = {
      env: 'avoid',
      xml: XML,
      reference_env: info.referenceEnv,
      spec: bridgeSpecJson(s),
      rule: {
        n_substeps: N_SUBSTEPS,
        tool_z: TOOL_Z,
        tip_site: 'tip',
        start_qpos: Array.from(avoidStartPosture()),
        arm: {
          dh: PANDA_DH.map((r) => ({ a: r.a, d: r.d, alpha: r.alpha })),
          base: [...ROBOT_BASE],
          tool_offset: TOOL_OFFSET,
          q_min: Array.from(PANDA_Q_MIN),
          q_max: Array.from(PANDA_Q_MAX),
        },
        workspace: { r_min: DOWNWARD_WORKSPACE.rMin, r_max: DOWNWARD_WORKSPACE.rMax, max_bearing: DOWNWARD_WORKSPACE.maxBearing },
        ik: {
          damping: SERVO_IK_OPTIONS.damping,
          posture_gain: SERVO_IK_OPTIONS.postureGain,
          max_step: DOWNWARD_IK_DEFAULTS.maxStep,
          limit_margin: DOWNWARD_IK_DEFAULTS.limitMargin,
          iter_per_step: ITER_PER_STEP,
          step_tol: STEP_TOL,
        },
        pillars: PILLARS.map((p) => ({ x: p.x, y: p.y, radius: p.radius })),
        rod_radius: ROD_RADIUS,
        row_y: [...ROW_Y],
        mode_band: MODE_BAND,
        goal_y: GOAL_Y,
        x_bounds: [...X_BOUNDS],
      },
      // AvoidEnv.trace: the tip xy.
      trace: { kind: 'tip_xy', dim: 2 },
      tag_keys: avoidFamily.tags.map((t) => t.key),
    };
  }
  // AvoidEnv compiles the MJCF with <size memory="128K">; the bridge's model is the same text.
  return { files: { [XML]: buildAvoidMjcf({ memory: '128K' }) }, tasks };
}
