import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from '../adamw';
import { initTf } from '../tfSetup';
import { KERNEL_BINARIES } from './binary';
import { compileKernelVariants } from './compile';
import { Rng } from '../../core/rng';
import type { DiffusionMlpConfig } from '../../config/model';
import { DiffusionMlpPolicy } from '../diffusion';
import { allowChainPool, startChainPool, stopChainPool } from './chain';
import { DirectReluMlp, setDirectChainMode, uninstallWasmKernels, wasmKernelsInfo, type DirectChainMode } from './index';

/** A DPPO-sized diffusion MLP (spec §3.6: time 16, [512]×3 ReLU, residual) on a 4-D obs, 2-D action. */
const chainActor: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 4, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 20,
  timeDim: 16, mlpDims: [512, 512, 512], activation: 'relu', residualStyle: true, denoisedClipValue: 1,
};

/** Deterministic test data in [−1, 1). */
function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** float64 reference of act(op(A)·op(B) + bias) for 2-D row-major inputs. */
function reference(
  a: Float32Array, aShape: number[], b: Float32Array, bShape: number[],
  tA: boolean, tB: boolean, bias: Float32Array | null, relu: boolean,
): { out: Float64Array; M: number; N: number; K: number } {
  const [ar, ac] = aShape;
  const [br, bc] = bShape;
  const M = tA ? ac : ar;
  const K = tA ? ar : ac;
  const N = tB ? br : bc;
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = bias ? bias[j] : 0;
      for (let k = 0; k < K; k++) s += (tA ? a[k * ac + i] : a[i * ac + k]) * (tB ? b[j * bc + k] : b[k * bc + j]);
      out[i * N + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return { out, M, N, K };
}

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return e;
}

