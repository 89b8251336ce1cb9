/**
 * Compiled MjModel → plain SceneDesc for the three.js viewer, and the per-frame pose copy
 * (spec/mujoco-wasm.md §5: build meshes once from the model arrays, then copy geom_xpos/geom_xmat every
 * frame). Nothing here keeps a reference into WASM memory: every array is copied out.
 */
import type { MjData, MjModel } from '@mujoco/mujoco';
import type { LiveSteps } from './liveFollow';

/** One geom of a compiled model, for the three.js viewer. */
export interface SceneGeom {
  type: number; // mjtGeom: 0 plane, 2 sphere, 3 capsule, 4 ellipsoid, 5 cylinder, 6 box, 7 mesh
  size: [number, number, number];
  rgba: [number, number, number, number];
  /** Mesh index into SceneDesc.meshes, or -1. */
  mesh: number;
  group: number;
}

export interface SceneMesh {
  vertices: Float32Array;
  faces: Uint32Array;
}

/** Plain description of a compiled model (copied out of WASM memory, structured-clonable). */
export interface SceneDesc {
  name: string;
  geoms: SceneGeom[];
  meshes: SceneMesh[];
  /** Suggested camera target and distance. */
  center: [number, number, number];
  extent: number;
  /** The camera follows the bodies (the task's ViewerDriver.trackCamera); absent: a fixed default view. */
  trackCamera?: boolean;
}

/** mjtGeom codes the viewer draws (spec/mujoco-wasm.md §5). hfield (1) and sdf (8) are not drawn. */
export const GEOM = { plane: 0, sphere: 2, capsule: 3, ellipsoid: 4, cylinder: 5, box: 6, mesh: 7 } as const;

/** MuJoCo's default geom rgba; a geom with a material and this rgba is drawn in the material's colour. */
const DEFAULT_RGBA = [0.5, 0.5, 0.5, 1];

function rgbaOf(model: MjModel, i: number): [number, number, number, number] {
  const g = model.geom_rgba as Float32Array;
  const own: [number, number, number, number] = [g[4 * i], g[4 * i + 1], g[4 * i + 2], g[4 * i + 3]];
  const matId = (model.geom_matid as Int32Array)[i];
  const isDefault = own.every((v, k) => Math.abs(v - DEFAULT_RGBA[k]) < 1e-6);
  if (matId < 0 || !isDefault) return own;
  const m = model.mat_rgba as Float32Array;
  return [m[4 * matId], m[4 * matId + 1], m[4 * matId + 2], m[4 * matId + 3]];
}

function meshOf(model: MjModel, id: number): SceneMesh {
  const vertAdr = (model.mesh_vertadr as Int32Array)[id];
  const vertNum = (model.mesh_vertnum as Int32Array)[id];
  const faceAdr = (model.mesh_faceadr as Int32Array)[id];
  const faceNum = (model.mesh_facenum as Int32Array)[id];
  const vertices = Float32Array.from((model.mesh_vert as Float32Array).subarray(3 * vertAdr, 3 * (vertAdr + vertNum)));
  const faces = Uint32Array.from((model.mesh_face as Int32Array).subarray(3 * faceAdr, 3 * (faceAdr + faceNum)));
  return { vertices, faces };
}

/**
 * Describes every geom of a compiled model: type, size, colour (geom rgba, else material rgba via
 * geom_matid/mat_rgba), visibility group, and mesh vertices/faces (in the mesh frame, which MuJoCo
 * re-centres; geom_xpos/geom_xmat place it). Geom order equals MuJoCo's geom ids, so pose frames line up.
 */
export function describeScene(model: MjModel, name: string): SceneDesc {
  const types = model.geom_type as Int32Array;
  const sizes = model.geom_size as Float64Array;
  const groups = model.geom_group as Int32Array;
  const dataIds = model.geom_dataid as Int32Array;
  const meshes: SceneMesh[] = [];
  const meshIndex = new Map<number, number>();
  const geoms: SceneGeom[] = [];
  for (let i = 0; i < model.ngeom; i++) {
    let mesh = -1;
    if (types[i] === GEOM.mesh && dataIds[i] >= 0) {
      const known = meshIndex.get(dataIds[i]);
      if (known === undefined) {
        mesh = meshes.length;
        meshIndex.set(dataIds[i], mesh);
        meshes.push(meshOf(model, dataIds[i]));
      } else {
        mesh = known;
      }
    }
    geoms.push({
      type: types[i],
      size: [sizes[3 * i], sizes[3 * i + 1], sizes[3 * i + 2]],
      rgba: rgbaOf(model, i),
      mesh,
      group: groups[i],
    });
  }
  const stat = model.stat;
  const center = stat.center as Float64Array;
  const desc: SceneDesc = { name, geoms, meshes, center: [center[0], center[1], center[2]], extent: stat.extent };
  stat.delete();
  return desc;
}

/** Floats per geom in a pose frame: 3 (geom_xpos) + 9 (geom_xmat, row-major). */
export const POSE_FLOATS_PER_GEOM = 12;

/** Length of a pose frame for `ngeom` geoms. */
export function poseFrameSize(ngeom: number): number {
  return POSE_FLOATS_PER_GEOM * ngeom;
}

/**
 * Copies the current geom poses into `out`: geom_xpos (ngeom×3) then geom_xmat (ngeom×9, row-major), the
 * layout of SimResponse 'poses'. `out` must hold poseFrameSize(model.ngeom) floats. Returns `out`.
 */
export function readPoses(model: MjModel, data: MjData, out: Float32Array): Float32Array {
  const n = model.ngeom;
  if (out.length !== poseFrameSize(n)) {
    throw new Error(`readPoses: out has ${out.length} floats, expected ${poseFrameSize(n)}`);
  }
  out.set(data.geom_xpos as Float64Array, 0);
  out.set(data.geom_xmat as Float64Array, 3 * n);
  return out;
}

/**
 * A scene the sim worker steps in real time for the viewer (demo, or a task env driven by replayed
 * targets). It owns its MuJoCo objects; dispose() frees them once.
 */
export interface LiveScene {
  readonly desc: SceneDesc;
  /** Simulated seconds since the last reset. */
  readonly time: number;
  reset(seed: number): void;
  /** Advances by about `seconds` of simulated time (whole physics or control steps). */
  advance(seconds: number): void;
  /** Replays a trace path of one env (task scenes only; flat, the task's trace dim per point). */
  follow?(targets: Float32Array): void;
  /** Replays one env of a running run as its actions arrive (task scenes only; liveFollow.ts). */
  followLive?(steps: LiveSteps): void;
  /** Ends the live follow: back to the scene's own motion. */
  endLive?(): void;
  /** Writes the current pose frame (see readPoses) into `out`. */
  readPoses(out: Float32Array): Float32Array;
  dispose(): void;
}
