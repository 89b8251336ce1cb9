import { beforeAll, describe, expect, it } from 'vitest';
import type { GaussianMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { GaussianMlpPolicy } from './gaussian';
import { AdamW } from './adamw';
import { initTf, tf } from './tfSetup';

beforeAll(async () => {
  await initTf('wasm');
});

const cfg: GaussianMlpConfig = {
  kind: 'gaussian-mlp', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 3, actSteps: 2,
  mlpDims: [8, 8, 8], activation: 'mish', residualStyle: true, stdMin: 0.05, stdMax: 0.5, stdInit: 0.1,
};
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const logN = (x: number, mu: number, sigma: number) => -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - HALF_LOG_2PI;
const clampLp = (v: number) => Math.min(2, Math.max(-5, v));

// Mean head's last Linear zeroed with bias b → μ = tanh(b) whatever the obs, reshaped [Ta = 3, Da = 2].
const bias = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
const mu = bias.map(Math.tanh);
// logvar: dim 0 = log(0.01²), below the clamp → σ = stdMin = 0.05; dim 1 = log(0.2²) → σ = 0.2.
const sigma = [0.05, 0.2];

function makePolicy(seed = 1): GaussianMlpPolicy {
  const p = new GaussianMlpPolicy(cfg, new Rng(seed));
  const w = p.namedWeights();
  w.set('network.mlp_mean.layers.2.weight', { shape: [6, 8], data: new Float32Array(48) });
  w.set('network.mlp_mean.layers.2.bias', { shape: [6], data: Float32Array.from(bias) });
  w.set('network.logvar', { shape: [2], data: Float32Array.from([Math.log(1e-4), Math.log(0.04)]) });
  p.loadNamedWeights(w);
  return p;
}

// Item 0: a = μ. Item 1: a = μ + offsets (row 1 col 0 is 10σ away → element clamps at −5; row 2 is ignored).
const offsets = [[0, 0, 0, 0, 0, 0], [0.05, 0.4, 0.5, 0, 0.1, -0.1]];
const actionsOf = (k: number) => mu.map((m, i) => m + offsets[k][i]);

describe('GaussianMlpPolicy (spec §3.7, §5)', () => {
  it('uses DPPO key names and initialises logvar to log(stdInit²)', () => {
    const p = new GaussianMlpPolicy(cfg, new Rng(0));
    const w = p.namedWeights();
    expect(w.get('network.mlp_mean.layers.0.weight')?.shape).toEqual([8, 3]);
    expect(w.get('network.mlp_mean.layers.1.l1.weight')?.shape).toEqual([8, 8]);
    expect(w.get('network.mlp_mean.layers.1.l2.bias')?.shape).toEqual([8]);
    expect(w.get('network.mlp_mean.layers.2.weight')?.shape).toEqual([6, 8]);
    expect(Array.from(w.get('network.logvar')!.data)).toEqual([Math.fround(Math.log(0.01)), Math.fround(Math.log(0.01))]);
    expect(w.get('network.logvar_min')!.data[0]).toBeCloseTo(Math.log(0.0025), 6);
    expect(p.ppoStepsPerSample).toBe(1);
    expect(p.chainLength).toBe(1);
    p.dispose();
  });

  it('builds a plain MLP head when residualStyle is false', () => {
    const p = new GaussianMlpPolicy({ ...cfg, residualStyle: false, mlpDims: [8, 8] }, new Rng(0));
    const keys = [...p.namedWeights().keys()];
    expect(keys).toContain('network.mlp_mean.moduleList.0.linear_1.weight');
    expect(keys).toContain('network.mlp_mean.moduleList.2.linear_1.bias');
    p.dispose();
  });

  it('computes the clamped, prefix-meaned log-prob by hand', () => {
    const p = makePolicy();
    // Expected: element log N clamped to [−5, 2] over rows 0..1 (actSteps = 2), mean over 4 elements.
    // Item 0, dim 0: −log 0.05 − ½log 2π = 2.0769 → 2; dim 1: 0.6905. Mean = (2 + 0.6905)·2/4 = 1.3453.
    const expected = [0, 1].map((k) => {
      const a = actionsOf(k);
      let s = 0;
      for (let i = 0; i < 4; i++) s += clampLp(logN(a[i], mu[i], sigma[i % 2]));
      return s / 4;
    });
    expect(expected[0]).toBeCloseTo(1.34526, 4);
    const lp = tf.tidy(() =>
      p.logProb(tf.randomNormal([2, 3], 0, 1, 'float32', 3) as tf.Tensor2D, tf.zeros([2, 3, 2]) as tf.Tensor3D,
        tf.tensor3d([...actionsOf(0), ...actionsOf(1)], [2, 3, 2]), tf.zeros([2], 'int32') as tf.Tensor1D,
        { actSteps: 2, minLogprobDenoisingStd: 0.1 }),
    );
    const got = lp.dataSync();
    expect(got[0]).toBeCloseTo(expected[0], 4);
    expect(got[1]).toBeCloseTo(expected[1], 4);
    lp.dispose();
    p.dispose();
  });

  it('bcLoss = −mean of the unclamped element log-densities over the whole chunk', () => {
    const p = makePolicy();
    const a = actionsOf(1);
    let s = 0;
    for (let i = 0; i < 6; i++) s += logN(a[i], mu[i], sigma[i % 2]);
    const loss = tf.tidy(() => p.bcLoss(tf.zeros([1, 3]) as tf.Tensor2D, tf.tensor3d(a, [1, 3, 2]), new Rng(0)));
    expect(loss.dataSync()[0]).toBeCloseTo(-s / 6, 3);
    loss.dispose();
    p.dispose();
  });

  it('is differentiable; a logvar clamped at its bound gets zero gradient', () => {
    const p = makePolicy();
    const { value, grads } = tf.variableGrads(() =>
      tf.sum(p.logProb(tf.ones([2, 3]) as tf.Tensor2D, tf.zeros([2, 3, 2]) as tf.Tensor3D,
        tf.tensor3d([...actionsOf(1), ...actionsOf(1)], [2, 3, 2]), tf.zeros([2], 'int32') as tf.Tensor1D,
        { actSteps: 2, minLogprobDenoisingStd: 0.1 })) as tf.Scalar,
      p.trainableVariables(),
    );
    const g = grads[p.logvar.name].dataSync();
    expect(g[0]).toBe(0);
    expect(Math.abs(g[1])).toBeGreaterThan(1e-3);
    expect(Object.keys(grads).length).toBe(p.trainableVariables().length);
    tf.dispose([value, ...Object.values(grads)]);
    p.dispose();
  });

  it('samples μ + σ·clip(z): deterministic = mean, seeded, clipped, chain = [action]', () => {
    const p = makePolicy();
    const B = 400;
    const obs = tf.randomNormal([B, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const det = p.sample(obs, { deterministic: true, recordChain: true, rng: new Rng(1) });
    expect(det.chain!.shape).toEqual([B, 1, 3, 2]);
    const d = det.actions.dataSync();
    for (let i = 0; i < 6; i++) expect(d[6 * 17 + i]).toBeCloseTo(mu[i], 6);

    const s1 = p.sample(obs, { deterministic: false, recordChain: false, rng: new Rng(7), randnClipValue: 0.5 });
    const s2 = p.sample(obs, { deterministic: false, recordChain: false, rng: new Rng(7), randnClipValue: 0.5 });
    expect(s1.chain).toBeUndefined();
    const a1 = s1.actions.dataSync();
    expect(Array.from(a1)).toEqual(Array.from(s2.actions.dataSync()));
    let maxZ = 0;
    for (let i = 0; i < a1.length; i++) maxZ = Math.max(maxZ, Math.abs(a1[i] - mu[i % 6]) / sigma[i % 2]);
    expect(maxZ).toBeLessThanOrEqual(0.5 + 1e-4);
    expect(maxZ).toBeGreaterThan(0.45);

    const s3 = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(8), randnClipValue: 3 });
    const a3 = s3.actions.dataSync();
    for (let dim = 0; dim < 2; dim++) {
      let ss = 0;
      let n = 0;
      for (let i = dim; i < a3.length; i += 2) {
        ss += (a3[i] - mu[i % 6]) ** 2;
        n++;
      }
      expect(Math.sqrt(ss / n) / sigma[dim]).toBeGreaterThan(0.9);
      expect(Math.sqrt(ss / n) / sigma[dim]).toBeLessThan(1.1);
    }
    expect(Array.from(s3.chain!.dataSync())).toEqual(Array.from(a3));
    tf.dispose([obs, det.actions, det.chain!, s1.actions, s2.actions, s3.actions, s3.chain!]);
    p.dispose();
  });

  it('keeps the tensor count flat and round-trips its weights', () => {
    const p = makePolicy();
    const before = tf.memory().numTensors;
    const lp = tf.tidy(() => {
      const obs = tf.randomNormal([4, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
      const { actions, chain } = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(2), randnClipValue: 3 });
      const l = p.logProb(obs, actions, actions, tf.zeros([4], 'int32') as tf.Tensor1D, { actSteps: 2, minLogprobDenoisingStd: 0.1 });
      p.bcLoss(obs, chain!.squeeze([1]) as tf.Tensor3D, new Rng(0));
      return l;
    });
    lp.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const q = new GaussianMlpPolicy(cfg, new Rng(99));
    q.loadNamedWeights(p.namedWeights());
    const [x, y] = tf.tidy(() => {
      const obs = tf.randomNormal([3, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
      const a = tf.randomNormal([3, 3, 2], 0, 0.3, 'float32', 5) as tf.Tensor3D;
      const st = tf.zeros([3], 'int32') as tf.Tensor1D;
      const o = { actSteps: 2, minLogprobDenoisingStd: 0.1 };
      return [p.logProb(obs, a, a, st, o), q.logProb(obs, a, a, st, o)];
    });
    expect(Array.from(x.dataSync())).toEqual(Array.from(y.dataSync()));
    tf.dispose([x, y]);
    const bad = p.namedWeights();
    bad.set('network.logvar', { shape: [3], data: new Float32Array(3) });
    expect(() => q.loadNamedWeights(bad)).toThrow(/shape/);
    p.dispose();
    q.dispose();
  });

  it('learns by BC: 30 AdamW steps on a fixed batch lower bcLoss', () => {
    const p = new GaussianMlpPolicy(cfg, new Rng(3));
    const obs = tf.randomNormal([16, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const acts = tf.tanh(tf.randomNormal([16, 3, 2], 0, 1, 'float32', 2)) as tf.Tensor3D;
    const opt = new AdamW(p.pretrainVariables(), { lr: 3e-3, weightDecay: 0 });
    const losses: number[] = [];
    for (let k = 0; k < 30; k++) {
      const l = opt.minimize(() => p.bcLoss(obs, acts, new Rng(0)));
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    expect(losses[29]).toBeLessThan(losses[0] - 0.5);
    tf.dispose([obs, acts]);
    opt.dispose();
    p.dispose();
  });
});
