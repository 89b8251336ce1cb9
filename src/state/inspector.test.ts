/**
 * The inspector's plotted projection (two action dimensions or PCA): kept in the store, so switching the
 * denoising step or the page keeps it; reset when the task (and so the action dimension) changes.
 */
import { describe, expect, it } from 'vitest';
import { inspectorDefaults } from './taskCatalog';
import { effectiveProjection, setProjectionAxis, setProjectionKind, useInspector } from './inspector';
import { useExperiment } from './experiment';

describe('inspector projection', () => {
  it('falls back to the default pair when the chosen one does not fit the action dimension', () => {
    expect(effectiveProjection(null, 3, [0, 1])).toEqual({ kind: 'dims', x: 0, y: 1 });
    expect(effectiveProjection({ kind: 'dims', x: 2, y: 0 }, 3, [0, 1])).toEqual({ kind: 'dims', x: 2, y: 0 });
    // A 6-D pair shown on a 3-D task, or x = y: the default pair.
    expect(effectiveProjection({ kind: 'dims', x: 5, y: 1 }, 3, [0, 1])).toEqual({ kind: 'dims', x: 0, y: 1 });
    expect(effectiveProjection({ kind: 'dims', x: 1, y: 1 }, 3, [0, 2])).toEqual({ kind: 'dims', x: 0, y: 2 });
    // PCA keeps its remembered pair; a 1-D action plots dim 0 against itself only as a last resort.
    expect(effectiveProjection({ kind: 'pca', x: 2, y: 1 }, 6, [0, 1])).toEqual({ kind: 'pca', x: 2, y: 1 });
    expect(effectiveProjection(null, 1, [0, 1])).toEqual({ kind: 'dims', x: 0, y: 0 });
  });

  it('picks an axis, swaps when the other axis already has that dimension, and keeps the pair through PCA', () => {
    useExperiment.setState({ task: 'hopper' });
    expect(useInspector.getState().task).toBe('hopper');
    const Da = inspectorDefaults('hopper').actionNames.length;
    expect(Da).toBe(3);
    setProjectionAxis('x', 2, Da);
    expect(useInspector.getState().projection).toEqual({ kind: 'dims', x: 2, y: 1 });
    setProjectionAxis('y', 2, Da);
    expect(useInspector.getState().projection).toEqual({ kind: 'dims', x: 1, y: 2 });
    setProjectionAxis('y', 7, Da); // not a dimension of this task: ignored
    expect(useInspector.getState().projection).toEqual({ kind: 'dims', x: 1, y: 2 });
    setProjectionKind('pca', Da);
    expect(useInspector.getState().projection).toEqual({ kind: 'pca', x: 1, y: 2 });
    // New samples (another step, a new iteration) leave the choice alone.
    useInspector.setState({ pretrained: null, current: null, obs: [0, 1, 2] });
    expect(useInspector.getState().projection).toEqual({ kind: 'pca', x: 1, y: 2 });
    setProjectionKind('dims', Da);
    expect(useInspector.getState().projection).toEqual({ kind: 'dims', x: 1, y: 2 });
    setProjectionAxis('x', 0, Da);
    expect(useInspector.getState().projection).toEqual({ kind: 'dims', x: 0, y: 2 });
  });

  it('goes back to the task default when the task changes', () => {
    useExperiment.setState({ task: 'hopper' });
    setProjectionKind('pca', 3);
    expect(useInspector.getState().projection?.kind).toBe('pca');
    useExperiment.setState({ task: 'walker2d' });
    const s = useInspector.getState();
    expect(s.task).toBe('walker2d');
    expect(s.projection).toBeNull();
    expect(effectiveProjection(s.projection, 6, inspectorDefaults('walker2d').actionDims)).toEqual({ kind: 'dims', x: 0, y: 1 });
  });
});
