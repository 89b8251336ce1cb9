/**
 * Our own matMul and AdamW kernels for tfjs' wasm backend (WebAssembly SIMD, source in ./wat.ts).
 *
 * Why: the DPPO policies are stacks of 512×512 dense layers, so the chain and the PPO update are matMul-bound.
 * tfjs-wasm 4.22's XNNPACK matMul reaches ≈ 14 GFLOP/s on one core here and is 10–20× slower with a
 * transpose flag (every dense gradient has one; see tfSetup.ts' patch). Our kernel reads transposed operands
 * through strides (no transpose copy), reads the weights in place when the batch is small (the 40-row chain),
 * and uses relaxed-SIMD fused multiply-add where the engine has it (Chrome ≥ 114; Node 20 behind a V8 flag,
 * which we set): ≈ 20 GFLOP/s. AdamW runs as one pass instead of eleven tfjs ops, bitwise equal to them.
 * Numbers: docs/benchmarks.md.
 *
 * How: the module imports tfjs-wasm's own WebAssembly.Memory, so it reads and writes tensors where tfjs keeps
 * them; outputs are fresh tfjs buffers (`makeOutput`), inputs are never written. Installed as the wasm
 * backend's `BatchMatMul` / `_FusedMatMul` kernels (every tfjs matMul, forward and gradient, goes through
 * them) plus a new `DppoAdamW` kernel; what we do not handle (activations other than linear/ReLU, PReLU
 * weights, biases that are not one value per column, empty or non-float32 tensors) goes to the previous kernels.
 * Batched matMuls broadcast their outer dims like numpy (tfjs-wasm 4.22's own kernel gets [2,1]×[1,3] wrong).
 *
 * Not installed when tfjs runs wasm with more than one thread (XNNPACK then uses every thread; ours uses one).
 * Results are deterministic on one machine; they are not bitwise equal to XNNPACK's (different summation
 * order, ≈ 1e-6 relative), and with FMA they can differ in the last bits between CPUs with and without FMA.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { KERNEL_BINARIES } from './binary';
import {
  decode,
  installedKernels,
  scratch,
  scratchBytesFor,
  setInstalledKernels,
  type Installed,
  type KernelExports,
  type WasmBackend,
  type WasmKernelsInfo,
} from './runtime';
import { variantName } from './wat';

export const ADAMW_KERNEL = 'DppoAdamW';

/** Attributes of the DppoAdamW kernel; scalars as in AdamW.step (rounded to float32 like tfjs scalars). */
export interface AdamWAttrs {
  b1: number;
  omb1: number;
  b2: number;
  omb2: number;
  invSqrtBc2: number;
  eps: number;
  stepSize: number;
  decay: number;
}

/** What is installed now, or null (not the wasm backend, or the engine lacks wasm SIMD). */
export function wasmKernelsInfo(): WasmKernelsInfo | null {
  return installedKernels()?.info ?? null;
}

