import { beforeAll, describe, expect, it } from 'vitest';
import type { DiffusionUnetConfig } from '../config/model';
import { Rng } from '../core/rng';
import { AdamW } from './adamw';
import { Conv1d, ConvTranspose1d, freshKernel, GroupNorm } from './convBlocks';
import { DiffusionUnetPolicy } from './diffusion';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { buildPolicy, policyFromCheckpoint } from './index';
import { exportParams, loadParams, paramCount } from './nn';
import { initTf, tf } from './tfSetup';
import { Unet1DNet } from './unet1d';

beforeAll(async () => {
  await initTf('wasm');
});

/** Tiny UNet: channels [2, 8, 16], Ta 4, Da 2, Do 3, K 10. */
const CFG: DiffusionUnetConfig = {
  kind: 'diffusion-unet', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4,
  denoisingSteps: 10, denoisedClipValue: 1, diffusionStepEmbedDim: 8, dim: 8, dimMults: [1, 2],
  kernelSize: 5, nGroups: 4, groupNormEps: 1e-5, condPredictScale: true,
};
const B = 3;
const FLAT = 8;

/** Robomimic-can UNet (spec §3.3): dsed 16, dim 40, dimMults [1, 2], kernel 5, nGroups 8, Ta 4, Da 7, Do 23. */
const ROBOMIMIC: DiffusionUnetConfig = {
  ...CFG, obsDim: 23, actionDim: 7, horizonSteps: 4, actSteps: 4, denoisingSteps: 20,
  diffusionStepEmbedDim: 16, dim: 40, dimMults: [1, 2], kernelSize: 5, nGroups: 8,
};

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

function values(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

describe('conv building blocks (spec §3.3, §10)', () => {
  it('GroupNorm matches a hand computation (contiguous channel groups, biased variance, affine)', () => {
    const [N, L, C, G] = [2, 3, 8, 4];
    const gn = new GroupNorm('gn', G, C, 1e-5);
    const gamma = values(C, 1);
    const beta = values(C, 2);
    gn.weight.assign(tf.tensor1d(gamma));
    gn.bias.assign(tf.tensor1d(beta));
    const h = values(N * L * C, 3).map((v, i) => v * (1 + (i % 5)) + (i % 3));
    const got = tf.tidy(() => gn.apply(tf.tensor3d(h, [N, L, C])).dataSync());
    const want = new Float32Array(N * L * C);
    const per = C / G;
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < G; g++) {
        const idx: number[] = [];
        for (let l = 0; l < L; l++) for (let c = g * per; c < (g + 1) * per; c++) idx.push((n * L + l) * C + c);
        const mean = idx.reduce((a, i) => a + h[i], 0) / idx.length;
        const variance = idx.reduce((a, i) => a + (h[i] - mean) ** 2, 0) / idx.length;
        for (const i of idx) want[i] = ((h[i] - mean) / Math.sqrt(variance + 1e-5)) * gamma[i % C] + beta[i % C];
      }
    }
    expectClose(got, want, 1e-5);
    tf.dispose([gn.weight, gn.bias]);
  });

  it('Conv1d (PyTorch [O, I, k], padding, stride 2) matches the torch definition', () => {
    const [N, L, I, O] = [2, 6, 3, 4];
    for (const [k, s, p] of [[5, 1, 2], [3, 2, 1], [1, 1, 0]]) {
      const conv = new Conv1d('c', I, O, k, new Rng(4), s, p);
      const w = exportParams(conv.params(), '');
      expect(w.get('c.weight')?.shape).toEqual([O, I, k]);
      const W = (w.get('c.weight') as { data: Float32Array }).data;
      const bias = (w.get('c.bias') as { data: Float32Array }).data;
      const x = values(N * L * I, 5);
      const y = tf.tidy(() => conv.apply(tf.tensor3d(x, [N, L, I]), freshKernel));
      const Lout = Math.floor((L + 2 * p - k) / s) + 1;
      expect(y.shape).toEqual([N, Lout, O]);
      const want = new Float32Array(N * Lout * O);
      for (let n = 0; n < N; n++) {
        for (let l = 0; l < Lout; l++) {
          for (let o = 0; o < O; o++) {
            let acc = bias[o];
            for (let i = 0; i < I; i++) {
              for (let j = 0; j < k; j++) {
                const src = l * s + j - p;
                if (src >= 0 && src < L) acc += W[(o * I + i) * k + j] * x[(n * L + src) * I + i];
              }
            }
            want[(n * Lout + l) * O + o] = acc;
          }
        }
      }
      expectClose(y.dataSync(), want);
      tf.dispose([y, conv.weight, conv.bias]);
    }
  });

  it('ConvTranspose1d (PyTorch [I, O, k], k4 s2 p1) matches the torch definition and doubles the length', () => {
    const [N, L, I, O, k, s, p] = [2, 3, 3, 5, 4, 2, 1];
    const convT = new ConvTranspose1d('u', I, O, k, new Rng(6), s, p);
    const w = exportParams(convT.params(), '');
    expect(w.get('u.weight')?.shape).toEqual([I, O, k]);
    const W = (w.get('u.weight') as { data: Float32Array }).data;
    const bias = (w.get('u.bias') as { data: Float32Array }).data;
    const x = values(N * L * I, 7);
    const y = tf.tidy(() => convT.apply(tf.tensor3d(x, [N, L, I]), freshKernel));
    const Lout = (L - 1) * s + k - 2 * p;
    expect(y.shape).toEqual([N, 2 * L, O]);
    const want = new Float32Array(N * Lout * O);
    for (let n = 0; n < N; n++) {
      for (let t = 0; t < Lout; t++) for (let o = 0; o < O; o++) want[(n * Lout + t) * O + o] = bias[o];
      for (let l = 0; l < L; l++) {
        for (let j = 0; j < k; j++) {
          const t = l * s + j - p;
          if (t < 0 || t >= Lout) continue;
          for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) want[(n * Lout + t) * O + o] += x[(n * L + l) * I + i] * W[(i * O + o) * k + j];
        }
      }
    }
    expectClose(y.dataSync(), want);
    tf.dispose([y, convT.weight, convT.bias]);
  });
});

