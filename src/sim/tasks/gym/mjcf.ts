/**
 * MJCF for the classic Gym locomotion robots (Hopper, Walker2d, HalfCheetah), generated from the tables
 * below. The physical numbers are those of Gym's v2 models, which Gymnasium's v4 envs load in local
 * coordinates (v2 used `coordinate="global"`, removed in MuJoCo 2.3.4; spec/mujoco-wasm.md, top note):
 * body frames, joint anchors and capsule half-lengths here are the v2 global layout converted to local
 * frames, digit for digit as in Gymnasium's v4 XMLs (e.g. the torso half-length 0.19999999999999996 is
 * 1.45 − 1.25 in float64). Keeping the very same doubles is what lets tests/parity compare trajectories
 * with Gymnasium step by step.
 *
 * Differences that do not change the dynamics: no textures, materials or cameras (the viewer draws the
 * geoms' rgba), and `<size memory="128K"/>` instead of MuJoCo's default arena (13 MB per MjData for the
 * Hopper; one step uses < 20 KB), so 40+ envs fit one WASM heap. HalfCheetah's `nstack`/`nuser_geom` are
 * dropped for the same reason (the stack size is now `memory`; geom user data is unused).
 */

/** Numbers as the shortest decimal that reads back as the same double (so the compiled model is exact). */
const num = (x: number): string => (Object.is(x, -0) ? '0' : String(x));
const vec = (xs: readonly number[]): string => xs.map(num).join(' ');

type Attrs = Record<string, string | number | readonly number[] | boolean | undefined>;

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const s = typeof v === 'number' ? num(v) : typeof v === 'boolean' ? String(v) : typeof v === 'string' ? v : vec(v as readonly number[]);
      return ` ${k}="${s}"`;
    })
    .join('');
}

const tag = (name: string, a: Attrs): string => `<${name}${attrs(a)}/>`;

/** Arena per MjData: one Gym step uses < 20 KB (measured: maxuse_arena ≈ 18 KB for all three). */
const MEMORY = '128K';

const FLOOR_RGBA = [0.8, 0.9, 0.8, 1];
const BODY_RGBA = [0.8, 0.6, 0.4, 1];
const LEFT_RGBA = [0.7, 0.3, 0.6, 1];
const LIGHT = tag('light', { directional: true, diffuse: [1, 1, 1], specular: [0.1, 0.1, 0.1], pos: [0, 0, 1.3], dir: [0, 0, -1.3] });

// ------------------------------------------------------------------------------ Hopper and Walker2d

/** One leg of the planar walkers: thigh → leg (shin) → foot, hinges about −y, angles in degrees. */
interface PlanarLeg {
  /** '' for the (right) leg, '_left' for Walker2d's second leg. */
  suffix: string;
  /** Foot body origin along x from the leg body (the foot capsule reaches back to the ankle). */
  footX: number;
  /** Foot capsule half-length (it lies along x, centred halfway between ankle and toe). */
  footHalf: number;
  /** Sliding friction of the foot capsule (Walker2d's left foot keeps v2's 1.9). */
  footFriction: number;
  rgba?: readonly number[];
}

interface PlanarWalker {
  model: 'hopper' | 'walker2d';
  /** `<default>` joint armature and damping (hinges of the legs). */
  armature: number;
  damping: number;
  /** `<default>` geom attributes (contact parameters), verbatim numbers of the v2 model. */
  geomDefaults: Attrs;
  floorSize: readonly number[];
  /** Motor gear (torque = gear · ctrl, ctrl ∈ [−1, 1]). */
  gear: number;
  legs: readonly PlanarLeg[];
}

