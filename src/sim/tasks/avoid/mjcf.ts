/**
 * MJCF for D3IL Avoid, generated in code (spec/ecosystem.md §2c, §2a′): table, six pillars, the
 * visual-only finish line, and a Franka Panda built from primitive geoms whose body frames follow
 * Franka's modified-DH table (the same table the IK uses), holding a vertical rod.
 *
 * Speed choices (spec/mujoco-wasm.md §6, §8): contacts are disabled (the pillar collision is a
 * geometric check in reward.ts), every geom has contype/conaffinity 0, gravity is compensated with
 * body `gravcomp`, joints are driven by position servos integrated with implicitfast, and
 * `<size memory>` keeps each MjData small so ≥ 64 envs fit in one module instance.
 */
import { PANDA_DH, PANDA_FLANGE_D, PANDA_Q_MAX, PANDA_Q_MIN, dhBodyPose } from '../../control/pandaKinematics';
import { FINISH_LINE, PHYSICS_DT, PILLARS, ROD_RADIUS } from './layout';

/** Robot base (link0) in world coordinates; the table top is z = 0. */
export const ROBOT_BASE: readonly [number, number, number] = [0, 0, 0];

/** Hand frame: on the flange, rotated −45° about z like the Franka hand. */
export const HAND_YAW = -Math.PI / 4;

/** Controlled point (D3IL's TCP) along the hand z axis. */
export const HAND_TCP = 0.105;

/** The rod extends this far below the controlled point (D3IL's rod reaches ~0.12 below its TCP). */
export const ROD_BELOW_TCP = 0.11;

/** Tool point measured from joint 7's origin along its z axis: flange + hand TCP. */
export const TOOL_OFFSET = PANDA_FLANGE_D + HAND_TCP;

/** Approximate link masses (kg) of links 1..7 and the hand + rod, after Franka's published values. */
const LINK_MASS = [2.74, 2.74, 2.38, 2.43, 3.5, 1.47, 0.45];
const HAND_MASS = 0.73;

/** Position-servo gains per joint (menagerie panda.xml kp; kv chosen near critical damping). */
export const SERVO_KP = [4500, 4500, 3500, 3500, 2000, 2000, 2000];
export const SERVO_KV = [150, 150, 120, 120, 40, 40, 40];
/** Torque limits (N·m, §2a). */
const FORCE_LIMIT = [87, 87, 87, 87, 12, 12, 12];

/** Link radii for the primitive geoms (visual only). */
const LINK_RADIUS = [0.065, 0.065, 0.06, 0.06, 0.055, 0.05, 0.045];

const f = (x: number): string => {
  const r = Math.abs(x) < 1e-12 ? 0 : x;
  return Number(r.toFixed(6)).toString();
};
const v = (xs: readonly number[]): string => xs.map(f).join(' ');

export interface AvoidMjcfOptions {
  /** Arena size for each MjData (`<size memory>`), default "64K". */
  memory?: string;
}

/** Builds the Avoid MJCF string. Geom, joint and site names are stable (the viewer and tests use them). */
export function buildAvoidMjcf(opts: AvoidMjcfOptions = {}): string {
  const memory = opts.memory ?? '64K';
  const pillars = PILLARS.map(
    (p) =>
      `    <geom name="${p.name}" type="cylinder" pos="${v([p.x, p.y, p.halfHeight])}" size="${v([p.radius, p.halfHeight])}" material="pillar"/>`,
  ).join('\n');
  return `<mujoco model="d3il_avoid">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="${f(PHYSICS_DT)}" integrator="implicitfast">
    <flag contact="disable"/>
  </option>
  <size memory="${memory}"/>
  <default>
    <geom contype="0" conaffinity="0"/>
    <joint damping="0.5" armature="0.1"/>
  </default>
  <asset>
    <material name="table" rgba="0.82 0.76 0.66 1"/>
    <material name="pillar" rgba="1 0 0 1"/>
    <material name="finish" rgba="0 1 0 0.3"/>
    <material name="robot" rgba="0.95 0.95 0.95 1"/>
    <material name="joint" rgba="0.25 0.25 0.27 1"/>
    <material name="rod" rgba="0.2 0.2 0.22 1"/>
  </asset>
  <worldbody>
    <light name="top" pos="0.4 0.1 2.0" dir="0 0 -1" directional="true"/>
    <geom name="table" type="box" pos="0.45 0.1 -0.025" size="0.6 0.65 0.025" material="table" mass="0"/>
${pillars}
    <geom name="finish_line" type="box" pos="${v(FINISH_LINE.pos)}" size="${v(FINISH_LINE.halfSize)}" material="finish"/>
${armXml()}
  </worldbody>
  <actuator>
${actuatorsXml()}
  </actuator>
</mujoco>
`;
}

