/**
 * tfjs backend selection for Node and browser workers (spec/tfjs-backends.md §1, §6, §7).
 * - Always pick the backend explicitly: `tf.ready()` alone picks webgl/webgpu, which run on SwiftShader here.
 * - wasm: single-threaded in Node (tfjs disables threads there); in a browser the thread count is capped by
 *   tfjs at hardwareConcurrency/2. `wasmPath` (with a trailing slash) must be set before the backend starts.
 * - The wasm BatchMatMul kernel is 10–20× slower with transposeA/transposeB, which every matMul gradient uses;
 *   `patchWasmMatMul()` replaces it by explicit transposes + the plain kernel (§6.1). Results are identical.
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../core/errors';
import { installWasmKernels, uninstallWasmKernels } from './wasmKernels';

export { tf };

export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';

export interface InitTfOptions {
  /** Browser only: URL prefix (trailing slash) of the tfjs-backend-wasm .wasm files. */
  wasmPath?: string;
  /** Browser only: wasm threads (tfjs caps this at hardwareConcurrency/2). */
  threads?: number;
  /**
   * wasm only: use our SIMD matMul/AdamW kernels (wasmKernels/) instead of XNNPACK's. Default true; false
   * restores tfjs' kernels (benchmarks compare both).
   */
  fastKernels?: boolean;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Starts `backend` and returns the name of the active backend. Safe to call again (no-op if already active). */
export async function initTf(backend: BackendName, opts: InitTfOptions = {}): Promise<string> {
  if (isNode) tf.enableProdMode();
  if (tf.getBackend() === backend && tf.findBackend(backend) !== null) {
    if (backend === 'wasm') await setUpWasm(opts);
    return backend;
  }
  if (backend === 'wasm' && !isNode) {
    if (opts.wasmPath) setWasmPaths(opts.wasmPath);
    if (opts.threads !== undefined) setThreadsCount(opts.threads);
  }
  if (backend === 'webgpu') {
    if (isNode || typeof navigator === 'undefined' || !('gpu' in navigator)) {
      throw new UserError('The webgpu backend needs a browser with WebGPU; use wasm instead.');
    }
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new UserError(`The tfjs "${backend}" backend failed to start here; try wasm or cpu.`);
  await tf.ready();
  if (backend === 'wasm') await setUpWasm(opts);
  return tf.getBackend();
}

async function setUpWasm(opts: InitTfOptions): Promise<void> {
  patchWasmMatMul();
  if (opts.fastKernels === false) uninstallWasmKernels();
  else await installWasmKernels();
}


interface PatchedKernelConfig extends tf.KernelConfig {
  dppoPatched?: boolean;
}

/**
 * Re-registers the wasm BatchMatMul kernel so transposed operands are materialised by the wasm Transpose
 * kernel first and the fast non-transposed path runs (tfjs-backends.md §6.1). Idempotent; returns true when
 * it installed the patch now, false when already patched or when the wasm kernels are not loaded.
 */
export function patchWasmMatMul(): boolean {
  const original = tf.getKernel('BatchMatMul', 'wasm') as PatchedKernelConfig | undefined;
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose || original.dppoPatched) return false;

  const lastTwoSwapped = (rank: number): number[] => {
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[rank - 1] = rank - 2;
    perm[rank - 2] = rank - 1;
    return perm;
  };
  const materialise = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo =>
    transpose.kernelFunc({ inputs: { x }, backend: backend as never, attrs: { perm: lastTwoSwapped(x.shape.length) } }) as tf.TensorInfo;

  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const a0 = inputs.a as tf.TensorInfo;
    const b0 = inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const a = transposeA ? materialise(a0, backend) : a0;
    const b = transposeB ? materialise(b0, backend) : b0;
    const out = original.kernelFunc({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    const store = backend as { disposeData(id: object): boolean };
    if (a !== a0) store.disposeData(a.dataId);
    if (b !== b0) store.disposeData(b.dataId);
    return out;
  };

  const patched: PatchedKernelConfig = {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc,
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    dppoPatched: true,
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(patched);
  return true;
}