describe('Unet1DNet (spec §3.3)', () => {
  it('ε has shape [B, Ta·Da]; the chain evaluator equals forward; export → load reproduces outputs bitwise', () => {
    const a = new Unet1DNet(CFG, new Rng(1));
    const b = new Unet1DNet(CFG, new Rng(2));
    const x = tf.tensor2d(values(B * FLAT, 8), [B, FLAT]);
    const obs = tf.tensor2d(values(B * 3, 9), [B, 3]);
    const ts = [7, 3, 0];
    const forwardAt = (net: Unet1DNet, t: number) =>
      tf.tidy(() => Float32Array.from(net.forward(x, tf.tile(net.timeFeatures([t]), [B, 1]) as tf.Tensor2D, obs).dataSync()));
    const chainAt = (net: Unet1DNet) =>
      tf.tidy(() => {
        const evaluate = net.chainEvaluator(obs, ts);
        return ts.map((t) => Float32Array.from(evaluate(x, t).dataSync()));
      });
    const eps = tf.tidy(() => a.forward(x, tf.tile(a.timeFeatures([3]), [B, 1]) as tf.Tensor2D, obs));
    expect(eps.shape).toEqual([B, FLAT]);
    eps.dispose();
    const viaChain = chainAt(a);
    ts.forEach((t, i) => expectClose(viaChain[i], forwardAt(a, t), 1e-5));

    const w = exportParams(a.params(), 'network.');
    expect(w.get('network.time_mlp.1.weight')?.shape).toEqual([32, 8]);
    expect(w.get('network.down_modules.0.0.blocks.0.block.0.weight')?.shape).toEqual([8, 2, 5]);
    expect(w.get('network.down_modules.0.0.blocks.0.block.2.weight')?.shape).toEqual([8]);
    expect(w.get('network.down_modules.0.0.cond_encoder.0.weight')?.shape).toEqual([16, 8 + 3]);
    expect(w.get('network.down_modules.0.0.residual_conv.weight')?.shape).toEqual([8, 2, 1]);
    expect(w.has('network.down_modules.0.1.residual_conv.weight')).toBe(false);
    expect(w.get('network.down_modules.0.2.conv.weight')?.shape).toEqual([8, 8, 3]);
    expect(w.has('network.down_modules.1.2.conv.weight')).toBe(false);
    expect(w.get('network.mid_modules.1.blocks.1.block.0.weight')?.shape).toEqual([16, 16, 5]);
    expect(w.get('network.up_modules.0.0.blocks.0.block.0.weight')?.shape).toEqual([8, 32, 5]);
    expect(w.get('network.up_modules.0.0.residual_conv.weight')?.shape).toEqual([8, 32, 1]);
    expect(w.get('network.up_modules.0.2.conv.weight')?.shape).toEqual([8, 8, 4]);
    expect(w.get('network.final_conv.0.block.0.weight')?.shape).toEqual([8, 8, 5]);
    expect(w.get('network.final_conv.1.weight')?.shape).toEqual([2, 8, 1]);

    expect(forwardAt(b, 3)).not.toEqual(forwardAt(a, 3));
    loadParams(b.params(), w, 'network.');
    expect(forwardAt(b, 3)).toEqual(forwardAt(a, 3));
    tf.dispose([x, obs]);
    a.dispose();
    b.dispose();
  });

  it('FiLM without predicted scale (bias only) halves the cond-encoder width', () => {
    const net = new Unet1DNet({ ...CFG, condPredictScale: false }, new Rng(3));
    const w = exportParams(net.params(), '');
    expect(w.get('mid_modules.0.cond_encoder.4.weight')?.shape).toEqual([16, 16]);
    const eps = tf.tidy(() => net.forward(tf.zeros([2, FLAT]), tf.tile(net.timeFeatures([1]), [2, 1]) as tf.Tensor2D, tf.zeros([2, 3])));
    expect(eps.shape).toEqual([2, FLAT]);
    eps.dispose();
    net.dispose();
  });

  it('rejects configs it cannot run', () => {
    expect(() => new Unet1DNet({ ...CFG, nGroups: 3 }, new Rng(0))).toThrow(/nGroups/);
    expect(() => new Unet1DNet({ ...CFG, horizonSteps: 3 }, new Rng(0))).toThrow(/divisible by 2/);
    expect(() => new Unet1DNet({ ...CFG, kernelSize: 4 }, new Rng(0))).toThrow(/odd/);
  });

  it('Robomimic-UNet size: 652,455 parameters, counted from the layer list', () => {
    const conv = (i: number, o: number, k: number) => o * i * k + o;
    const norm = (c: number) => 2 * c;
    const lin = (i: number, o: number) => i * o + o;
    const g = 16 + 23;
    const res = (i: number, o: number) =>
      conv(i, o, 5) + norm(o) + conv(o, o, 5) + norm(o) + lin(g, 2 * o) + 2 * lin(2 * o, 2 * o) + (i !== o ? conv(i, o, 1) : 0);
    const expected =
      lin(16, 64) + lin(64, 16) + // time_mlp
      res(7, 40) + res(40, 40) + conv(40, 40, 3) + // down 0 (+ Downsample)
      res(40, 80) + res(80, 80) + // down 1 (last: no Downsample)
      2 * res(80, 80) + // mid
      res(160, 40) + res(40, 40) + (40 * 40 * 4 + 40) + // up 0 (+ Upsample, ConvTranspose1d)
      conv(40, 40, 5) + norm(40) + conv(40, 7, 1); // final
    expect(expected).toBe(652_455);
    const net = new Unet1DNet(ROBOMIMIC, new Rng(0));
    expect(paramCount(net.params())).toBe(expected);
    const eps = tf.tidy(() => net.forward(tf.zeros([2, 28]), tf.tile(net.timeFeatures([5]), [2, 1]) as tf.Tensor2D, tf.zeros([2, 23])));
    expect(eps.shape).toEqual([2, 28]);
    eps.dispose();
    net.dispose();
  });
});

