/**
 * three.js geometry for one MuJoCo geom of a SceneDesc (spec/mujoco-wasm.md §5). Geometries are built in
 * the geom's local frame, with MuJoCo conventions: sizes are half-extents / (radius, half-length), and
 * capsules and cylinders lie along local z (three.js builds them along y, so they are rotated).
 */
import * as THREE from 'three';
import type { SceneDesc, SceneGeom } from '../../workers/protocol';

export const GEOM_PLANE = 0;
const SPHERE = 2;
const CAPSULE = 3;
const ELLIPSOID = 4;
const CYLINDER = 5;
const BOX = 6;
const MESH = 7;

/** Half-size used for an infinite plane (size 0), as a multiple of the model extent. */
const INFINITE_PLANE_EXTENTS = 3;

/** Half-extents (x, y) a plane is drawn with. */
export function planeHalfSize(geom: SceneGeom, desc: SceneDesc): [number, number] {
  const fallback = Math.max(1, desc.extent * INFINITE_PLANE_EXTENTS);
  return [geom.size[0] > 0 ? geom.size[0] : fallback, geom.size[1] > 0 ? geom.size[1] : fallback];
}

/** Geometry for `geom`, or null for types the viewer does not draw (hfield, sdf, unknown). */
export function geometryFor(geom: SceneGeom, desc: SceneDesc): THREE.BufferGeometry | null {
  const [a, b, c] = geom.size;
  switch (geom.type) {
    case GEOM_PLANE: {
      const [hx, hy] = planeHalfSize(geom, desc);
      return new THREE.PlaneGeometry(2 * hx, 2 * hy); // lies in local xy with normal +z, like MuJoCo's plane
    }
    case SPHERE:
      return new THREE.SphereGeometry(a, 32, 16);
    case CAPSULE:
      return new THREE.CapsuleGeometry(a, 2 * b, 8, 24).rotateX(Math.PI / 2);
    case ELLIPSOID:
      return new THREE.SphereGeometry(1, 32, 16).scale(a, b, c);
    case CYLINDER:
      return new THREE.CylinderGeometry(a, a, 2 * b, 32).rotateX(Math.PI / 2);
    case BOX:
      return new THREE.BoxGeometry(2 * a, 2 * b, 2 * c);
    case MESH: {
      const mesh = desc.meshes[geom.mesh];
      if (!mesh) return null;
      const indexed = new THREE.BufferGeometry();
      indexed.setAttribute('position', new THREE.BufferAttribute(mesh.vertices, 3));
      indexed.setIndex(new THREE.BufferAttribute(mesh.faces, 1));
      // Faceted shading: MuJoCo meshes are often low-poly convex hulls.
      const flat = indexed.toNonIndexed();
      indexed.dispose();
      flat.computeVertexNormals();
      return flat;
    }
    default:
      return null;
  }
}

/**
 * A light two-tone checker texture for planes, multiplied by the plane's rgba, with about `cellsX × cellsY`
 * squares across the plane.
 */
export function checkerTexture(cellsX: number, cellsY: number): THREE.CanvasTexture {
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 64;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, 64, 64);
  ctx.fillStyle = '#c4c4c4';
  ctx.fillRect(0, 0, 32, 32);
  ctx.fillRect(32, 32, 32, 32);
  const tex = new THREE.CanvasTexture(canvas);
  tex.wrapS = THREE.RepeatWrapping;
  tex.wrapT = THREE.RepeatWrapping;
  tex.repeat.set(cellsX / 2, cellsY / 2);
  tex.colorSpace = THREE.SRGBColorSpace;
  tex.anisotropy = 4;
  return tex;
}
