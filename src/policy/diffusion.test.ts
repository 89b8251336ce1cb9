import { beforeAll, describe, expect, it } from 'vitest';
import type { DiffusionMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { AdamW } from './adamw';
import { DiffusionMlpPolicy } from './diffusion';
import type { DiffusionMlpNet } from './mlpDenoiser';
import type { ResidualMLP } from './nn';
import { makeSchedule } from './schedule';
import { initTf, tf } from './tfSetup';

beforeAll(async () => {
  await initTf('wasm');
});

/** Small actor: Do 3, Da 2, Ta 4 (actSteps 2), K 20. */
const CFG: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 2,
  denoisingSteps: 20, timeDim: 8, mlpDims: [16, 16, 16], activation: 'relu', residualStyle: true, denoisedClipValue: 1,
};
const B = 3;
const FLAT = 8;
const S = makeSchedule(20);

/** Makes ε_θ ≡ c (zero last kernel, bias c) so every step can be computed by hand. */
function constEps(net: DiffusionMlpNet, c: number): void {
  const last = (net.head as ResidualMLP).last;
  last.kernel.assign(tf.zerosLike(last.kernel));
  last.bias.assign(tf.fill([FLAT], c));
}

function obsTensor(): tf.Tensor2D {
  return tf.tensor2d([0.1, -0.2, 0.3, 0.5, 0.5, -0.5, -1, 0, 1], [B, 3]);
}

/**
 * Reference DDPM chain (spec §2.3/§2.4) written straight from the formulas: returns x after every step
 * (index 0 = x_K). epsFor(t) gives the constant ε used at step t.
 */
