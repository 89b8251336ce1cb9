import { describe, expect, it } from 'vitest';
import { configOf, formatExperimentQuery, parseExperimentQuery, splitHash } from './experiment';

describe('experiment link', () => {
  it('round-trips settings and overrides through the hash query', () => {
    const q = 'task=avoid-m1&algo=gaussian&preset=reference&seed=3&nEnvs=8&nSteps=25&updateEpochs=1&rewardScaleRunning=false';
    const { settings, problems } = parseExperimentQuery(q);
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ task: 'avoid-m1', algo: 'gaussian', preset: 'reference', seed: 3 });
    // nSteps 25 equals the preset, so it is not an override
    expect(settings.overrides).toEqual({ nEnvs: 8, updateEpochs: 1, rewardScaleRunning: false });
    const cfg = configOf(settings);
    expect(cfg.nEnvs).toBe(8);
    expect(cfg.seed).toBe(3);
    expect(parseExperimentQuery(formatExperimentQuery(settings)).settings).toEqual(settings);
  });
  it('reports unknown keys and bad values, keeping the rest', () => {
    const { settings, problems } = parseExperimentQuery('task=avoid-m9&nEnvs=abc&foo=1&batchSize=500');
    expect(settings.task).toBe('avoid-m2');
    expect(settings.overrides).toEqual({ batchSize: 500 });
    expect(problems).toHaveLength(3);
  });
  it('reports settings the config rejects', () => {
    expect(parseExperimentQuery('nEnvs=0').problems[0]).toMatch(/nEnvs/);
  });
  it('splits the route from the query', () => {
    expect(splitHash('#/experiments?a=1')).toEqual({ path: '/experiments', query: 'a=1' });
    expect(splitHash('#/inspector')).toEqual({ path: '/inspector', query: '' });
  });
});
