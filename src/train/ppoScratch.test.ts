/**
 * From-scratch PPO (`dppo expert`) and its datasets (`dppo rollout-data`), issue 9 "our own medium datasets":
 * - the trainer learns: Hopper's return after a few short iterations is well above the random policy's
 *   (≈ 13, first iteration), with a fixed seed — a sign error or a broken GAE/normaliser keeps it there;
 * - tensors stay flat across iterations;
 * - the checkpoint's min–max stats reproduce the trainer's running obs normalisation, so `dppo eval` sees
 *   the same policy;
 * - the recorded rollouts round-trip through DPPO's npz (data/dppoNpz.ts) with a correct normalisation.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveExpertConfig } from '../config/expert';
import { Rng } from '../core/rng';
import { loadDppoNpz, saveDppoNpz } from '../data/dppoNpz';
import type { Checkpoint } from '../policy/checkpoint';
import { decodeCheckpoint, encodeCheckpoint } from '../policy/checkpoint';
import { Normalizer } from '../policy/normalizer';
import { initTf } from '../policy/tfSetup';
import { taskFamily } from '../sim/registry';
import { evaluate } from './evaluate';
import { RunningObsStats, trainExpertPpo } from './ppoScratch';
import { rolloutData } from './rolloutData';

let trained: Checkpoint;

describe('from-scratch Gaussian PPO (dppo expert)', () => {
  beforeAll(async () => {
    await initTf('wasm');
  });

  it('raises Hopper return well above the random policy, with flat tensors', async () => {
    const preset = taskFamily('hopper').expertPreset!('hopper', 0);
    // 8 iterations × 2,048 steps, 5 epochs of 4 minibatches: a short, cheap run.
    const config = resolveExpertConfig(preset, { totalSteps: 8 * 2048, batchSize: 512, updateEpochs: 5 });
    const returns: number[] = [];
    const tensors: number[] = [];
    const before = tf.memory().numTensors;
    const result = await trainExpertPpo({
      config,
      onIteration: (it) => {
        returns.push(it.avg_return);
        tensors.push(tf.memory().numTensors);
      },
    });
    try {
      expect(returns).toHaveLength(8);
      // The random policy (std 1) falls after ≈ 15 steps with a return ≈ 13.
      expect(returns[0]).toBeLessThan(25);
      expect(returns[7]).toBeGreaterThan(2.5 * returns[0]);
      expect(Math.max(...returns.slice(5))).toBeGreaterThan(60);
      expect(new Set(tensors).size, `tensors per iteration: ${tensors.join(', ')}`).toBe(1);
      trained = decodeCheckpoint(encodeCheckpoint(result.checkpoint()));
      expect(trained.actorConfig).toMatchObject({ kind: 'gaussian-mlp', horizonSteps: 1, actSteps: 1, obsDim: 11, actionDim: 3 });
    } finally {
      result.dispose();
    }
    // Everything the run made (weights, Adam moments) is released by its owners.
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);

  it('stores the running obs normalisation as min–max stats that give the same map', () => {
    const rms = new RunningObsStats(3);
    const rng = new Rng(1);
    const x = Float32Array.from({ length: 300 }, (_, i) => [5, -2, 0.01][i % 3] + [3, 0.5, 0.001][i % 3] * rng.normal());
    rms.update(x.subarray(0, 150));
    rms.update(x.subarray(150));
    const norm = new Normalizer(rms.toMinMax(2));
    const a = rms.normalize(x, 1e9);
    const b = norm.normalizeObs(x);
    for (let i = 0; i < x.length; i++) expect(b[i]).toBeCloseTo(a[i], 3);
    // Actions pass through unchanged.
    expect(Array.from(norm.unnormalizeAction([-1, 0.25]))).toEqual([-1, 0.25]);
    // Population stats of the pooled data.
    const d0 = Array.from(x).filter((_, i) => i % 3 === 0);
    const mean0 = d0.reduce((s, v) => s + v, 0) / d0.length;
    expect(rms.mean[0]).toBeCloseTo(mean0, 3);
  });

  it('rolls the expert out with noise into DPPO npz that round-trips', async () => {
    expect(trained).toBeDefined();
    const before = tf.memory().numTensors;
    const data = await rolloutData({ task: 'hopper', checkpoint: trained, episodes: 5, noise: 0.1, seed: 3, nEnvs: 4 });
    expect(tf.memory().numTensors).toBe(before);
    const T = data.states.length / 11;
    expect(data.trajLengths).toHaveLength(5);
    expect(data.trajLengths.reduce((a, b) => a + b, 0)).toBe(T);
    expect(data.actions.length).toBe(T * 3);
    expect(data.rewards!.length).toBe(T);
    // Executed actions lie in the bounds; each episode ends with a termination or at the horizon.
    expect(Math.max(...data.actions)).toBeLessThanOrEqual(1);
    expect(Math.min(...data.actions)).toBeGreaterThanOrEqual(-1);
    let start = 0;
    for (let k = 0; k < 5; k++) {
      const len = data.trajLengths[k];
      const ep = data.terminals!.subarray(start, start + len);
      expect(ep.subarray(0, len - 1).every((v) => v === 0)).toBe(true);
      expect(ep[len - 1] === 1 || len === 1000).toBe(true);
      const ret = data.rewards!.subarray(start, start + len).reduce((a, b) => a + b, 0);
      expect(ret).toBeCloseTo(data.returns[k], 3);
      start += len;
    }

    const normalizer = Normalizer.fit(data.states, 11, data.actions, 3);
    const files = saveDppoNpz(data, normalizer);
    const ds = loadDppoNpz(files.train, files.normalization);
    expect(ds.obsDim).toBe(11);
    expect(ds.actDim).toBe(3);
    expect(Array.from(ds.episodeLengths)).toEqual(Array.from(data.trajLengths));
    // Normalised to [−1, 1] per dimension (min–max over the data, spec §6.2) …
    expect(Math.max(...ds.obs)).toBeLessThanOrEqual(1 + 1e-6);
    expect(Math.min(...ds.obs)).toBeGreaterThanOrEqual(-1 - 1e-6);
    for (let j = 0; j < 11; j++) {
      const col = Array.from(ds.obs).filter((_, i) => i % 11 === j);
      expect(Math.max(...col)).toBeCloseTo(1, 4);
      expect(Math.min(...col)).toBeCloseTo(-1, 4);
    }
    // … and back to the raw values with the stored stats.
    const back = new Normalizer(ds.normalization!);
    const rawObs = back.unnormalizeObs(ds.obs);
    const rawAct = back.unnormalizeAction(ds.act);
    for (let i = 0; i < data.states.length; i += 7) expect(rawObs[i]).toBeCloseTo(data.states[i], 4);
    for (let i = 0; i < data.actions.length; i += 5) expect(rawAct[i]).toBeCloseTo(data.actions[i], 4);
    expect(Array.from(ds.rew!.subarray(0, 20))).toEqual(Array.from(data.rewards!.subarray(0, 20)));
  }, 300_000);

  it('is evaluated by dppo eval through the stored normalisation like any checkpoint', async () => {
    expect(trained).toBeDefined();
    const summary = await evaluate({ task: 'hopper', checkpoint: trained, episodes: 4, seed: 0 });
    expect(summary.episodes).toBeGreaterThanOrEqual(4);
    // The deterministic policy after training hops further than the random one (return ≈ 13).
    expect(summary.avg_return).toBeGreaterThan(40);
  }, 300_000);
});