function referenceChain(seed: number, deterministic: boolean, epsFor: (t: number) => number, minStd = 0.1, zClip = 3): Float32Array[] {
  const noise = tf.tidy(() => tf.randomNormal([21, B, FLAT], 0, 1, 'float32', seed).dataSync() as Float32Array);
  const n = B * FLAT;
  let x = Array.from(noise.subarray(0, n));
  const out = [Float32Array.from(x)];
  for (let t = 19, k = 1; t >= 0; t--, k++) {
    const natural = Math.sqrt(S.posteriorVariance[t]);
    const std = deterministic ? (t === 0 ? 0 : Math.max(natural, 1e-3)) : Math.max(natural, minStd);
    x = x.map((xi, j) => {
      const x0 = Math.min(1, Math.max(-1, Math.sqrt(1 / S.alphasCumprod[t]) * xi - Math.sqrt(1 / S.alphasCumprod[t] - 1) * epsFor(t)));
      const z = Math.min(zClip, Math.max(-zClip, noise[k * n + j]));
      return S.posteriorMeanCoef1[t] * x0 + S.posteriorMeanCoef2[t] * xi + std * z;
    });
    out.push(Float32Array.from(x));
  }
  return out;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 2e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

function finetunedPolicy(seed = 1): DiffusionMlpPolicy {
  const p = new DiffusionMlpPolicy(CFG, new Rng(seed));
  p.prepareFinetune(10);
  constEps(p.base, 0.5);
  constEps(p.actorFt as DiffusionMlpNet, -3); // large: the x0 clamp bites on fine-tuned steps
  return p;
}

describe('DDPM sampling (spec §2.3–§2.7)', () => {
  for (const host of [true, false]) {
    for (const deterministic of [false, true]) {
      it(`matches the hand-computed chain (${deterministic ? 'eval' : 'train'} mode, ${host ? 'host' : 'device'} update)`, () => {
        const p = finetunedPolicy();
        p.hostUpdate = host;
        const obs = obsTensor();
        const seed = new Rng(42).seed();
        const r = p.sample(obs, { deterministic, recordChain: true, recordAllSteps: true, rng: new Rng(42), minSamplingDenoisingStd: 0.1, randnClipValue: 3 });
        const ref = referenceChain(seed, deterministic, (t) => (t < 10 ? -3 : 0.5));
        const all = r.allSteps as tf.Tensor4D;
        expect(all.shape).toEqual([21, B, 4, 2]);
        const allData = all.dataSync();
        ref.forEach((x, k) => expectClose(allData.subarray(k * B * FLAT, (k + 1) * B * FLAT), x));
        expectClose(r.actions.dataSync(), ref[20]);
        tf.dispose([obs, r.actions, r.chain ?? [], all]);
        p.dispose();
      });
    }
  }

  it('records K′+1 chain entries: chain[0] = x^(K′), chain[K′] = the returned actions', () => {
    const p = finetunedPolicy();
    const obs = obsTensor();
    const r = p.sample(obs, { deterministic: false, recordChain: true, recordAllSteps: true, rng: new Rng(7) });
    const chain = r.chain as tf.Tensor4D;
    expect(p.chainLength).toBe(11);
    expect(chain.shape).toEqual([B, 11, 4, 2]);
    const c = chain.dataSync();
    const a = r.actions.dataSync();
    const all = (r.allSteps as tf.Tensor4D).dataSync();
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < FLAT; j++) {
        expect(c[(b * 11 + 10) * FLAT + j]).toBe(a[b * FLAT + j]);
        // allSteps index 10 = x after step t = 10 = x^(K′)
        expect(c[(b * 11 + 0) * FLAT + j]).toBe(all[(10 * B + b) * FLAT + j]);
      }
    }
    tf.dispose([obs, r.actions, chain, r.allSteps as tf.Tensor]);
    p.dispose();
  });

  it('eval mode is deterministic given the seed; useBaseActor samples the pre-trained policy', () => {
    const p = finetunedPolicy();
    const obs = obsTensor();
    const run = (seed: number, useBaseActor = false) => {
      const r = p.sample(obs, { deterministic: true, recordChain: false, rng: new Rng(seed), useBaseActor, randnClipValue: 3 });
      const d = Float32Array.from(r.actions.dataSync());
      r.actions.dispose();
      return d;
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    const seed = new Rng(5).seed();
    expectClose(run(5, true), referenceChain(seed, true, () => 0.5)[20]);
    obs.dispose();
    p.dispose();
  });

  it('DDIM training chain matches §2.5 step by step (η = 1, recomputed ε, std floor)', () => {
    const cfg = { ...CFG, denoisingSteps: 100, ddimSteps: 5 };
    const p = new DiffusionMlpPolicy(cfg, new Rng(3));
    p.prepareFinetune(3);
    constEps(p.base, 0.4);
    constEps(p.actorFt as DiffusionMlpNet, -2);
    const obs = obsTensor();
    const seed = new Rng(8).seed();
    const r = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(8), randnClipValue: 3 });
    const s100 = makeSchedule(100);
    const ts = [80, 60, 40, 20, 0];
    const n = B * FLAT;
    const noise = tf.tidy(() => tf.randomNormal([6, B, FLAT], 0, 1, 'float32', seed).dataSync() as Float32Array);
    let x = Array.from(noise.subarray(0, n));
    const xs = [x];
    ts.forEach((t, i) => {
      const a = s100.alphasCumprod[t];
      const aPrev = i < 4 ? s100.alphasCumprod[ts[i + 1]] : 1;
      const eps = i >= 2 ? -2 : 0.4;
      const sigma = Math.max(Math.sqrt(((1 - aPrev) / (1 - a)) * (1 - a / aPrev)), 1e-10);
      const std = Math.max(sigma, 0.1);
      x = x.map((xi, j) => {
        const x0 = Math.min(1, Math.max(-1, (xi - Math.sqrt(1 - a) * eps) / Math.sqrt(a)));
        const e = (xi - Math.sqrt(a) * x0) / Math.sqrt(1 - a);
        const mu = Math.sqrt(aPrev) * x0 + Math.sqrt(Math.max(1 - aPrev - sigma * sigma, 0)) * e;
        return mu + std * Math.min(3, Math.max(-3, noise[(i + 1) * n + j]));
      });
      xs.push(x);
    });
    expectClose(r.actions.dataSync(), xs[5]);
    // chain = outputs of DDIM indices ≥ S − K′ − 1 = 1 → xs[2..5]
    const c = (r.chain as tf.Tensor4D).dataSync();
    for (let b = 0; b < B; b++) for (let l = 0; l < 4; l++) expectClose(c.subarray((b * 4 + l) * FLAT, (b * 4 + l + 1) * FLAT), xs[l + 2].slice(b * FLAT, (b + 1) * FLAT));
    tf.dispose([obs, r.actions, r.chain as tf.Tensor]);
    p.dispose();
  });

  it('DDIM: S steps, K′+1 chain entries, noiseless at eval', () => {
    const p = new DiffusionMlpPolicy({ ...CFG, denoisingSteps: 100, ddimSteps: 5 }, new Rng(3));
    p.prepareFinetune(5);
    const obs = obsTensor();
    const r = p.sample(obs, { deterministic: false, recordChain: true, recordAllSteps: true, rng: new Rng(1) });
    expect(r.chain?.shape).toEqual([B, 6, 4, 2]);
    expect(r.allSteps?.shape).toEqual([6, B, 4, 2]);
    expectClose((r.chain as tf.Tensor4D).dataSync().subarray(0, FLAT), (r.allSteps as tf.Tensor4D).dataSync().subarray(0, FLAT), 0);
    const e1 = p.sample(obs, { deterministic: true, recordChain: false, rng: new Rng(9) });
    const e2 = p.sample(obs, { deterministic: true, recordChain: false, rng: new Rng(9) });
    expect(Array.from(e1.actions.dataSync())).toEqual(Array.from(e2.actions.dataSync()));
    tf.dispose([obs, r.actions, r.chain as tf.Tensor, r.allSteps as tf.Tensor, e1.actions, e2.actions]);
    p.dispose();
  });
});

