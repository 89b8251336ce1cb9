/** The pre-training slice's pure parts: checkpoint options per task/algorithm, the selection and the ETA. */
import { describe, expect, it } from 'vitest';
import { checkpointOptions, kindForAlgo, pretrainEta, selectedCheckpoint, type PretrainJob, type SessionCheckpoint } from './pretrain';

const sessions: SessionCheckpoint[] = [
  { ref: 'session:pre-a', task: 'avoid-m2', kind: 'diffusion-mlp', loss: 0.0812, epochs: 20 },
  { ref: 'session:pre-b', task: 'avoid-m1', kind: 'diffusion-mlp', loss: 0.07, epochs: 20 },
  { ref: 'session:pre-c', task: 'avoid-m2', kind: 'gmm-mlp', loss: -1.5, epochs: 5 },
];

describe('pre-training state', () => {
  it('offers the bundled checkpoint, then this session\'s ones of the same task and kind', () => {
    expect(kindForAlgo('gaussian')).toBe('gaussian-mlp');
    const opts = checkpointOptions('avoid-m2', 'dppo', sessions);
    expect(opts.map((o) => o.ref)).toEqual(['builtin:avoid-m2/diffusion-mlp', 'session:pre-a']);
    expect(opts[1].label).toBe("this session's pre-trained diffusion-mlp (loss 0.0812, 20 ep)");
    expect(checkpointOptions('avoid-m2', 'gmm', sessions).map((o) => o.ref)).toEqual(['builtin:avoid-m2/gmm-mlp', 'session:pre-c']);
  });

  it('falls back to the bundled checkpoint when the chosen one is not offered', () => {
    expect(selectedCheckpoint('avoid-m2', 'dppo', { chosen: { 'avoid-m2/dppo': 'session:pre-a' }, sessionCheckpoints: sessions })).toBe('session:pre-a');
    expect(selectedCheckpoint('avoid-m2', 'dppo', { chosen: { 'avoid-m2/dppo': 'session:gone' }, sessionCheckpoints: sessions })).toBe('builtin:avoid-m2/diffusion-mlp');
    expect(selectedCheckpoint('avoid-m3', 'gaussian', { chosen: {}, sessionCheckpoints: sessions })).toBe('builtin:avoid-m3/gaussian-mlp');
  });

  it('estimates the time left from recent epochs, or from the first epoch\'s progress', () => {
    const job: PretrainJob = { id: 'p', task: 'avoid-m2', kind: 'diffusion-mlp', totalEpochs: 10, status: 'running', losses: [], epochWallS: [], fraction: 0, startedAt: 0 };
    expect(pretrainEta(job, 1000)).toBeNull();
    expect(pretrainEta({ ...job, fraction: 0.5 }, 2000)).toBeCloseTo(9.5 * 4000);
    expect(pretrainEta({ ...job, losses: [1, 0.5], epochWallS: [3, 5], fraction: 0.25 }, 0)).toBeCloseTo(7.75 * 2000);
  });
});
