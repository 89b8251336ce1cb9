import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { clipCoefficients, denoisingDiscount, explainedVariance, normalizeAdvantages, ppoLoss, prepareMinibatch } from './ppoLoss';

// rl/ may not import policy/ (a sibling layer), so no initTf here: the loss is plain tfjs ops, tested on the cpu backend.
beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('clip schedule and denoising discount (spec §4.6 steps 3, 5)', () => {
  it('reproduces the Robomimic row (base 0.001, clip 0.01, rate 3, K′ = 10)', () => {
    const row = [0.001, 0.00119, 0.00145, 0.00181, 0.00232, 0.00303, 0.00401, 0.00539, 0.00732, 0.01];
    const eps = clipCoefficients(10, 0.001, 0.01, 3);
    row.forEach((e, i) => expect(eps[i]).toBeCloseTo(e, 5));
  });

  it('is constant when base = clip (D3IL 0.1) and guards K′ = 1 and rate = 0', () => {
    expect(Array.from(clipCoefficients(10, 0.1, 0.1, 3)).every((e) => Math.abs(e - 0.1) < 1e-7)).toBe(true);
    expect(Array.from(clipCoefficients(1, 0.001, 0.01, 3))).toEqual([Math.fround(0.01)]);
    const lin = clipCoefficients(3, 0, 1, 0);
    expect(Array.from(lin)).toEqual([0, 0.5, 1]);
  });

  it('discounts by γ_den^(K′−1−i)', () => {
    expect(denoisingDiscount(9, 10, 0.9)).toBe(1);
    expect(denoisingDiscount(0, 10, 0.9)).toBeCloseTo(0.9 ** 9, 12);
    expect(denoisingDiscount(7, 10, 0.5)).toBe(0.25);
  });
});

describe('advantage normalisation (spec §4.6 step 2)', () => {
  it('uses the unbiased std', () => {
    // [1, 2, 3]: mean 2, unbiased std sqrt((1 + 0 + 1)/2) = 1 (population std would be 0.816).
    const a = normalizeAdvantages(new Float32Array([1, 2, 3]));
    expect(a[0]).toBeCloseTo(-1, 6);
    expect(a[1]).toBeCloseTo(0, 6);
    expect(a[2]).toBeCloseTo(1, 6);
    expect(Array.from(normalizeAdvantages(new Float32Array([5])))).toEqual([0]);
  });

  it('normalises first, then discounts, and picks ε per item', () => {
    // [1, 2, 3] → [−1, 0, 1]; indices [0, 1, 2] with K′ = 3, γ_den = 0.5 → weights [0.25, 0.5, 1].
    const clipBy = new Float32Array([0.1, 0.2, 0.3]);
    const out = prepareMinibatch(new Float32Array([1, 2, 3]), new Int32Array([0, 1, 2]), clipBy, 0.5);
    expect(out.advantages[0]).toBeCloseTo(-0.25, 6);
    expect(out.advantages[1]).toBeCloseTo(0, 6);
    expect(out.advantages[2]).toBeCloseTo(1, 6);
    expect(Array.from(out.clipCoef)).toEqual(Array.from(clipBy));
    expect(() => prepareMinibatch(new Float32Array([1]), new Int32Array([3]), clipBy, 0.5)).toThrow(/outside/);
  });
});

describe('ppoLoss (spec §4.6 steps 4, 6, 7, 11)', () => {
  // Three items, old log-probs 0, ratios r = [1.5, 0.5, 1.05], A = [1, −2, 0.5], ε = [0.2, 0.1, 0.1].
  //  item0: max(−1.5, −1.2) = −1.2 (clipped at 1.2);  item1: max(1.0, 1.8) = 1.8 (clipped at 0.9);
  //  item2: unclipped, −0.525.  pg = (−1.2 + 1.8 − 0.525)/3 = 0.025.
  // V = [1, 2, 0], R = [2, 0, 0]: v = 0.5·(1 + 4 + 0)/3 = 5/6. loss = 0.025 + 0.5·5/6 = 0.441667.
  // k3 KL: (0.5 − ln 1.5) + (−0.5 − ln 0.5) + (0.05 − ln 1.05), /3 = 0.0962973. clipfrac = 2/3.
  const ratios = [1.5, 0.5, 1.05];
  const input = () => ({
    oldLogp: new Float32Array([0, 0, 0]),
    advantages: new Float32Array([1, -2, 0.5]),
    clipCoef: new Float32Array([0.2, 0.1, 0.1]),
    returns: new Float32Array([2, 0, 0]),
    vfCoef: 0.5,
  });

  it('computes the loss and diagnostics by hand', () => {
    const before = tf.memory().numTensors;
    const newLogp = tf.tensor1d(ratios.map(Math.log));
    const values = tf.tensor1d([1, 2, 0]);
    const out = ppoLoss({ ...input(), newLogp, values });
    expect(out.pgLoss.dataSync()[0]).toBeCloseTo(0.025, 5);
    expect(out.vLoss.dataSync()[0]).toBeCloseTo(5 / 6, 5);
    expect(out.loss.dataSync()[0]).toBeCloseTo(0.441667, 5);
    const kl = (0.5 - Math.log(1.5) + (-0.5 - Math.log(0.5)) + (0.05 - Math.log(1.05))) / 3;
    expect(out.approxKl.dataSync()[0]).toBeCloseTo(kl, 5);
    expect(out.clipfrac.dataSync()[0]).toBeCloseTo(2 / 3, 6);
    tf.dispose([newLogp, values, out.loss, out.pgLoss, out.vLoss, out.approxKl, out.clipfrac]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is differentiable in newLogp and values, with zero gradient on clipped items', () => {
    const before = tf.memory().numTensors;
    const newLogp = tf.tensor1d(ratios.map(Math.log));
    const values = tf.tensor1d([1, 2, 0]);
    const [gLogp, gV] = tf.grads((lp: tf.Tensor, v: tf.Tensor) =>
      ppoLoss({ ...input(), newLogp: lp as tf.Tensor1D, values: v as tf.Tensor1D }).loss,
    )([newLogp, values]);
    // d pg/d logp_k = −A_k·r_k/3 where unclipped (item2: −0.5·1.05/3 = −0.175), 0 where clipped.
    const gl = gLogp.dataSync();
    expect(gl[0]).toBeCloseTo(0, 6);
    expect(gl[1]).toBeCloseTo(0, 6);
    expect(gl[2]).toBeCloseTo(-0.175, 5);
    // d(0.5·0.5·mean((V−R)²))/dV = 0.5·(V − R)/3 → [−1/6, 1/3, 0].
    const gv = gV.dataSync();
    expect(gv[0]).toBeCloseTo(-1 / 6, 5);
    expect(gv[1]).toBeCloseTo(1 / 3, 5);
    expect(gv[2]).toBeCloseTo(0, 6);
    tf.dispose([newLogp, values, gLogp, gV]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('explainedVariance', () => {
  it('is 1 − var(R − V)/var(R) with population variances', () => {
    // R = [1, 2, 4]: var 14/9; R − V = [0, 0, 1]: var 2/9 → 1 − 1/7 = 6/7.
    expect(explainedVariance([1, 2, 3], [1, 2, 4])).toBeCloseTo(6 / 7, 10);
    expect(explainedVariance([1, 2], [3, 3])).toBeNaN();
  });
});