describe('log-prob (spec §2.8)', () => {
  it('matches the closed form with the std floor, [−5, 2] clamp and actSteps-prefix mean', () => {
    const p = finetunedPolicy();
    const M = 4;
    const items = [0, 9, 8, 3]; // stepIndex i → t = K′−1−i = 9, 0, 1, 6
    const prev = Float32Array.from({ length: M * FLAT }, (_, j) => Math.sin(j) * 1.5);
    // Row 0 lands far from μ so the −5 clamp bites; the rest are near.
    const next = Float32Array.from({ length: M * FLAT }, (_, j) => (j < FLAT ? 4 : Math.cos(j) * 0.3));
    const obs = tf.tensor2d(Array.from({ length: M * 3 }, (_, j) => ((j % 5) - 2) / 3), [M, 3]);
    const lpT = p.logProb(obs, tf.tensor3d(prev, [M, 4, 2]), tf.tensor3d(next, [M, 4, 2]), tf.tensor1d(items, 'int32'), { minLogprobDenoisingStd: 0.1, actSteps: 2 });
    const lp = lpT.dataSync();
    let sawClamp = false;
    items.forEach((i, m) => {
      const t = 9 - i;
      const std = Math.max(Math.sqrt(S.posteriorVariance[t]), 0.1);
      let sum = 0;
      for (let r = 0; r < 2; r++) {
        for (let d = 0; d < 2; d++) {
          const j = m * FLAT + r * 2 + d;
          const x0 = Math.min(1, Math.max(-1, Math.sqrt(1 / S.alphasCumprod[t]) * prev[j] - Math.sqrt(1 / S.alphasCumprod[t] - 1) * -3));
          const mu = S.posteriorMeanCoef1[t] * x0 + S.posteriorMeanCoef2[t] * prev[j];
          const raw = -((next[j] - mu) ** 2) / (2 * std * std) - Math.log(std) - 0.5 * Math.log(2 * Math.PI);
          if (raw < -5) sawClamp = true;
          sum += Math.min(2, Math.max(-5, raw));
        }
      }
      expect(lp[m]).toBeCloseTo(sum / 4, 4);
    });
    expect(sawClamp).toBe(true);
    expect(lp[0]).toBeCloseTo(-5, 5);
    tf.dispose([obs, lpT]);
    p.dispose();
  });
});

describe('fine-tuning state (spec §2.6)', () => {
  it('an AdamW step on actor_ft leaves the frozen actor unchanged', () => {
    const p = new DiffusionMlpPolicy(CFG, new Rng(11));
    p.prepareFinetune(10);
    const before = p.base.variables().map((v) => Float32Array.from(v.dataSync()));
    const ftBefore = p.trainableVariables().map((v) => Float32Array.from(v.dataSync()));
    expect(ftBefore).toEqual(before);
    const opt = new AdamW(p.trainableVariables(), { lr: 1e-2, weightDecay: 0 });
    const M = 6;
    const obs = tf.randomUniform([M, 3], -1, 1, 'float32', 1) as tf.Tensor2D;
    const prev = tf.randomNormal([M, 4, 2], 0, 1, 'float32', 2) as tf.Tensor3D;
    const next = tf.randomNormal([M, 4, 2], 0, 1, 'float32', 3) as tf.Tensor3D;
    const steps = tf.tensor1d([0, 1, 2, 3, 4, 9], 'int32');
    const loss = opt.minimize(() => tf.neg(tf.mean(p.logProb(obs, prev, next, steps, { minLogprobDenoisingStd: 0.1, actSteps: 2 }))) as tf.Scalar);
    p.base.variables().forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(before[i])));
    expect(p.trainableVariables().some((v, i) => Array.from(v.dataSync()).some((x, j) => x !== ftBefore[i][j]))).toBe(true);
    tf.dispose([loss, obs, prev, next, steps]);
    opt.dispose();
    p.dispose();
  });

  it('bcLoss is finite and falls under AdamW on a fixed batch', () => {
    const p = new DiffusionMlpPolicy(CFG, new Rng(12));
    const opt = new AdamW(p.pretrainVariables(), { lr: 3e-3, weightDecay: 1e-6 });
    const obs = tf.randomUniform([32, 3], -1, 1, 'float32', 4) as tf.Tensor2D;
    const act = tf.tidy(() => tf.tile(tf.reshape(tf.tanh(tf.slice(obs, [0, 0], [32, 2])), [32, 1, 2]), [1, 4, 1])) as tf.Tensor3D;
    const losses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const rng = new Rng(100 + (i % 4));
      const l = opt.minimize(() => p.bcLoss(obs, act, rng));
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    const head = (losses[0] + losses[1] + losses[2] + losses[3]) / 4;
    const tail = (losses[56] + losses[57] + losses[58] + losses[59]) / 4;
    expect(tail).toBeLessThan(head * 0.8);
    tf.dispose([obs, act]);
    opt.dispose();
    p.dispose();
  });
});
