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
import { InternalError, UserError } from '../core/errors';
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
    if (isNode) await installNodeWebGpu();
    else if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
      throw new UserError('The webgpu backend needs a browser with WebGPU; use wasm instead.');
    }
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new UserError(`The tfjs "${backend}" backend failed to start here; try wasm or cpu.`);
  await tf.ready();
  if (backend === 'wasm') await setUpWasm(opts);
  if (backend === 'webgpu') {
    guardWebGpuReadSync();
    patchWebGpuAddN();
  }
  return tf.getBackend();
}

/**
 * True when a synchronous read (`dataSync`) of data that lives on the device is unsafe. tfjs-webgpu 4.22
 * reads synchronously by drawing the buffer through OffscreenCanvas webgpu contexts; on Chromium's
 * SwiftShader adapter that returned zeros and lost the device ("A valid external Instance reference no longer
 * exists"; measured, docs/benchmarks.md). WebGL's readPixels and the CPU backends are fine.
 */
export function syncReadIsUnsafe(): boolean {
  return tf.getBackend() === 'webgpu';
}

/**
 * Makes a later `dataSync()` of `tensors` a plain copy on every backend: on WebGPU it downloads them
 * asynchronously first (tfjs keeps the downloaded values beside the GPU buffer until the tensor is next
 * uploaded). Call right before code that reads synchronously (e.g. `namedWeights()`). No-op elsewhere.
 */
export async function cacheOnHost(tensors: readonly tf.Tensor[]): Promise<void> {
  if (!syncReadIsUnsafe()) return;
  await Promise.all(tensors.map((t) => t.data()));
}

/** AddN inputs the WebGPU kernel is given at once (its shader binds one storage buffer per input). */
const WEBGPU_ADDN_MAX = 4;

/**
 * tfjs-webgpu 4.22's AddN binds every input as its own storage buffer; with more inputs than the device
 * allows (12 on Chromium's SwiftShader adapter) the pipeline is invalid, the result is 0 and the command
 * encoder's later work is dropped (measured: a global gradient norm of 0 and a critic AdamW step lost).
 * Sums of more than WEBGPU_ADDN_MAX tensors are done in chunks instead. Idempotent.
 */
function patchWebGpuAddN(): void {
  const original = tf.getKernel('AddN', 'webgpu') as PatchedKernelConfig | undefined;
  if (!original || original.dppoPatched) return;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    let xs = inputs as unknown as tf.TensorInfo[];
    const store = backend as { disposeData(id: object): boolean };
    const made: tf.TensorInfo[] = [];
    while (xs.length > WEBGPU_ADDN_MAX) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < xs.length; i += WEBGPU_ADDN_MAX) {
        const part = xs.slice(i, i + WEBGPU_ADDN_MAX);
        if (part.length === 1) next.push(part[0]);
        else {
          const out = original.kernelFunc({ inputs: part as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
          made.push(out);
          next.push(out);
        }
      }
      xs = next;
    }
    const result = original.kernelFunc({ inputs: xs as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
    for (const t of made) if (t !== result) store.disposeData(t.dataId);
    return result;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...original, kernelFunc, dppoPatched: true } as PatchedKernelConfig);
}

interface ReadSyncBackend {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): { values?: unknown } | undefined };
  dppoGuarded?: boolean;
}

/**
 * Replaces tfjs-webgpu's synchronous read of device data (see syncReadIsUnsafe) by a clear error, so a code
 * path that still reads synchronously fails where it is, instead of losing the GPU device for everything
 * after it. Values already on the host (uploaded from JS and not yet used, or cached by `cacheOnHost`)
 * are still returned.
 */
function guardWebGpuReadSync(): void {
  const backend = tf.findBackend('webgpu') as unknown as ReadSyncBackend | null;
  if (!backend || backend.dppoGuarded) return;
  const original = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    const d = backend.tensorMap.get(dataId);
    if (d && d.values == null) {
      throw new InternalError('A synchronous read (dataSync) of WebGPU data: read it with await data(), or cacheOnHost() first.');
    }
    return original(dataId);
  };
  backend.dppoGuarded = true;
}

interface NodeGpuAdapter {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface NodeGpu {
  requestAdapter(opts?: { forceFallbackAdapter?: boolean; powerPreference?: string }): Promise<NodeGpuAdapter | null>;
}

/** Renderer/adapter names of software rasterisers (spec/tfjs-backends.md §6.2). */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

function describeAdapter(a: NodeGpuAdapter): string {
  const i = a.info ?? {};
  return [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ').trim() || 'unknown adapter';
}

function isSoftwareAdapter(a: NodeGpuAdapter): boolean {
  const i = a.info ?? {};
  return a.isFallbackAdapter === true || i.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(`${i.vendor} ${i.architecture} ${i.description}`);
}

/** Linux: whether the Vulkan loader Dawn needs can be found in the usual library folders. */
async function vulkanLoaderPresent(): Promise<boolean> {
  const fsSpec = 'node:fs'; // a variable keeps bundlers from resolving a Node built-in for the browser
  const fs = (await import(/* @vite-ignore */ fsSpec)) as { existsSync(p: string): boolean };
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/local/lib'];
  return dirs.some((d) => fs.existsSync(`${d}/libvulkan.so.1`));
}

/**
 * `--backend webgpu` in Node: Dawn's Node bindings (the optional `webgpu` npm package) provide navigator.gpu
 * for tfjs-backend-webgpu, when they find a real GPU adapter. Otherwise a UserError that names what is
 * missing: the package, the Vulkan loader (Linux), a GPU driver, or a real adapter (only a software one).
 */
async function installNodeWebGpu(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  let mod: { create(flags: string[]): NodeGpu; globals: Record<string, unknown> };
  try {
    const spec = 'webgpu';
    mod = (await import(/* @vite-ignore */ spec)) as typeof mod;
  } catch (e) {
    throw new UserError(`--backend webgpu in Node needs the optional "webgpu" package (Dawn's Node bindings), which did not load: ${(e as Error).message}. Install it with \`npm install webgpu\`, or use --backend wasm.`);
  }
  const gpu = mod.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  const linux = typeof process !== 'undefined' && process.platform === 'linux';
  if (!adapter) {
    const fallback = await gpu.requestAdapter({ forceFallbackAdapter: true }).catch(() => null);
    if (fallback) throw new UserError(`No GPU adapter, only a software one (${describeAdapter(fallback)}); it is 10–100× slower than --backend wasm, which is what to use here.`);
    if (linux && !(await vulkanLoaderPresent())) {
      throw new UserError('No WebGPU adapter: Vulkan is missing (libvulkan.so.1 was not found). Install the Vulkan loader and your GPU\'s Vulkan driver (Debian/Ubuntu: libvulkan1 plus mesa-vulkan-drivers or the vendor driver), or use --backend wasm.');
    }
    throw new UserError(`No WebGPU adapter: no GPU driver offers one${linux ? ' (the Vulkan loader is there, but no Vulkan driver for a GPU answered; install the GPU\'s Vulkan driver)' : ''}. Use --backend wasm.`);
  }
  if (isSoftwareAdapter(adapter)) {
    throw new UserError(`The only WebGPU adapter is a software one (${describeAdapter(adapter)}), not a GPU; use --backend wasm (10–100× faster than a software adapter).`);
  }
  Object.assign(globalThis, mod.globals);
  const nav = (g.navigator ??= {}) as { gpu?: unknown };
  nav.gpu = gpu;
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

