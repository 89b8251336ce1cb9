import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { AdamW } from './adamw';
import { Linear, MLP, ResidualMLP, exportParams, loadParams, mish, paramCount, sinusoidalEmbedding, sinusoidalEmbeddingTable } from './nn';
import { initTf, patchWasmMatMul, tf } from './tfSetup';

beforeAll(async () => {
  await initTf('wasm');
});

describe('tfSetup', () => {
  it('patches the wasm BatchMatMul once and keeps transposed products exact', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(patchWasmMatMul()).toBe(false);
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([1, 0, 2, 1, 3, -1], [2, 3]);
    const ab = tf.matMul(a, b, false, true);
    const atb = tf.matMul(a, b, true, false);
    expect(Array.from(ab.dataSync())).toEqual([7, 4, 16, 13]);
    expect(Array.from(atb.dataSync())).toEqual([5, 12, -2, 7, 15, -1, 9, 18, 0]);
    tf.dispose([a, b, ab, atb]);
  });
});

describe('nn blocks (spec §3.1)', () => {
  it('mish = x·tanh(softplus(x)), finite with finite gradients over the whole float range', () => {
    const xs = [-1e4, -100, -30, -2, 0, 1.5, 19, 21, 100, 1e4];
    const x = tf.tensor1d(xs);
    const y = tf.tidy(() => mish(x).dataSync());
    const ref = (v: number) => v * Math.tanh(v > 30 ? v : Math.log1p(Math.exp(v)));
    xs.forEach((v, i) => expect(Math.abs(y[i] - ref(v))).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(mish(t)))(x).dataSync());
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    expect(g[4]).toBeCloseTo(0.6, 5); // mish'(0) = tanh(ln 2)
    expect(g[9]).toBeCloseTo(1, 6);
    x.dispose();
  });

  it('sinusoidal embedding: all sines then all cosines, freq_j = exp(−j·ln(1e4)/(half−1))', () => {
    const e = sinusoidalEmbeddingTable([3], 8);
    const f = (j: number) => Math.exp((-j * Math.log(10000)) / 3);
    for (let j = 0; j < 4; j++) {
      expect(e[j]).toBeCloseTo(Math.sin(3 * f(j)), 6);
      expect(e[4 + j]).toBeCloseTo(Math.cos(3 * f(j)), 6);
    }
    const t = tf.tensor1d([3]);
    const d = sinusoidalEmbedding(t, 8);
    Array.from(d.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(e[i], 5));
    tf.dispose([t, d]);
  });

  it('ResidualMLP [in,h,h,h,out] has one block with DPPO keys and y = x + L2(act(L1(act(x))))', () => {
    const net = new ResidualMLP('m', [3, 4, 4, 4, 2], 'relu', new Rng(1));
    expect(net.params().map((p) => p.key)).toEqual([
      'm.layers.0.weight', 'm.layers.0.bias', 'm.layers.1.l1.weight', 'm.layers.1.l1.bias',
      'm.layers.1.l2.weight', 'm.layers.1.l2.bias', 'm.layers.2.weight', 'm.layers.2.bias',
    ]);
    expect(paramCount(net.params())).toBe(16 + 20 + 20 + 10);
    const x = tf.tensor2d([0.5, -1, 2], [1, 3]);
    const got = net.apply(x).dataSync();
    const want = tf.tidy(() => {
      const lin = (l: Linear, v: tf.Tensor2D) => tf.add(tf.matMul(v, l.kernel), l.bias) as tf.Tensor2D;
      const h = lin(net.first, x);
      const { l1, l2 } = net.blocks[0];
      const y = tf.add(h, lin(l2, tf.relu(lin(l1, tf.relu(h))))) as tf.Tensor2D;
      return lin(net.last, y).dataSync();
    });
    Array.from(got).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    x.dispose();
    expect(() => new ResidualMLP('m', [3, 4, 4, 2], 'relu', new Rng(1))).toThrow();
  });

  it('MLP keys follow moduleList.{i}.linear_1', () => {
    const net = new MLP('q', [3, 5, 1], 'mish', new Rng(2));
    expect(net.params().map((p) => p.key)).toEqual(['q.moduleList.0.linear_1.weight', 'q.moduleList.0.linear_1.bias', 'q.moduleList.1.linear_1.weight', 'q.moduleList.1.linear_1.bias']);
  });

  it('exports Linear weights in PyTorch [out, in] layout, loads them back, and rejects bad shapes', () => {
    const l = new Linear('fc', 2, 3, new Rng(3));
    const k = l.kernel.dataSync();
    const w = exportParams(l.params(), 'p.');
    const e = w.get('p.fc.weight');
    expect(e?.shape).toEqual([3, 2]);
    expect(e?.data[1 * 2 + 0]).toBe(k[0 * 3 + 1]);
    const l2 = new Linear('fc', 2, 3, new Rng(4));
    loadParams(l2.params(), w, 'p.');
    expect(Array.from(l2.kernel.dataSync())).toEqual(Array.from(k));
    w.set('p.fc.bias', { shape: [4], data: new Float32Array(4) });
    expect(() => loadParams(l2.params(), w, 'p.')).toThrow(/shape/);
    w.delete('p.fc.bias');
    expect(() => loadParams(l2.params(), w, 'p.')).toThrow(/missing/);
    for (const p of [...l.params(), ...l2.params()]) p.variable.dispose();
  });

  it('init is PyTorch-like U(±1/√fanIn) and seeded', () => {
    const a = new Linear('a', 100, 50, new Rng(9));
    const b = new Linear('a', 100, 50, new Rng(9));
    const d = a.kernel.dataSync();
    expect(Math.max(...Array.from(d, Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Array.from(b.kernel.dataSync())).toEqual(Array.from(d));
    for (const p of [...a.params(), ...b.params()]) p.variable.dispose();
  });
});

describe('AdamW (PyTorch semantics)', () => {
  it('matches a hand-computed two-step update with decoupled weight decay', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.01 });
    // loss = sum(p²) → g = 2p
    const ref = [1, -2];
    const m = [0, 0];
    const v = [0, 0];
    for (let t = 1; t <= 2; t++) {
      const loss = opt.minimize(() => tf.sum(tf.square(p)) as tf.Scalar);
      loss.dispose();
      for (let i = 0; i < 2; i++) {
        const g = 2 * ref[i];
        ref[i] *= 1 - 0.1 * 0.01;
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        const mh = m[i] / (1 - 0.9 ** t);
        const vh = v[i] / (1 - 0.999 ** t);
        ref[i] -= (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    const got = p.dataSync();
    expect(got[0]).toBeCloseTo(ref[0], 5);
    expect(got[1]).toBeCloseTo(ref[1], 5);
    opt.dispose();
    p.dispose();
  });
});