/** Torso origin height and the shared segment layout of both planar walkers (v2: torso 1.05…1.45, thigh 0.6…1.05, leg 0.1…0.6, foot at z 0.1). */
const TORSO_Z = 1.25;
const TORSO = { radius: 0.05, half: 0.19999999999999996 };
const THIGH = { bodyZ: -0.19999999999999996, geomZ: -0.22500000000000009, radius: 0.05, half: 0.22500000000000003 };
const SHIN = { bodyZ: -0.70000000000000007, jointZ: 0.25, radius: 0.04, half: 0.25 };
const FOOT = { bodyZ: -0.35, jointZ: 0.1, radius: 0.06 };
/** The foot capsule's axis is turned from z to x: quaternion of −90° about y. */
const FOOT_QUAT = [0.70710678118654757, 0, -0.70710678118654746, 0];
const SEGMENT_FRICTION = 0.9;

export const HOPPER_MODEL: PlanarWalker = {
  model: 'hopper',
  armature: 1,
  damping: 1,
  geomDefaults: { conaffinity: 1, condim: 1, contype: 1, margin: 0.001, solimp: [0.8, 0.8, 0.01], solref: [0.02, 1] },
  floorSize: [20, 20, 0.125],
  gear: 200,
  legs: [{ suffix: '', footX: 0.13, footHalf: 0.195, footFriction: 2.0 }],
};

export const WALKER2D_MODEL: PlanarWalker = {
  model: 'walker2d',
  armature: 0.01,
  damping: 0.1,
  geomDefaults: { conaffinity: 0, condim: 3, contype: 1, density: 1000, friction: [0.7, 0.1, 0.1] },
  floorSize: [40, 40, 40],
  gear: 100,
  legs: [
    { suffix: '', footX: 0.2, footHalf: 0.1, footFriction: 0.9 },
    { suffix: '_left', footX: 0.2, footHalf: 0.1, footFriction: 1.9, rgba: LEFT_RGBA },
  ],
};

function planarLeg(leg: PlanarLeg, indent: string): string {
  const s = leg.suffix;
  const rgba = leg.rgba;
  const i1 = indent;
  const i2 = indent + '  ';
  const i3 = indent + '    ';
  return [
    `${i1}<body name="thigh${s}" pos="${vec([0, 0, THIGH.bodyZ])}">`,
    `${i1}  ${tag('joint', { name: `thigh${s}_joint`, type: 'hinge', axis: [0, -1, 0], pos: [0, 0, 0], range: [-150, 0] })}`,
    `${i1}  ${tag('geom', { name: `thigh${s}_geom`, type: 'capsule', pos: [0, 0, THIGH.geomZ], size: [THIGH.radius, THIGH.half], friction: SEGMENT_FRICTION, rgba })}`,
    `${i2}<body name="leg${s}" pos="${vec([0, 0, SHIN.bodyZ])}">`,
    `${i2}  ${tag('joint', { name: `leg${s}_joint`, type: 'hinge', axis: [0, -1, 0], pos: [0, 0, SHIN.jointZ], range: [-150, 0] })}`,
    `${i2}  ${tag('geom', { name: `leg${s}_geom`, type: 'capsule', size: [SHIN.radius, SHIN.half], friction: SEGMENT_FRICTION, rgba })}`,
    `${i3}<body name="foot${s}" pos="${vec([leg.footX, 0, FOOT.bodyZ])}">`,
    `${i3}  ${tag('joint', { name: `foot${s}_joint`, type: 'hinge', axis: [0, -1, 0], pos: [-leg.footX, 0, FOOT.jointZ], range: [-45, 45] })}`,
    `${i3}  ${tag('geom', {
      name: `foot${s}_geom`,
      type: 'capsule',
      pos: [-leg.footX / 2, 0, FOOT.jointZ],
      quat: FOOT_QUAT,
      size: [FOOT.radius, leg.footHalf],
      friction: leg.footFriction,
      rgba,
    })}`,
    `${i3}</body>`,
    `${i2}</body>`,
    `${i1}</body>`,
  ].join('\n');
}