describe('wasm SIMD kernels', () => {
  beforeAll(async () => {
    await initTf('wasm');
  });
  afterAll(async () => {
    await initTf('wasm');
  });

  it('the committed binaries are exactly what wat.ts compiles to', async () => {
    const fresh = await compileKernelVariants();
    expect(Object.keys(fresh).sort()).toEqual(Object.keys(KERNEL_BINARIES).sort());
    for (const [name, bytes] of Object.entries(fresh)) {
      expect(Buffer.from(bytes).toString('base64'), `${name}: run npm run build:kernels`).toBe(KERNEL_BINARIES[name]);
    }
  });

  it('every variant (FMA or plain SIMD, shared memory or not) computes gemm correctly on its own memory', async () => {
    for (const [name, b64] of Object.entries(KERNEL_BINARIES)) {
      const shared = name.endsWith('_shared');
      const memory = new WebAssembly.Memory(shared ? { initial: 16, maximum: 64, shared: true } : { initial: 16 });
      const module = await WebAssembly.compile(Buffer.from(b64, 'base64'));
      const k = (await WebAssembly.instantiate(module, { env: { memory } })).exports as unknown as {
        gemm: (...args: number[]) => void;
      };
      const heap = new Float32Array(memory.buffer);
      const [M, K, N] = [37, 64, 13];
      for (const [tA, tB] of [[false, false], [true, true]] as const) {
        const a = data(M * K, 3);
        const b = data(K * N, 4);
        const bias = data(N, 5);
        const [A, B, C, BIAS, S] = [1024, 20_000, 40_000, 60_000, 65_536];
        heap.set(a, A / 4);
        heap.set(b, B / 4);
        heap.set(bias, BIAS / 4);
        k.gemm(A, tA ? 1 : K, tA ? M : 1, B, tB ? 1 : N, tB ? K : 1, C, N, BIAS, M, N, K, 1, S);
        const want = reference(a, tA ? [K, M] : [M, K], b, tB ? [N, K] : [K, N], tA, tB, bias, true).out;
        expect(maxRelErr(heap.subarray(C / 4, C / 4 + M * N), want), `${name} tA ${tA} tB ${tB}`).toBeLessThan(2e-5);
      }
    }
  });

  it('installs on the wasm backend here, with fused multiply-add', () => {
    expect(wasmKernelsInfo()).toEqual({ fma: true, shared: false, matMul: true });
  });

  const shapes: [number, number, number][] = [
    [1, 1, 1], [3, 5, 7], [4, 8, 8], [5, 39, 13], [37, 64, 12], [40, 512, 512], [49, 33, 17], [256, 12, 40],
  ];
  for (const [M, K, N] of shapes) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`matMul ${M}×${K}·${K}×${N} (transposeA ${tA}, transposeB ${tB}) matches float64, with bias and ReLU`, () => {
        const aShape = tA ? [K, M] : [M, K];
        const bShape = tB ? [N, K] : [K, N];
        const a = data(M * K, M * 31 + K);
        const b = data(K * N, N * 17 + K);
        const bias = data(N, 5);
        const before = tf.memory().numTensors;
        const [plain, fused] = tf.tidy(() => {
          const at = tf.tensor2d(a, aShape as [number, number]);
          const bt = tf.tensor2d(b, bShape as [number, number]);
          return [
            tf.matMul(at, bt, tA, tB).dataSync(),
            tf.fused.matMul({ a: at, b: bt, transposeA: tA, transposeB: tB, bias: tf.tensor1d(bias), activation: 'relu' }).dataSync(),
          ];
        });
        expect(tf.memory().numTensors).toBe(before);
        const tol = 2e-6 * Math.sqrt(K);
        expect(maxRelErr(plain, reference(a, aShape, b, bShape, tA, tB, null, false).out)).toBeLessThan(tol);
        expect(maxRelErr(fused, reference(a, aShape, b, bShape, tA, tB, bias, true).out)).toBeLessThan(tol);
      });
    }
  }

  it('batched matMul broadcasts outer dims like numpy', () => {
    const a = data(3 * 6 * 5, 1);
    const b = data(5 * 4, 2);
    const b3 = data(3 * 5 * 4, 3);
    tf.tidy(() => {
      const at = tf.tensor3d(a, [3, 6, 5]);
      const broadcast = tf.matMul(at, tf.tensor2d(b, [5, 4])).arraySync() as number[][][];
      const perBatch = tf.matMul(at, tf.tensor3d(b3, [3, 5, 4])).arraySync() as number[][][];
      for (let i = 0; i < 3; i++) {
        const ai = a.subarray(i * 30, (i + 1) * 30);
        expect(maxRelErr(broadcast[i].flat(), reference(ai, [6, 5], b, [5, 4], false, false, null, false).out)).toBeLessThan(1e-6);
        const bi = b3.subarray(i * 20, (i + 1) * 20);
        expect(maxRelErr(perBatch[i].flat(), reference(ai, [6, 5], bi, [5, 4], false, false, null, false).out)).toBeLessThan(1e-6);
      }
      // [2,1] × [1,3] outer dims → [2,3] (tfjs-wasm's own kernel gets this wrong).
      const x = tf.tensor4d(data(2 * 6 * 5, 4), [2, 1, 6, 5]);
      const y = tf.tensor4d(data(3 * 5 * 4, 5), [1, 3, 5, 4]);
      const z = tf.matMul(x, y);
      expect(z.shape).toEqual([2, 3, 6, 4]);
      for (const [i, j] of [[0, 0], [1, 2], [0, 1], [1, 0]]) {
        const want = reference(x.slice([i, 0, 0, 0], [1, 1, 6, 5]).dataSync() as Float32Array, [6, 5],
          y.slice([0, j, 0, 0], [1, 1, 5, 4]).dataSync() as Float32Array, [5, 4], false, false, null, false).out;
        expect(maxRelErr(z.slice([i, j, 0, 0], [1, 1, 6, 4]).dataSync(), want)).toBeLessThan(1e-6);
      }
    });
  });

  it('gradients of a ReLU MLP agree with tfjs’ own kernels to float precision', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(data(64 * 39, 7), [64, 39]);
        const w1 = tf.tensor2d(data(39 * 96, 8), [39, 96]);
        const b1 = tf.tensor1d(data(96, 9));
        const w2 = tf.tensor2d(data(96 * 12, 10), [96, 12]);
        const f = (v1: tf.Tensor, c1: tf.Tensor, v2: tf.Tensor) =>
          tf.sum(tf.square(tf.fused.matMul({ a: tf.fused.matMul({ a: x, b: v1 as tf.Tensor2D, bias: c1, activation: 'relu' }), b: v2 as tf.Tensor2D })));
        return tf.grads(f)([w1, b1, w2]).map((g) => g.dataSync());
      });
    const ours = run();
    await initTf('wasm', { fastKernels: false });
    expect(wasmKernelsInfo()).toBeNull();
    const theirs = run();
    await initTf('wasm');
    for (let i = 0; i < ours.length; i++) expect(maxRelErr(ours[i], theirs[i])).toBeLessThan(1e-4);
  });

  it('fused AdamW is bitwise equal to the tfjs-op AdamW, with and without weight decay', async () => {
    const trajectory = async (fast: boolean, wd: number) => {
      await initTf('wasm', { fastKernels: fast });
      const p = [tf.variable(tf.tensor2d(data(33 * 7, 11), [33, 7])), tf.variable(tf.tensor1d(data(5, 12)))];
      const opt = new AdamW(p, { lr: 3e-3, weightDecay: wd });
      const before = tf.memory().numTensors;
      for (let s = 0; s < 4; s++) {
        const grads: tf.NamedTensorMap = {};
        p.forEach((v, i) => (grads[v.name] = tf.tensor(data(v.size, 100 + 10 * s + i), v.shape)));
        opt.step(grads);
        tf.dispose(grads);
      }
      expect(tf.memory().numTensors).toBe(before);
      const out = p.map((v) => Array.from(v.dataSync()));
      opt.dispose();
      tf.dispose(p);
      return out;
    };
    for (const wd of [0, 0.01]) {
      const fused = await trajectory(true, wd);
      const ops = await trajectory(false, wd);
      expect(fused).toEqual(ops);
    }
    await initTf('wasm');
  });

  it('uninstalling restores tfjs’ kernels and reinstalling works', async () => {
    uninstallWasmKernels();
    expect(wasmKernelsInfo()).toBeNull();
    const a = tf.tensor2d(data(8 * 3, 1), [8, 3]);
    const b = tf.tensor2d(data(3 * 2, 2), [3, 2]);
    const xnn = tf.matMul(a, b).dataSync();
    await initTf('wasm');
    expect(wasmKernelsInfo()?.matMul).toBe(true);
    const ours = tf.matMul(a, b).dataSync();
    expect(maxRelErr(ours, xnn)).toBeLessThan(1e-6);
    tf.dispose([a, b]);
  });

  it('the direct chain path (one and two threads) samples bitwise the same chains as tfjs ops, and frees what it allocates', async () => {
    const policy = new DiffusionMlpPolicy(chainActor, new Rng(3));
    policy.prepareFinetune(10);
    const obs = tf.tensor2d(data(40 * 4, 21), [40, 4]);
    const sample = (m: DirectChainMode) => {
      setDirectChainMode(m);
      const r = policy.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(9), minSamplingDenoisingStd: 0.1, randnClipValue: 3 });
      const out = { actions: Array.from(r.actions.dataSync()), chain: Array.from(r.chain!.dataSync()) };
      tf.dispose([r.actions, r.chain!]);
      return out;
    };
    try {
      startChainPool(true);
      sample('auto');
      sample('single');
      const before = tf.memory();
      const parallel = sample('auto');
      const single = sample('single');
      expect(tf.memory().numTensors).toBe(before.numTensors);
      expect(tf.memory().numBytes).toBe(before.numBytes);
      const ops = sample('off');
      // It really bypasses tfjs: far fewer tfjs kernels run per chain.
      const kernelsRun = async (m: DirectChainMode) => (await tf.profile(() => void sample(m))).kernels.length;
      expect(await kernelsRun('single')).toBeLessThan((await kernelsRun('off')) / 3);
      expect(single.actions).toEqual(ops.actions);
      expect(single.chain).toEqual(ops.chain);
      expect(parallel.actions).toEqual(ops.actions);
      expect(parallel.chain).toEqual(ops.chain);
      expect(single.chain.length).toBe(40 * 11 * 4 * 2); // B × (K′+1) × Ta × Da
    } finally {
      setDirectChainMode('auto');
      obs.dispose();
      policy.dispose();
    }
  });

  it('uses two threads for a 40-row chain here (2 cores) and one below 16 rows or without the worker', async () => {
    const w = (r: number, c: number) => tf.tensor2d(data(r * c, r + c), [r, c]);
    const b = (n: number) => tf.tensor1d(data(n, n));
    const layer = () => ({ W: w(32, 32), b: b(32) });
    const blocks = [{ l1: layer(), l2: layer() }];
    const last = { W: w(32, 6), b: b(6) };
    const wx = w(6, 32);
    startChainPool(true); // normally started by the first chain that can use it
    const big = DirectReluMlp.create(40, wx, blocks, last)!;
    const small = DirectReluMlp.create(8, wx, blocks, last)!;
    try {
      expect(big.parallel).toBe(true);
      expect(small.parallel).toBe(false);
      // Without the worker (stopped, or failed) runners fall back to one thread, and the results agree.
      const x = data(40 * 6, 77);
      const c = tf.tensor2d(data(40 * 32, 78), [40, 32]);
      const two = big.run(x, c);
      await stopChainPool();
      const one = DirectReluMlp.create(40, wx, blocks, last)!;
      expect(one.parallel).toBe(false);
      expect(Array.from(one.run(x, c))).toEqual(Array.from(two));
      expect(() => one.run(x.subarray(1), c)).toThrow(/expected x of 40×6/);
      one.dispose();
      c.dispose();
      allowChainPool();
      startChainPool(true);
      const again = DirectReluMlp.create(40, wx, blocks, last)!;
      expect(again.parallel).toBe(true);
      again.dispose();
    } finally {
      big.dispose();
      small.dispose();
      tf.dispose([wx, last.W, last.b, ...blocks.flatMap((x) => [x.l1.W, x.l1.b, x.l2.W, x.l2.b])]);
    }
  });
});
