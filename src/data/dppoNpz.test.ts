import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { Normalizer } from '../policy/normalizer';
import { loadDppoNpz, loadNormalizationNpz, saveDppoNpz, type RawTrajectories } from './dppoNpz';
import { episodeView } from './episodes';
import { npyArray } from './npy';
import { readNpz, writeNpz } from './npz';

function sample(): RawTrajectories {
  const T = 5;
  const states = new Float32Array(T * 4);
  const actions = new Float32Array(T * 2);
  for (let t = 0; t < T; t++) {
    states.set([0.3 + 0.01 * t, -0.2 + 0.05 * t, 0.31 + 0.01 * t, -0.21 + 0.05 * t], 4 * t);
    actions.set([0.01 * Math.sin(t), 0.008 + 0.001 * t], 2 * t);
  }
  return { obsDim: 4, actDim: 2, states, actions, trajLengths: Int32Array.of(2, 3), rewards: new Float32Array(T), terminals: Uint8Array.of(0, 1, 0, 0, 1) };
}

describe('DPPO train.npz / normalization.npz', () => {
  it('round-trips (deflated and stored), storing states/actions normalised to [−1, 1]', () => {
    const raw = sample();
    const norm = Normalizer.fit(raw.states, 4, raw.actions, 2);
    for (const compress of [true, false]) {
      const files = saveDppoNpz(raw, norm, { compress });
      const keys = [...readNpz(files.train).keys()];
      expect(keys).toEqual(['states', 'actions', 'traj_lengths', 'rewards', 'terminals']);
      expect(readNpz(files.train).get('traj_lengths')!.dtype).toBe('int64');
      const ds = loadDppoNpz(files.train, files.normalization);
      expect(ds.normalized).toBe(true);
      expect(ds.obsDim).toBe(4);
      expect(ds.actDim).toBe(2);
      expect(Array.from(ds.episodeLengths)).toEqual([2, 3]);
      for (const v of ds.obs) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-6);
      const back = new Normalizer(ds.normalization!);
      const obsRaw = back.unnormalizeObs(ds.obs);
      for (let i = 0; i < obsRaw.length; i++) expect(obsRaw[i]).toBeCloseTo(raw.states[i], 5);
      const actRaw = back.unnormalizeAction(ds.act);
      for (let i = 0; i < actRaw.length; i++) expect(actRaw[i]).toBeCloseTo(raw.actions[i], 5);
      expect(Array.from(ds.terminals!)).toEqual([0, 1, 0, 0, 1]);
      expect(episodeView(ds, 1).length).toBe(3);
      expect(loadNormalizationNpz(files.normalization).stats.obsMax).toEqual(norm.stats.obsMax);
    }
  });

  it('rejects wrong keys and shapes with specific UserErrors', () => {
    const f = (arrays: Parameters<typeof writeNpz>[0]): Uint8Array => writeNpz(arrays);
    const states = npyArray('float32', [3, 4], new Float32Array(12));
    const actions = npyArray('float32', [3, 2], new Float32Array(6));
    const lengths = npyArray('int64', [1], BigInt64Array.of(3n));
    expect(() => loadDppoNpz(f({ states, actions }))).toThrow(/missing 'traj_lengths'/);
    expect(() => loadDppoNpz(f({ observations: states, actions, traj_lengths: lengths }))).toThrow(/'observations'/);
    expect(() => loadDppoNpz(f({ states: npyArray('float32', [12], new Float32Array(12)), actions, traj_lengths: lengths }))).toThrow(/states must be 2-D/);
    expect(() => loadDppoNpz(f({ states, actions: npyArray('float32', [2, 3], new Float32Array(6)), traj_lengths: lengths }))).toThrow(/3 rows but actions have 2/);
    expect(() => loadDppoNpz(f({ states, actions, traj_lengths: npyArray('int64', [2], BigInt64Array.of(1n, 1n)) }))).toThrow(/sum to 2 but states have 3/);
    expect(() => loadDppoNpz(f({ states, actions, traj_lengths: npyArray('float64', [1], Float64Array.of(3)) }))).toThrow(/must be integers/);
    const badNorm = f({ obs_min: npyArray('float32', [4], new Float32Array(4)), obs_max: npyArray('float32', [4], new Float32Array(4)) });
    expect(() => loadDppoNpz(f({ states, actions, traj_lengths: lengths }), badNorm)).toThrow(/missing 'action_min', 'action_max'/);
    const wrongDims = saveDppoNpz(
      { obsDim: 3, actDim: 2, states: new Float32Array(3), actions: new Float32Array(2), trajLengths: Int32Array.of(1) },
      new Normalizer({ obsMin: new Float32Array(3), obsMax: Float32Array.of(1, 1, 1), actionMin: new Float32Array(2), actionMax: Float32Array.of(1, 1) }),
    ).normalization;
    expect(() => loadDppoNpz(f({ states, actions, traj_lengths: lengths }), wrongDims)).toThrow(/is for obs 3/);
    expect(() => loadDppoNpz(new Uint8Array(100))).toThrow(UserError);
  });
});
