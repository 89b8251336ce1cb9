import { beforeAll, describe, expect, it } from 'vitest';
import type { GmmMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { GmmMlpPolicy } from './gmm';
import { AdamW } from './adamw';
import { initTf, tf } from './tfSetup';

beforeAll(async () => {
  await initTf('wasm');
});

const cfg: GmmMlpConfig = {
  kind: 'gmm-mlp', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 3, actSteps: 2, numModes: 2,
  mlpDims: [8, 8, 8], activation: 'mish', residualStyle: true, stdMin: 0.05, stdMax: 0.5, stdInit: 0.1,
};
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const logN = (x: number, mu: number, sigma: number) => -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - HALF_LOG_2PI;

// Both heads' last Linears zeroed: mode 0 mean 0.3 everywhere, mode 1 mean −0.4; weights π = [0.25, 0.75].
// logvar (mode-major [K_m·Da]): mode 0 σ = [0.1, 0.1]; mode 1 σ = [0.2, 0.01 → clamped to stdMin 0.05].
const modeMean = [0.3, -0.4];
const pi = [0.25, 0.75];
const sigma = [[0.1, 0.1], [0.2, 0.05]];

function makePolicy(seed = 1): GmmMlpPolicy {
  const p = new GmmMlpPolicy(cfg, new Rng(seed));
  const w = p.namedWeights();
  w.set('network.mlp_mean.layers.2.weight', { shape: [12, 8], data: new Float32Array(96) });
  w.set('network.mlp_mean.layers.2.bias', { shape: [12], data: Float32Array.from({ length: 12 }, (_, i) => Math.atanh(modeMean[Math.floor(i / 6)])) });
  w.set('network.mlp_weights.layers.2.weight', { shape: [2, 8], data: new Float32Array(16) });
  w.set('network.mlp_weights.layers.2.bias', { shape: [2], data: Float32Array.from(pi.map(Math.log)) });
  w.set('network.logvar', { shape: [4], data: Float32Array.from([0.01, 0.01, 0.04, 1e-4].map(Math.log)) });
  p.loadNamedWeights(w);
  return p;
}

/** logsumexp_m(log π_m + Σ_{t<rows,d} log N) / (rows·Da), written out in JS. */
function mixtureLp(a: number[], rows: number): number {
  const terms = [0, 1].map((m) => {
    let s = Math.log(pi[m]);
    for (let t = 0; t < rows; t++) for (let d = 0; d < 2; d++) s += logN(a[t * 2 + d], modeMean[m], sigma[m][d]);
    return s;
  });
  const mx = Math.max(...terms);
  return (mx + Math.log(terms.reduce((acc, v) => acc + Math.exp(v - mx), 0))) / (rows * 2);
}

const items = [
  new Array(6).fill(0.3), // at mode 0: ≈ (log .25 + 4·1.3836)/4 = 1.037
  [0, 0, 0.1, -0.1, -0.3, 0.2], // between the modes
  new Array(6).fill(0.9), // far from both → below −5, clamped
];

describe('GmmMlpPolicy (spec §3.7, §5)', () => {
  it('uses DPPO key names', () => {
    const p = new GmmMlpPolicy(cfg, new Rng(0));
    const w = p.namedWeights();
    expect(w.get('network.mlp_mean.layers.2.weight')?.shape).toEqual([12, 8]);
    expect(w.get('network.mlp_weights.layers.0.weight')?.shape).toEqual([8, 3]);
    expect(w.get('network.mlp_weights.layers.2.weight')?.shape).toEqual([2, 8]);
    expect(w.get('network.logvar')?.shape).toEqual([4]);
    p.dispose();
  });

  it('computes the normalised, clamped mixture log-prob of the executed prefix by hand', () => {
    const p = makePolicy();
    const expected = items.map((a) => Math.min(2, Math.max(-5, mixtureLp(a, 2))));
    expect(expected[0]).toBeCloseTo(1.0373, 3);
    expect(expected[2]).toBe(-5);
    const lp = tf.tidy(() =>
      p.logProb(tf.zeros([3, 3]) as tf.Tensor2D, tf.zeros([3, 3, 2]) as tf.Tensor3D, tf.tensor3d(items.flat(), [3, 3, 2]),
        tf.zeros([3], 'int32') as tf.Tensor1D, { actSteps: 2, minLogprobDenoisingStd: 0.1 }),
    );
    const got = lp.dataSync();
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 4));
    lp.dispose();
    p.dispose();
  });

  it('bcLoss = −mean of the normalised whole-chunk mixture log-density', () => {
    const p = makePolicy();
    const exp = -(mixtureLp(items[0], 3) + mixtureLp(items[1], 3)) / 2;
    const loss = tf.tidy(() => p.bcLoss(tf.ones([2, 3]) as tf.Tensor2D, tf.tensor3d([...items[0], ...items[1]], [2, 3, 2]), new Rng(0)));
    expect(loss.dataSync()[0]).toBeCloseTo(exp, 4);
    loss.dispose();
    p.dispose();
  });

  it('is differentiable in means, logits and logvar (zero at a clamped logvar)', () => {
    const p = makePolicy();
    const { value, grads } = tf.variableGrads(() =>
      tf.sum(p.logProb(tf.ones([1, 3]) as tf.Tensor2D, tf.zeros([1, 3, 2]) as tf.Tensor3D, tf.tensor3d(items[1], [1, 3, 2]),
        tf.zeros([1], 'int32') as tf.Tensor1D, { actSteps: 2, minLogprobDenoisingStd: 0.1 })) as tf.Scalar,
      p.trainableVariables(),
    );
    const g = grads[p.logvar.name].dataSync();
    expect(g[3]).toBe(0);
    expect(Math.abs(g[0])).toBeGreaterThan(1e-4); // mode 0 carries ≈ all the responsibility for this item
    const biasGrad = (v: tf.Variable) => Math.max(...Array.from(grads[v.name].dataSync()).map(Math.abs));
    expect(biasGrad(p.meanNet.params().at(-1)!.variable)).toBeGreaterThan(1e-4);
    expect(biasGrad(p.logitsNet.params().at(-1)!.variable)).toBeGreaterThan(1e-4);
    tf.dispose([value, ...Object.values(grads)]);
    p.dispose();
  });

  it('draws modes with the softmax weights; deterministic returns a mode mean', () => {
    const p = makePolicy();
    const B = 2000;
    const obs = tf.zeros([B, 3]) as tf.Tensor2D;
    const s = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(11), randnClipValue: 1 });
    expect(s.chain!.shape).toEqual([B, 1, 3, 2]);
    const a = s.actions.dataSync();
    let mode1 = 0;
    let maxZ = 0;
    for (let b = 0; b < B; b++) {
      const m = a[b * 6] < 0 ? 1 : 0;
      mode1 += m;
      for (let i = 0; i < 6; i++) maxZ = Math.max(maxZ, Math.abs(a[b * 6 + i] - modeMean[m]) / sigma[m][i % 2]);
    }
    expect(maxZ).toBeLessThanOrEqual(1 + 1e-3);
    expect(mode1 / B).toBeGreaterThan(0.71);
    expect(mode1 / B).toBeLessThan(0.79);
    const again = p.sample(obs, { deterministic: false, recordChain: false, rng: new Rng(11), randnClipValue: 1 });
    expect(Array.from(again.actions.dataSync())).toEqual(Array.from(a));
    const det = p.sample(obs, { deterministic: true, recordChain: false, rng: new Rng(3) });
    const d = det.actions.dataSync();
    for (let b = 0; b < 50; b++) {
      const m = d[b * 6] < 0 ? 1 : 0;
      for (let i = 0; i < 6; i++) expect(d[b * 6 + i]).toBeCloseTo(modeMean[m], 6);
    }
    tf.dispose([obs, s.actions, s.chain!, again.actions, det.actions]);
    p.dispose();
  });

  it('keeps the tensor count flat and round-trips its weights', () => {
    const p = makePolicy();
    const before = tf.memory().numTensors;
    const lp = tf.tidy(() => {
      const obs = tf.randomNormal([4, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
      const { actions } = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(2), randnClipValue: 3 });
      const l = p.logProb(obs, actions, actions, tf.zeros([4], 'int32') as tf.Tensor1D, { actSteps: 2, minLogprobDenoisingStd: 0.1 });
      p.bcLoss(obs, actions, new Rng(0));
      return l;
    });
    lp.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const q = new GmmMlpPolicy(cfg, new Rng(42));
    q.loadNamedWeights(p.namedWeights());
    const [x, y] = tf.tidy(() => {
      const obs = tf.randomNormal([3, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
      const a = tf.randomNormal([3, 3, 2], 0, 0.3, 'float32', 5) as tf.Tensor3D;
      const st = tf.zeros([3], 'int32') as tf.Tensor1D;
      const o = { actSteps: 3, minLogprobDenoisingStd: 0.1 };
      return [p.logProb(obs, a, a, st, o), q.logProb(obs, a, a, st, o)];
    });
    expect(Array.from(x.dataSync())).toEqual(Array.from(y.dataSync()));
    tf.dispose([x, y]);
    p.dispose();
    q.dispose();
  });

  it('learns by BC: 30 AdamW steps on a fixed batch lower bcLoss', () => {
    const p = new GmmMlpPolicy(cfg, new Rng(3));
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