/** The three root joints of every planar robot: slide x, slide z, hinge about y (pitch). */
function rootJoints(anchorZ: number, refZ: number | undefined, indent: string): string {
  const free = { limited: false, armature: 0, damping: 0, stiffness: 0 };
  return [
    tag('joint', { name: 'rootx', type: 'slide', axis: [1, 0, 0], pos: [0, 0, anchorZ], ...free }),
    tag('joint', { name: 'rootz', type: 'slide', axis: [0, 0, 1], pos: [0, 0, anchorZ], ref: refZ, ...free }),
    tag('joint', { name: 'rooty', type: 'hinge', axis: [0, 1, 0], pos: [0, 0, 0], ...free }),
  ]
    .map((l) => indent + l)
    .join('\n');
}

function planarWalkerMjcf(m: PlanarWalker): string {
  const legs = m.legs.map((leg) => planarLeg(leg, '      ')).join('\n');
  const motors = m.legs
    .flatMap((leg) => ['thigh', 'leg', 'foot'].map((seg) => `    ${tag('motor', { name: `${seg}${leg.suffix}`, joint: `${seg}${leg.suffix}_joint`, gear: m.gear })}`))
    .join('\n');
  // rootz's anchor is on the floor and ref = 1.25, so qpos[1] is the torso height (Gymnasium's healthy z).
  return `<mujoco model="${m.model}">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="0.002"/>
  <size memory="${MEMORY}"/>
  <default>
    ${tag('joint', { armature: m.armature, damping: m.damping, limited: true })}
    ${tag('geom', { ...m.geomDefaults, rgba: BODY_RGBA })}
    ${tag('motor', { ctrllimited: true, ctrlrange: [-1, 1] })}
  </default>
  <worldbody>
    ${LIGHT}
    ${tag('geom', { name: 'floor', type: 'plane', pos: [0, 0, 0], size: m.floorSize, conaffinity: 1, condim: 3, rgba: FLOOR_RGBA })}
    <body name="torso" pos="${vec([0, 0, TORSO_Z])}">
${rootJoints(-TORSO_Z, TORSO_Z, '      ')}
      ${tag('geom', { name: 'torso_geom', type: 'capsule', size: [TORSO.radius, TORSO.half], friction: SEGMENT_FRICTION })}
${legs}
    </body>
  </worldbody>
  <actuator>
${motors}
  </actuator>
</mujoco>
`;
}

// ------------------------------------------------------------------------------ HalfCheetah

/** One cheetah segment: body offset, hinge (about +y, radians) with its spring and damper, capsule. */
interface CheetahSegment {
  name: string;
  pos: readonly number[];
  damping: number;
  stiffness: number;
  range: readonly [number, number];
  /** Capsule: centre, tilt about y (rad), half-length. */
  geomPos: readonly number[];
  tilt: number;
  half: number;
  /** Motor gear. */
  gear: number;
  shin?: boolean;
}

const CHEETAH_RADIUS = 0.046;
const SHIN_RGBA = [0.9, 0.6, 0.6, 1];

/** Back leg then front leg, each thigh → shin → foot (actuator order = this order). */
const CHEETAH_LEGS: readonly (readonly CheetahSegment[])[] = [
  [
    { name: 'bthigh', pos: [-0.5, 0, 0], damping: 6, stiffness: 240, range: [-0.52, 1.05], geomPos: [0.1, 0, -0.13], tilt: -3.8, half: 0.145, gear: 120 },
    { name: 'bshin', pos: [0.16, 0, -0.25], damping: 4.5, stiffness: 180, range: [-0.785, 0.785], geomPos: [-0.14, 0, -0.07], tilt: -2.03, half: 0.15, gear: 90, shin: true },
    { name: 'bfoot', pos: [-0.28, 0, -0.14], damping: 3, stiffness: 120, range: [-0.4, 0.785], geomPos: [0.03, 0, -0.097], tilt: -0.27, half: 0.094, gear: 60, shin: true },
  ],
  [
    { name: 'fthigh', pos: [0.5, 0, 0], damping: 4.5, stiffness: 180, range: [-1, 0.7], geomPos: [-0.07, 0, -0.12], tilt: 0.52, half: 0.133, gear: 120 },
    { name: 'fshin', pos: [-0.14, 0, -0.24], damping: 3, stiffness: 120, range: [-1.2, 0.87], geomPos: [0.065, 0, -0.09], tilt: -0.6, half: 0.106, gear: 60, shin: true },
    { name: 'ffoot', pos: [0.13, 0, -0.18], damping: 1.5, stiffness: 60, range: [-0.5, 0.5], geomPos: [0.045, 0, -0.07], tilt: -0.6, half: 0.07, gear: 30, shin: true },
  ],
];

