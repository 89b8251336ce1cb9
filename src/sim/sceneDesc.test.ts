import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMujoco, type Mujoco } from './mujoco';
import { GEOM, poseFrameSize } from './sceneDesc';
import { DemoScene } from './tasks/demo/demoScene';

let mj: Mujoco;
let scene: DemoScene;

beforeAll(async () => {
  mj = await loadMujoco();
  scene = new DemoScene(mj, 1);
});
afterAll(() => scene.dispose());

describe('describeScene (demo MJCF)', () => {
  it('describes every drawable geom type with sizes, colours and the inline mesh', () => {
    const { geoms, meshes } = scene.desc;
    const types = new Set(geoms.map((g) => g.type));
    for (const t of Object.values(GEOM)) expect(types.has(t)).toBe(true);
    const plane = geoms.find((g) => g.type === GEOM.plane)!;
    expect(plane.size.slice(0, 2)).toEqual([0.9, 0.9]);
    // Material colour is used when the geom keeps MuJoCo's default rgba (floor material 0.20 0.22 0.26).
    expect(plane.rgba[0]).toBeCloseTo(0.2, 5);
    expect(plane.rgba[2]).toBeCloseTo(0.26, 5);
    // An explicit geom rgba wins (the ball is 0 0.62 0.45).
    expect(geoms.some((g) => g.type === GEOM.sphere && Math.abs(g.rgba[1] - 0.62) < 1e-6)).toBe(true);
    expect(meshes).toHaveLength(1);
    expect(meshes[0].vertices.length).toBe(6 * 3);
    expect(meshes[0].faces.length).toBe(8 * 3);
    const meshGeom = geoms.find((g) => g.type === GEOM.mesh)!;
    expect(meshGeom.mesh).toBe(0);
    expect(Math.max(...meshes[0].faces)).toBeLessThan(6);
    expect(scene.desc.extent).toBeGreaterThan(0.5);
  });

  it('streams poses (xpos then row-major xmat) that move over time and repeat after a seeded reset', () => {
    const n = scene.desc.geoms.length;
    const a = scene.readPoses(new Float32Array(poseFrameSize(n)));
    // Rotation blocks are orthonormal: each row has unit length.
    for (let g = 0; g < n; g++) {
      const m = a.subarray(3 * n + 9 * g, 3 * n + 9 * g + 9);
      expect(Math.hypot(m[0], m[1], m[2])).toBeCloseTo(1, 4);
    }
    scene.advance(0.5);
    expect(scene.time).toBeCloseTo(0.5, 6);
    const b = scene.readPoses(new Float32Array(poseFrameSize(n)));
    let moved = 0;
    for (let i = 0; i < 3 * n; i++) moved = Math.max(moved, Math.abs(a[i] - b[i]));
    expect(moved).toBeGreaterThan(0.05);
    scene.reset(1);
    expect(Array.from(scene.readPoses(new Float32Array(poseFrameSize(n))))).toEqual(Array.from(a));
    expect(() => scene.readPoses(new Float32Array(3))).toThrow(/expected/);
  });
});

describe('viewer scenes', () => {
  it('drives the Avoid env along its idle route and replays a followed path', async () => {
    const { createViewerScene } = await import('./viewerScenes');
    const avoid = createViewerScene(mj, 'avoid-m2', 0);
    try {
      expect(avoid.desc.name).toBe('avoid-m2');
      expect(avoid.desc.geoms.length).toBeGreaterThan(5);
      const n = avoid.desc.geoms.length;
      const a = avoid.readPoses(new Float32Array(poseFrameSize(n)));
      avoid.advance(1.0);
      expect(avoid.time).toBeGreaterThan(0.9);
      const b = avoid.readPoses(new Float32Array(poseFrameSize(n)));
      let moved = 0;
      for (let i = 0; i < 3 * n; i++) moved = Math.max(moved, Math.abs(a[i] - b[i]));
      expect(moved).toBeGreaterThan(0.02);
      avoid.follow!(Float32Array.of(0.525, -0.28, 0.52, -0.25, 0.5, -0.2));
      expect(avoid.time).toBe(0);
      avoid.advance(0.5);
      expect(Array.from(avoid.readPoses(new Float32Array(poseFrameSize(n)))).every(Number.isFinite)).toBe(true);
    } finally {
      avoid.dispose();
    }
  });
});
