import { describe, expect, it } from 'vitest';
import type { EnvPath } from '../../workers/protocol';
import type { TagDef } from '../../state/taskCatalog';
import { legendEntries, nearestVertex, pathStyle } from './plotGeometry';

const TAGS: TagDef[] = [
  { key: 'mode', label: 'mode', kind: 'category', categories: [
    { value: 5, label: 'five', color: '#0a0' }, { value: 6, label: 'six', color: '#a00' }, { value: -1, label: 'none', color: '#999' },
  ] },
  { key: 'hit', label: 'hit', kind: 'flag' },
];
const path = (env: number, pts: number[], mode: number, hit = 0, success = false): EnvPath => ({
  env, points: Float32Array.from(pts), traceDim: 2, tags: { mode, hit }, success, terminated: false,
});

describe('trajectory plot geometry', () => {
  const paths = [path(0, [0.5, -0.28, 0.5, -0.2, 0.45, 0.0], 6), path(1, [0.3, 0.3, 0.3, 0.42], 5, 0, true), path(2, [0.7, 0.1], 9, 1)];
  it('finds the nearest vertex within the radius', () => {
    const hit = nearestVertex(paths, 0.452, 0.003, 0.01)!;
    expect(hit.path).toBe(0);
    expect(hit.vertex).toBe(2);
    expect(hit.x).toBeCloseTo(0.45);
    expect(nearestVertex(paths, 0.6, 0.35, 0.01)).toBeNull();
  });
  it('colours by the category tag (unknown values → last category) and dashes flagged paths', () => {
    expect(pathStyle(paths[0], TAGS)).toEqual({ color: '#a00', dashed: false });
    expect(pathStyle(paths[2], TAGS)).toEqual({ color: '#999', dashed: true });
  });
  it('counts legend entries per category and flag', () => {
    const legend = legendEntries(paths, TAGS);
    expect(legend.map((l) => [l.label, l.count])).toEqual([['five', 1], ['six', 1], ['none', 1], ['hit', 1]]);
  });
});
