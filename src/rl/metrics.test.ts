import { describe, expect, it } from 'vitest';
import { episodeMetrics } from './metrics';

describe('episodeMetrics (spec §4.2)', () => {
  // T = 6 chunk steps, n = 2 envs, actSteps = 2, threshold 2. Columns below are per env.
  //   env0 firsts [0,0,1,0,0,1,0]: steps 0–1 cut at the start, episode 2–4 (rewards 1,4,2), step 5 cut at the end.
  //   env1 firsts [1,0,1,1,0,0,1]: episode 0–1 (1,1), episode 2–2 (100; one chunk step → dropped, reference
  //   quirk `end − start > 1`), episode 3–5 (0,3,5).
  // Counted: returns 7, 2, 8 → avg 17/3; best = max/2: 2, 0.5, 2.5 → avg 5/3; success (≥ 2): 2/3.
  const env0R = [9, 9, 1, 4, 2, 9];
  const env1R = [1, 1, 100, 0, 3, 5];
  const env0F = [0, 0, 1, 0, 0, 1, 0];
  const env1F = [1, 0, 1, 1, 0, 0, 1];
  const rewards = new Float32Array(12);
  const firsts = new Uint8Array(14);
  for (let t = 0; t < 6; t++) {
    rewards[t * 2] = env0R[t];
    rewards[t * 2 + 1] = env1R[t];
  }
  for (let t = 0; t < 7; t++) {
    firsts[t * 2] = env0F[t];
    firsts[t * 2 + 1] = env1F[t];
  }

  it('counts only fully contained episodes of ≥ 2 chunk steps', () => {
    const m = episodeMetrics({ rewards, firsts, nEnvs: 2, actSteps: 2, successThreshold: 2 });
    expect(m.numEpisodes).toBe(3);
    expect(m.avgReturn).toBeCloseTo(17 / 3, 6);
    expect(m.avgBestReward).toBeCloseTo(5 / 3, 6);
    expect(m.successRate).toBeCloseTo(2 / 3, 6);
    expect(m.episodes.map((e) => [e.env, e.start, e.end])).toEqual([[0, 2, 4], [1, 0, 1], [1, 3, 5]]);
  });

  it('uses the summed reward as best reward when sparse (Furniture)', () => {
    // best = returns 7, 2, 8; threshold 7.5 → only the last succeeds.
    const m = episodeMetrics({ rewards, firsts, nEnvs: 2, actSteps: 2, successThreshold: 7.5, sparseReward: true });
    expect(m.avgBestReward).toBeCloseTo(17 / 3, 6);
    expect(m.successRate).toBeCloseTo(1 / 3, 6);
  });

  it('returns zeros when no episode is complete', () => {
    const m = episodeMetrics({ rewards: new Float32Array([5, 5]), firsts: new Uint8Array([1, 0, 0]), nEnvs: 1, actSteps: 1, successThreshold: 0 });
    expect(m).toEqual({ numEpisodes: 0, successRate: 0, avgReturn: 0, avgBestReward: 0, episodes: [] });
    expect(() => episodeMetrics({ rewards, firsts: new Uint8Array(12), nEnvs: 2, actSteps: 2, successThreshold: 2 })).toThrow(/firsts/);
  });
});