/** Torso origin height of the cheetah (rootz has no ref, so qpos[1] is the offset from it). */
export const CHEETAH_TORSO_Z = 0.7;

function cheetahChain(segments: readonly CheetahSegment[], depth: number): string {
  if (segments.length === 0) return '';
  const [s, ...rest] = segments;
  const ind = '  '.repeat(3 + depth);
  const inner = cheetahChain(rest, depth + 1);
  return [
    `${ind}<body name="${s.name}" pos="${vec(s.pos)}">`,
    `${ind}  ${tag('joint', { name: s.name, type: 'hinge', axis: [0, 1, 0], pos: [0, 0, 0], damping: s.damping, stiffness: s.stiffness, range: s.range })}`,
    `${ind}  ${tag('geom', { name: s.name, type: 'capsule', pos: s.geomPos, axisangle: [0, 1, 0, s.tilt], size: [CHEETAH_RADIUS, s.half], rgba: s.shin ? SHIN_RGBA : undefined })}`,
    ...(inner ? [inner] : []),
    `${ind}</body>`,
  ].join('\n');
}

function halfCheetahMjcf(): string {
  const legs = CHEETAH_LEGS.map((leg) => cheetahChain(leg, 0)).join('\n');
  const motors = CHEETAH_LEGS.flat()
    .map((s) => `    ${tag('motor', { name: s.name, joint: s.name, gear: s.gear })}`)
    .join('\n');
  // settotalmass rescales the geom-derived masses and inertias to 14 kg, as in v2.
  return `<mujoco model="half_cheetah">
  <compiler angle="radian" inertiafromgeom="true" settotalmass="14"/>
  <option gravity="0 0 -9.81" timestep="0.01"/>
  <size memory="${MEMORY}"/>
  <default>
    ${tag('joint', { armature: 0.1, damping: 0.01, limited: true, solimplimit: [0, 0.8, 0.03], solreflimit: [0.02, 1], stiffness: 8 })}
    ${tag('geom', { conaffinity: 0, condim: 3, contype: 1, friction: [0.4, 0.1, 0.1], solimp: [0, 0.8, 0.01], solref: [0.02, 1], rgba: BODY_RGBA })}
    ${tag('motor', { ctrllimited: true, ctrlrange: [-1, 1] })}
  </default>
  <worldbody>
    ${LIGHT}
    ${tag('geom', { name: 'floor', type: 'plane', pos: [0, 0, 0], size: [40, 40, 40], conaffinity: 1, condim: 3, rgba: FLOOR_RGBA })}
    <body name="torso" pos="${vec([0, 0, CHEETAH_TORSO_Z])}">
${rootJoints(0, undefined, '      ')}
      ${tag('geom', { name: 'torso', type: 'capsule', fromto: [-0.5, 0, 0, 0.5, 0, 0], size: CHEETAH_RADIUS })}
      ${tag('geom', { name: 'head', type: 'capsule', pos: [0.6, 0, 0.1], axisangle: [0, 1, 0, 0.87], size: [CHEETAH_RADIUS, 0.15] })}
${legs}
    </body>
  </worldbody>
  <actuator>
${motors}
  </actuator>
</mujoco>
`;
}

export type GymModelName = 'hopper' | 'walker2d' | 'halfcheetah';

/** The MJCF text of a Gym robot (deterministic; MjEnv caches one compiled template per text). */
export function gymMjcf(model: GymModelName): string {
  switch (model) {
    case 'hopper':
      return planarWalkerMjcf(HOPPER_MODEL);
    case 'walker2d':
      return planarWalkerMjcf(WALKER2D_MODEL);
    case 'halfcheetah':
      return halfCheetahMjcf();
  }
}