describe('DiffusionUnetPolicy (diffusion-unet)', () => {
  it('buildPolicy samples chains of the right shapes; a fine-tuned checkpoint (actor/actor_ft) round-trips', () => {
    const p = buildPolicy(CFG, new Rng(11));
    expect(p).toBeInstanceOf(DiffusionUnetPolicy);
    p.prepareFinetune?.(4);
    const obs = tf.tensor2d(values(B * 3, 12), [B, 3]);
    const r = p.sample(obs, { deterministic: false, recordChain: true, recordAllSteps: true, rng: new Rng(5) });
    expect(r.actions.shape).toEqual([B, 4, 2]);
    expect(r.chain?.shape).toEqual([B, 5, 4, 2]);
    expect(r.allSteps?.shape).toEqual([11, B, 4, 2]);
    const chain = r.chain as tf.Tensor4D;
    const lp = tf.tidy(() => {
      const prev = tf.reshape(tf.slice(chain, [0, 0, 0, 0], [B, 1, 4, 2]), [B, 4, 2]) as tf.Tensor3D;
      const next = tf.reshape(tf.slice(chain, [0, 1, 0, 0], [B, 1, 4, 2]), [B, 4, 2]) as tf.Tensor3D;
      return p.logProb(obs, prev, next, tf.tensor1d([0, 0, 0], 'int32'), { minLogprobDenoisingStd: 0.1, actSteps: 4 });
    });
    expect(lp.shape).toEqual([B]);
    expect(Array.from(lp.dataSync()).every(Number.isFinite)).toBe(true);

    const w = p.namedWeights();
    expect(w.has('network.final_conv.1.weight')).toBe(true);
    expect(w.has('actor.final_conv.1.weight')).toBe(true);
    expect(w.has('actor_ft.up_modules.0.2.conv.weight')).toBe(true);
    const normalization = {
      obsMin: Float32Array.of(-1, -1, -1), obsMax: Float32Array.of(1, 1, 1),
      actionMin: Float32Array.of(-1, -1), actionMax: Float32Array.of(1, 1),
    };
    const bytes = encodeCheckpoint({ actorConfig: CFG, normalization, weights: w, provenance: { ftDenoisingSteps: 4 } });
    const q = policyFromCheckpoint(decodeCheckpoint(bytes), new Rng(99)).policy;
    expect(q).toBeInstanceOf(DiffusionUnetPolicy);
    const evalActions = (pol: typeof p) => {
      const e = pol.sample(obs, { deterministic: true, recordChain: false, rng: new Rng(3) });
      const d = Float32Array.from(e.actions.dataSync());
      e.actions.dispose();
      return d;
    };
    expect(evalActions(q)).toEqual(evalActions(p));
    tf.dispose([obs, r.actions, chain, r.allSteps as tf.Tensor, lp]);
    p.dispose();
    q.dispose();
  });

  it('bcLoss falls over 30 AdamW steps on a fixed batch; tensor count stays flat', () => {
    const p = new DiffusionUnetPolicy(CFG, new Rng(12));
    const opt = new AdamW(p.pretrainVariables(), { lr: 3e-3, weightDecay: 1e-6 });
    const obs = tf.randomUniform([32, 3], -1, 1, 'float32', 4) as tf.Tensor2D;
    const act = tf.tidy(() => tf.tile(tf.reshape(tf.tanh(tf.slice(obs, [0, 0], [32, 2])), [32, 1, 2]), [1, 4, 1])) as tf.Tensor3D;
    const losses: number[] = [];
    const step = (i: number) => {
      const rng = new Rng(100 + (i % 4));
      const l = opt.minimize(() => p.bcLoss(obs, act, rng));
      losses.push(l.dataSync()[0]);
      l.dispose();
    };
    step(0);
    const before = tf.memory().numTensors;
    for (let i = 1; i < 30; i++) step(i);
    p.prepareFinetune(3);
    const s = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(1) });
    tf.dispose([s.actions, s.chain as tf.Tensor]);
    const ftVars = p.trainableVariables().length;
    expect(tf.memory().numTensors).toBe(before + ftVars);
    expect(losses.every(Number.isFinite)).toBe(true);
    const head = (losses[0] + losses[1] + losses[2] + losses[3]) / 4;
    const tail = (losses[26] + losses[27] + losses[28] + losses[29]) / 4;
    expect(tail).toBeLessThan(head * 0.8);
    tf.dispose([obs, act]);
    opt.dispose();
    p.dispose();
  });
});
