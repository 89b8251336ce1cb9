import { describe, expect, it } from 'vitest';
import type { EpisodeDataset } from '../episodes';
import { analyzeDataset, prepareTrainingData } from './analyze';
import { readDataset, sourceFromBytes } from './index';
import { fixtureBytes } from './testing/fixtures';

function tiny(): EpisodeDataset {
  // 3 episodes (4, 1, 3 steps), obs 2 (dim 1 constant), act 1; one NaN obs.
  const obs = Float32Array.from([0, 5, 1, 5, 2, 5, 3, 5, 9, 5, 4, 5, NaN, 5, 6, 5]);
  return {
    obsDim: 2,
    actDim: 1,
    obs,
    act: Float32Array.from([-2, 0, 2, 1, 0, 0, 1, 2]),
    rew: Float32Array.from([1, 1, 1, 1, 5, 0, 0, 2]),
    terminals: Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0]),
    episodeLengths: Int32Array.from([4, 1, 3]),
    normalized: false,
    source: { format: 'd4rl-hdf5', description: 't' },
  };
}

describe('dataset analysis (inspector + sanity report)', () => {
  it('counts NaNs, finds constant dims and episodes shorter than the chunk, returns per episode', () => {
    const a = analyzeDataset(tiny(), 4);
    expect(a.sanity.nonFinite).toEqual({ obs: 1, act: 0, rew: 0 });
    expect(a.sanity.constantObs).toEqual([1]);
    expect(a.sanity.constantAct).toEqual([]);
    expect(a.sanity.shortEpisodes).toBe(2);
    expect(a.sanity.shortExamples).toEqual([1, 2]);
    expect(a.episodes.map((e) => e.ret)).toEqual([4, 5, 2]);
    expect(a.episodes[0].terminal).toBe(true);
    expect(a.obs[0]).toMatchObject({ min: 0, max: 9, nonFinite: 1 });
    expect(a.obs[0].hist.counts.reduce((x, y) => x + y, 0)).toBe(7);
    expect(a.lengthHist.counts.reduce((x, y) => x + y, 0)).toBe(3);
    // Fitted min/max: every normalised action is inside [−1, 1].
    expect(a.sanity.normalizationSource).toBe('fitted');
    expect(a.sanity.actionsOutside).toBe(0);
  });

  it('a normalised file with actions beyond ±1 is flagged; training data refuses NaNs and names where', async () => {
    const ds = tiny();
    ds.normalized = true;
    expect(analyzeDataset(ds, null).sanity.actionsOutside).toBe(3); // −2, 2, 2
    expect(() => prepareTrainingData(tiny(), 'x.hdf5')).toThrow(/non-finite value \(NaN\) at episode 2, step 6, dimension 0/);
  });

  it('raw D4RL data is scaled to [−1, 1] with min/max fitted per dimension (DPPO §6.2)', async () => {
    const r = await readDataset(sourceFromBytes(fixtureBytes('d4rl_hopper.hdf5'), 'd.hdf5'));
    const t = prepareTrainingData(r.dataset, 'd.hdf5');
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of t.actions) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeCloseTo(-1, 5);
    expect(hi).toBeCloseTo(1, 5);
    expect(t.normalization.obsMin.length).toBe(11);
    expect([...t.trajLengths]).toEqual([...r.dataset.episodeLengths]);
  });
});
