import { describe, expect, it } from 'vitest';
import type { EnvPath } from '../../train/events';
import { modeCounts, nearestVertex } from './avoidGeometry';

const path = (env: number, pts: number[], mode: number, collided = false, success = false): EnvPath => ({
  env, points: Float32Array.from(pts), mode, collided, success,
});

describe('avoid geometry', () => {
  const paths = [path(0, [0.5, -0.28, 0.5, -0.2, 0.45, 0.0], 6), path(1, [0.3, 0.3, 0.3, 0.42], 5, false, true), path(2, [0.7, 0.1], 9, true)];
  it('finds the nearest vertex within the radius', () => {
    const hit = nearestVertex(paths, 0.452, 0.003, 0.01)!;
    expect(hit.path).toBe(0);
    expect(hit.vertex).toBe(2);
    expect(hit.x).toBeCloseTo(0.45);
    expect(nearestVertex(paths, 0.6, 0.35, 0.01)).toBeNull();
  });
  it('counts modes, mapping unknown labels to "not past row 3"', () => {
    const c = modeCounts(paths);
    expect(c.byMode.get(6)).toBe(1);
    expect(c.byMode.get(5)).toBe(1);
    expect(c.byMode.get(-1)).toBe(1);
    expect(c.collided).toBe(1);
    expect(c.success).toBe(1);
  });
});