/** True when `DppoAdamW` can run on the active backend. */
export function fusedAdamWAvailable(): boolean {
  return installedKernels() !== null && tf.getBackend() === 'wasm';
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Node < 22 ships relaxed SIMD behind a V8 flag; setting it before compiling is enough. */
async function enableRelaxedSimdInNode(): Promise<void> {
  if (!isNode) return;
  const spec = 'node:v8'; // a variable keeps bundlers from resolving a Node built-in for the browser
  const v8 = (await import(/* @vite-ignore */ spec)) as { setFlagsFromString(flags: string): void };
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/**
 * Installs the kernels on the (already initialised) wasm backend. Idempotent. Returns what was installed,
 * or null when it could not be (then tfjs' own kernels stay in place).
 */
let installing: Promise<WasmKernelsInfo | null> | null = null;

export async function installWasmKernels(): Promise<WasmKernelsInfo | null> {
  const current = installedKernels();
  if (current) return current.info;
  // Concurrent callers share one installation (a second one would capture our kernels as "tfjs'").
  installing ??= install().finally(() => {
    installing = null;
  });
  return installing;
}

async function install(): Promise<WasmKernelsInfo | null> {
  const backend = tf.findBackend('wasm') as unknown as WasmBackend | null;
  const memory = backend?.wasm.asm?.memory ?? backend?.wasm.wasmMemory;
  if (!backend || !(memory instanceof WebAssembly.Memory)) return null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  await enableRelaxedSimdInNode();
  let exports: KernelExports | null = null;
  let fma = false;
  for (const useFma of [true, false]) {
    const bytes = decode(KERNEL_BINARIES[variantName({ fma: useFma, shared })]);
    if (!WebAssembly.validate(bytes)) continue; // e.g. no relaxed SIMD in this engine
    try {
      const module = await WebAssembly.compile(bytes);
      const instance = await WebAssembly.instantiate(module, { env: { memory } });
      exports = instance.exports as unknown as KernelExports;
      fma = useFma;
      break;
    } catch {
      // An engine that validates but cannot link (say, a memory layout we did not foresee): keep tfjs' kernels.
    }
  }
  if (!exports) return null;
  let threads = 1;
  try {
    threads = getThreadsCount();
  } catch {
    threads = 1;
  }
  const matMul = threads <= 1;
  const state: Installed = { info: { fma, shared, matMul }, exports, memory, restore: [], scratchPtr: 0, scratchBytes: 0, backend };
  register(state, exports);
  setInstalledKernels(state);
  return state.info;
}

/**
 * Benchmark helper: ms of one plain a·b through tfjs' own wasm matMul (XNNPACK), whether or not ours is
 * installed — a reference of the machine's speed at this moment (this VM's speed drifts by up to 1.6×).
 */
export function timeXnnpackMatMul(a: tf.Tensor, b: tf.Tensor): number {
  const batch = installedKernels()?.restore.find((k) => k.kernelName === 'BatchMatMul') ?? tf.getKernel('BatchMatMul', 'wasm');
  const backend = tf.findBackend('wasm') as unknown as { disposeData(id: object): void } | null;
  if (!batch || !backend) throw new Error('timeXnnpackMatMul: the wasm backend is not initialised');
  const t0 = performance.now();
  const out = batch.kernelFunc({ inputs: { a, b }, backend: backend as never, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
  const ms = performance.now() - t0;
  backend.disposeData(out.dataId);
  return ms;
}

/** Puts tfjs' previous kernels back (for A/B benchmarks and tests). */
export function uninstallWasmKernels(): void {
  const installed = installedKernels();
  if (!installed) return;
  // Only what we replaced (nothing of tfjs' when our matMul was not installed) and our own AdamW kernel.
  for (const k of installed.restore) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  if (tf.getKernel(ADAMW_KERNEL, 'wasm')) tf.unregisterKernel(ADAMW_KERNEL, 'wasm');
  if (installed.scratchPtr) installed.backend.wasm._free(installed.scratchPtr);
  installed.scratchPtr = 0;
  installed.scratchBytes = 0;
  setInstalledKernels(null);
}

interface MatMulPlan {
  outShape: number[];
  /** For each output batch index, the batch index into A and into B (numpy broadcasting of outer dims). */
  aBatch: number[];
  bBatch: number[];
  M: number;
  N: number;
  K: number;
  sAi: number;
  sAk: number;
  sBk: number;
  sBn: number;
}

/** Shapes our gemm handles (any broadcastable outer dims), or null for empty or mismatched operands. */
function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const Kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (K !== Kb || M === 0 || N === 0 || K === 0) return null;
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  return {
    outShape: [...outer, M, N],
    aBatch: broadcastIndex(outer, outerA),
    bBatch: broadcastIndex(outer, outerB),
    M,
    N,
    K,
    sAi: transposeA ? 1 : K,
    sAk: transposeA ? M : 1,
    sBk: transposeB ? 1 : N,
    sBn: transposeB ? K : 1,
  };
}

/** For each flat index of `outer`, the flat index into `dims` (right-aligned, size-1 dims broadcast). */
function broadcastIndex(outer: number[], dims: number[]): number[] {
  const total = outer.reduce((x, y) => x * y, 1);
  const out = new Array<number>(total);
  const shift = outer.length - dims.length;
  for (let i = 0; i < total; i++) {
    let rem = i;
    let idx = 0;
    let stride = 1;
    for (let d = outer.length - 1; d >= 0; d--) {
      const coord = rem % outer[d];
      rem = Math.floor(rem / outer[d]);
      const dd = d - shift;
      if (dd >= 0) {
        if (dims[dd] !== 1) idx += coord * stride;
        stride *= dims[dd];
      }
    }
    out[i] = idx;
  }
  return out;
}

function register(state: Installed, k: KernelExports): void {
  const offset = (t: tf.TensorInfo): number => {
    const d = state.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error('wasm kernels: tensor data is not on the wasm backend');
    return d.memoryOffset;
  };

  const runGemm = (a: tf.TensorInfo, b: tf.TensorInfo, bias: tf.TensorInfo | null, relu: boolean, plan: MatMulPlan) => {
    const out = state.backend.makeOutput(plan.outShape, 'float32');
    const s = scratch(state, scratchBytesFor(plan.M, plan.K));
    const aOff = offset(a);
    const bOff = offset(b);
    const cOff = offset(out);
    const biasOff = bias ? offset(bias) : 0;
    const { M, N, K } = plan;
    for (let i = 0; i < plan.aBatch.length; i++) {
      const ai = plan.aBatch[i] * M * K * 4;
      const bi = plan.bBatch[i] * K * N * 4;
      k.gemm(aOff + ai, plan.sAi, plan.sAk, bOff + bi, plan.sBk, plan.sBn, cOff + i * M * N * 4, N, biasOff, M, N, K, relu ? 1 : 0, s);
    }
    return out;
  };

  const prevBatch = tf.getKernel('BatchMatMul', 'wasm');
  const prevFused = tf.getKernel('_FusedMatMul', 'wasm');
  if (state.info.matMul && prevBatch && prevFused) {
    state.restore.push(prevBatch, prevFused);
    const batchMatMul: tf.KernelFunc = (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a.shape, b.shape, transposeA, transposeB) : null;
      return plan ? runGemm(a, b, null, false, plan) : prevBatch.kernelFunc(args);
    };
    const fusedMatMul: tf.KernelFunc = (args) => {
      const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation } = args.attrs as { transposeA: boolean; transposeB: boolean; activation: string };
      const plan =
        a && b && a.dtype === 'float32' && b.dtype === 'float32' && !preluActivationWeights &&
        (activation === 'linear' || activation === 'relu')
          ? planMatMul(a.shape, b.shape, transposeA, transposeB)
          : null;
      const biasOk = !bias || (bias.dtype === 'float32' && bias.shape[bias.shape.length - 1] === plan?.N && tf.util.sizeFromShape(bias.shape) === plan?.N);
      return plan && a && b && biasOk ? runGemm(a, b, bias ?? null, activation === 'relu', plan) : prevFused.kernelFunc(args);
    };
    replaceKernel({ ...prevBatch, kernelFunc: batchMatMul });
    replaceKernel({ ...prevFused, kernelFunc: fusedMatMul });
  }

  const adamw: tf.KernelFunc = ({ inputs, attrs }) => {
    const { p, g, m, v } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as AdamWAttrs;
    const n = tf.util.sizeFromShape(p.shape);
    for (const t of [g, m, v]) {
      if (tf.util.sizeFromShape(t.shape) !== n || t.dtype !== 'float32') {
        throw new Error(`DppoAdamW: every input must be float32 of ${n} values like the parameter; got ${t.dtype} [${t.shape}]`);
      }
    }
    const outs = [p, m, v].map((t) => state.backend.makeOutput(t.shape, 'float32'));
    k.adamw(offset(p), offset(g), offset(m), offset(v), offset(outs[0]), offset(outs[1]), offset(outs[2]), n,
      a.b1, a.omb1, a.b2, a.omb2, a.invSqrtBc2, a.eps, a.stepSize, a.decay);
    return outs;
  };
  tf.registerKernel({ kernelName: ADAMW_KERNEL, backendName: 'wasm', kernelFunc: adamw });
}

function replaceKernel(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}

/** One line for reports and the backend popover, e.g. "matMul: DPPO SIMD+FMA kernel". */
export function wasmKernelsLabel(): string {
  const info = wasmKernelsInfo();
  if (!info) return 'matMul: XNNPACK';
  const kind = info.fma ? 'SIMD+FMA' : 'SIMD';
  return info.matMul ? `matMul: DPPO ${kind} kernel` : `matMul: XNNPACK (threads), AdamW: DPPO ${kind} kernel`;
}

export { DirectReluMlp, setDirectChainMode, type DirectChainMode, type DirectDense } from './chain';
export type { WasmKernelsInfo } from './runtime';
