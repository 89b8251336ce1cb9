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
  it('reports settings the config rejects, with the schema\'s message (the form\'s and --set\'s)', () => {
    expect(parseExperimentQuery('nEnvs=0').problems[0]).toMatch(/nEnvs/);
    expect(parseExperimentQuery('nEnvs=abc').problems).toEqual(['nEnvs (n_envs) must be an integer from 1 to 4096; got "abc", which is not a number.']);
    expect(parseExperimentQuery('seed=-1').problems).toEqual(['seed must be an integer from 0 to 4294967295; got -1.']);
    expect(parseExperimentQuery('forceTrain=yes').problems).toEqual(['forceTrain (force_train) must be true or false; got "yes".']);
    expect(parseExperimentQuery('lrWarmupSteps=40').problems[0]).toMatch(/^lrWarmupSteps \(warmup_steps\) must be less than the LR cycle length/);
  });
  it('splits the route from the query', () => {
    expect(splitHash('#/experiments?a=1')).toEqual({ path: '/experiments', query: 'a=1' });
    expect(splitHash('#/inspector')).toEqual({ path: '/inspector', query: '' });
  });
});