/** The arm: link0 on the table, then one body per DH row, then the hand with the rod and the tip site. */
function armXml(): string {
  const lines: string[] = [];
  const ind = (n: number): string => '    ' + '  '.repeat(n);
  lines.push(`${ind(0)}<body name="link0" pos="${v(ROBOT_BASE)}">`);
  lines.push(`${ind(1)}<geom name="link0_base" type="cylinder" pos="0 0 0.015" size="0.11 0.015" material="joint" mass="0"/>`);
  lines.push(`${ind(1)}<geom name="link0_col" type="capsule" fromto="0 0 0.04 0 0 0.2" size="0.07" material="robot" mass="0"/>`);
  for (let i = 0; i < PANDA_DH.length; i++) {
    const { pos, quat } = dhBodyPose(PANDA_DH[i]);
    const depth = i + 1;
    const n = i + 1;
    const r = LINK_RADIUS[i];
    const half = LINK_MASS[i] / 2;
    lines.push(`${ind(depth)}<body name="link${n}" pos="${v(pos)}" quat="${v(quat)}" gravcomp="1">`);
    lines.push(`${ind(depth + 1)}<joint name="joint${n}" axis="0 0 1" range="${f(PANDA_Q_MIN[i])} ${f(PANDA_Q_MAX[i])}"/>`);
    lines.push(`${ind(depth + 1)}<geom name="link${n}_housing" type="cylinder" size="${f(r)} ${f(r * 0.95)}" material="joint" mass="${f(half)}"/>`);
    // Bone from this joint to the next joint's origin (or to the flange for link 7).
    const next = i + 1 < PANDA_DH.length ? dhBodyPose(PANDA_DH[i + 1]).pos : [0, 0, PANDA_FLANGE_D];
    const len = Math.hypot(next[0], next[1], next[2]);
    if (len > 1e-9) {
      lines.push(`${ind(depth + 1)}<geom name="link${n}_bone" type="capsule" fromto="0 0 0 ${v(next)}" size="${f(r * 0.9)}" material="robot" mass="${f(half)}"/>`);
    } else {
      lines.push(`${ind(depth + 1)}<geom name="link${n}_bone" type="sphere" size="${f(r)}" material="robot" mass="${f(half)}"/>`);
    }
  }
  const d = PANDA_DH.length + 1;
  const hq = [Math.cos(HAND_YAW / 2), 0, 0, Math.sin(HAND_YAW / 2)];
  const rodTop = 0.02;
  const rodBottom = HAND_TCP + ROD_BELOW_TCP;
  lines.push(`${ind(d)}<body name="hand" pos="${v([0, 0, PANDA_FLANGE_D])}" quat="${v(hq)}" gravcomp="1">`);
  lines.push(`${ind(d + 1)}<geom name="hand_box" type="box" pos="0 0 0.03" size="0.03 0.09 0.03" material="robot" mass="${f(HAND_MASS * 0.8)}"/>`);
  lines.push(`${ind(d + 1)}<geom name="rod" type="cylinder" fromto="0 0 ${f(rodTop)} 0 0 ${f(rodBottom)}" size="${f(ROD_RADIUS)}" material="rod" mass="${f(HAND_MASS * 0.2)}"/>`);
  lines.push(`${ind(d + 1)}<site name="tip" pos="0 0 ${f(HAND_TCP)}" size="0.012" rgba="1 0.3 0 1"/>`);
  lines.push(`${ind(d)}</body>`);
  for (let depth = PANDA_DH.length; depth >= 0; depth--) lines.push(`${ind(depth)}</body>`);
  return lines.join('\n');
}

function actuatorsXml(): string {
  return PANDA_DH.map((_, i) => {
    const n = i + 1;
    return `    <position name="act${n}" joint="joint${n}" kp="${SERVO_KP[i]}" kv="${SERVO_KV[i]}" ctrlrange="${f(PANDA_Q_MIN[i])} ${f(PANDA_Q_MAX[i])}" forcerange="${-FORCE_LIMIT[i]} ${FORCE_LIMIT[i]}"/>`;
  }).join('\n');
}
