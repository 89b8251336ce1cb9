import { describe, expect, it } from 'vitest';
import type { InspectResult } from '../../workers/protocol';
import { stateAxes } from './stateAxes';

/** A 2-step result of 2-D samples, all on the line through `dir`. */
const result = (policy: 'pretrained' | 'current', requestId: number, dir: [number, number], itr = -1): InspectResult => ({
  requestId,
  policy,
  stepLabels: [1, 0],
  steps: [0, 1].map(() => Float32Array.from([-2, -1, 1, 2].flatMap((t) => [t * dir[0], t * dir[1]]))),
  actionDim: 2,
  itr,
  mode: 'exploration',
});

describe('PCA axes of the inspected state', () => {
  it('are none before samples, then the pre-trained clouds', () => {
    expect(stateAxes(null, null, null)).toBeNull();
    const pre = result('pretrained', 1, [1, 0]);
    const a = stateAxes(null, pre, null)!;
    expect(a.withCurrent).toBe(false);
    expect([...a.pca.components[0]]).toEqual([1, 0]);
    expect(stateAxes(a, pre, null)).toBe(a);
  });

  it('pool the current clouds of the same state once, then keep the axes over later iterations', () => {
    const pre = result('pretrained', 1, [1, 0]);
    const a = stateAxes(null, pre, null)!;
    // The current policy spreads along y with the same spread: pooled, x and y tie.
    const cur = result('current', 2, [0, 1]);
    const b = stateAxes(a, pre, cur)!;
    expect(b).not.toBe(a);
    expect(b.withCurrent).toBe(true);
    expect(b.pca.explained[0]).toBeCloseTo(0.5, 9);
    expect(b.pca.count).toBe(16);
    // After another iteration (a newer current answer) the axes stay the same object.
    const later = result('current', 3, [0, 3], 1);
    expect(stateAxes(b, pre, later)).toBe(b);
  });

  it('leave out a current answer older than the pre-trained one (it shows the previous state)', () => {
    const stale = result('current', 4, [0, 1]);
    const pre = result('pretrained', 5, [1, 1]);
    const a = stateAxes(null, pre, stale)!;
    expect(a.withCurrent).toBe(false);
    expect(a.pca.explained[0]).toBeCloseTo(1, 9);
    expect(a.pca.components[0][0]).toBeCloseTo(Math.SQRT1_2, 9);
  });

  it('are new for a new state (a new pre-trained answer), and follow the current one when it is alone', () => {
    const a = stateAxes(null, result('pretrained', 1, [1, 0]), null)!;
    const b = stateAxes(a, result('pretrained', 7, [0, 1]), null)!;
    expect(b).not.toBe(a);
    expect([...b.pca.components[0]]).toEqual([0, 1]);
    const c = stateAxes(b, null, result('current', 8, [1, 0]))!;
    expect(c.key).toBe('current:8:2');
    expect([...c.pca.components[0]]).toEqual([1, 0]);
  });
});
