/**
 * The denoising chain's per-step network call without tfjs ops (DiffusionMlpNet.hostChainEvaluator): one
 * `mlp_rows` kernel call (wat.ts) per step computes exactly what
 * `ResidualMLP.applyFromHidden(tf.add(tf.matMul(x, wx), c))` computes with ReLU — the same gemm/relu/add
 * kernels in the same order, so results are bitwise equal (kernels.test.ts) — without ~8 tfjs ops and their
 * engine bookkeeping per step.
 *
 * Two runners:
 * - single thread: buffers in tfjs-wasm's memory, one `mlp_rows` call over all rows;
 * - two threads (Node, ≥ 2 cores): buffers in a shared WebAssembly.Memory of our own; a worker_thread runs
 *   the second half of the rows while this thread runs the first half. Rows are independent, so the split
 *   changes nothing in the numbers. One hand-off per step (Atomics, the worker spins briefly before it
 *   sleeps). The browser keeps the single-thread runner for now (its train worker would need a nested
 *   worker and cross-origin isolation).
 *
 * Weights are copied (64-byte aligned) when a runner is made, so it computes with the weights of that moment:
 * make one per chain and dispose it after.
 */
import * as tf from '@tensorflow/tfjs';
import {
  aligned,
  ALIGN,
  decode,
  installedKernels,
  mallocChecked,
  scratchBytesFor,
  type Installed,
  type KernelExports,
} from './runtime';
import { KERNEL_BINARIES } from './binary';
import { variantName } from './wat';

/** One dense layer: y = x·W + b, W [I, O] and b [O] tfjs tensors on the wasm backend. */
export interface DirectDense {
  W: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** 'auto': two threads where available, else one; 'single': one thread; 'off': tfjs ops (tests, benchmarks). */
export type DirectChainMode = 'auto' | 'single' | 'off';
let mode: DirectChainMode = 'auto';

export function setDirectChainMode(m: DirectChainMode): void {
  mode = m;
}

/** Below this many rows a second thread does not pay for its hand-offs. */
const MIN_PARALLEL_ROWS = 16;

/** Bytes of the job block read by `mlp_rows` (wat.ts): 14 words + 4 per residual block. */
const jobBytes = (nBlocks: number): number => 4 * (14 + 4 * nBlocks);

interface Placement {
  memory: WebAssembly.Memory;
  k: KernelExports;
  /** 64-byte aligned block of `bytes`; released by `releaseAll`. */
  alloc(bytes: number): number;
  releaseAll(): void;
}

export class DirectReluMlp {
  private readonly job: number;
  private readonly x: number;
  private readonly c: number;
  private readonly out: number;
  /** gemm scratch for rows [0, half) and (two threads) [half, rows), owned by this runner. */
  private readonly scratchMine: number;
  private readonly scratchTheirs: number;
  private readonly dims: { inDim: number; H: number; O: number };
  private disposed = false;

  private constructor(
    private readonly place: Placement,
    private readonly tfjs: Installed,
    private readonly rows: number,
    private readonly pool: ChainPool | null,
    wx: tf.Tensor2D,
    blocks: { l1: DirectDense; l2: DirectDense }[],
    last: DirectDense,
  ) {
    const [inDim, H] = wx.shape;
    const O = last.W.shape[1];
    this.dims = { inDim, H, O };
    const { alloc } = place;
    const act = () => alloc(4 * rows * H);
    this.x = alloc(4 * rows * inDim);
    this.c = alloc(4 * rows * H);
    this.out = alloc(4 * rows * O);
    const [t, h, r, u] = [act(), act(), act(), act()];
    const copy = (tensor: tf.Tensor): number => {
      const dst = alloc(4 * tensor.size);
      const src = this.offset(tensor);
      new Float32Array(place.memory.buffer, dst, tensor.size).set(new Float32Array(tfjs.memory.buffer, src, tensor.size));
      return dst;
    };
    // Weights and biases are copied: the runner never reads a tfjs variable after it is made.
    const words = [inDim, H, O, blocks.length, this.x, this.c, t, h, r, u, this.out, copy(wx), copy(last.W), copy(last.b)];
    for (const { l1, l2 } of blocks) words.push(copy(l1.W), copy(l1.b), copy(l2.W), copy(l2.b));
    const K = Math.max(inDim, H);
    const half = pool ? rows >> 1 : rows;
    this.scratchMine = alloc(scratchBytesFor(half, K));
    this.scratchTheirs = pool ? alloc(scratchBytesFor(rows - half, K)) : 0;
    this.job = alloc(jobBytes(blocks.length));
    new Int32Array(place.memory.buffer, this.job, words.length).set(words);
  }

  /**
   * A runner for `rows` rows, or null unless our kernels run the wasm backend (callers then use tfjs ops).
   * Two threads when the pool is up and rows ≥ MIN_PARALLEL_ROWS (and mode is 'auto').
   */
  static create(rows: number, wx: tf.Tensor2D, blocks: { l1: DirectDense; l2: DirectDense }[], last: DirectDense): DirectReluMlp | null {
    const tfjs = installedKernels();
    if (!tfjs || !tfjs.info.matMul || mode === 'off' || tf.getBackend() !== 'wasm') return null;
    const wantsPool = mode === 'auto' && rows >= MIN_PARALLEL_ROWS;
    // The worker starts with the first chain that can use it (not at start-up); wherever it cannot run,
    // chains take one thread — with the same numbers.
    if (wantsPool && chainPool === null) startChainPool(tfjs.info.fma);
    const pool = wantsPool && chainPool?.healthy ? chainPool : null;
    const place = pool ? pool.placement() : tfjsPlacement(tfjs);
    try {
      return new DirectReluMlp(place, tfjs, rows, pool, wx, blocks, last);
    } catch (e) {
      place.releaseAll();
      throw e;
    }
  }

  /** Runs on two threads. */
  get parallel(): boolean {
    return this.pool !== null;
  }

  /** x [rows, I] (row-major), c [rows, H] tensor → ε [rows, O] (a new array). */
  run(x: Float32Array, c: tf.Tensor): Float32Array {
    if (this.disposed) throw new Error('DirectReluMlp: used after dispose');
    const { memory, k } = this.place;
    const { inDim, H, O } = this.dims;
    const B = this.rows;
    if (x.length !== B * inDim || c.size !== B * H) {
      throw new Error(`DirectReluMlp: expected x of ${B}×${inDim} and c of ${B}×${H}; got ${x.length} and ${c.size} values`);
    }
    new Float32Array(memory.buffer, this.x, B * inDim).set(x);
    if (this.pool) {
      new Float32Array(memory.buffer, this.c, B * H).set(new Float32Array(this.tfjs.memory.buffer, this.offset(c), B * H));
      this.pool.runSplit(this.job, B >> 1, B, this.scratchMine, this.scratchTheirs);
    } else {
      new Int32Array(memory.buffer, this.job + 20, 1)[0] = this.offset(c); // job word 5: c, alive for this call
      k.mlp_rows(this.job, 0, B, this.scratchMine);
    }
    return new Float32Array(memory.buffer, this.out, B * O).slice();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.place.releaseAll();
  }

  private offset(t: tf.Tensor): number {
    const d = this.tfjs.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error('DirectReluMlp: tensor data is not on the wasm backend');
    return d.memoryOffset;
  }

}

/** Allocations in tfjs-wasm's heap through its malloc, freed together. */
function tfjsPlacement(tfjs: Installed): Placement {
  const raw: number[] = [];
  return {
    memory: tfjs.memory,
    k: tfjs.exports,
    alloc: (bytes) => {
      const p = mallocChecked(tfjs.backend, Math.max(bytes, 4) + ALIGN);
      raw.push(p);
      return aligned(p);
    },
    releaseAll: () => {
      for (const p of raw) tfjs.backend.wasm._free(p);
      raw.length = 0;
    },
  };
}

// ---------------------------------------------------------------- two threads (Node)

/** Control words at the start of the shared memory (Int32 indices). */
const SEQ = 0;
const DONE = 1;
const JOB = 2;
const R0 = 3;
const R1 = 4;
const SCRATCH = 5;
const STOP = 6;
/** Set by the worker when it could not run a job (its rows are then not computed). */
const FAILED = 7;
/** Bytes reserved for the control block. */
const CONTROL_BYTES = 64;

/**
 * The worker: instantiate the same kernels on the shared memory, then for every new SEQ run mlp_rows on the
 * rows it is given and publish DONE = SEQ. Plain CommonJS (evaluated by worker_threads), no imports of ours.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory } = workerData;
const ctrl = new Int32Array(memory.buffer, 0, 16);
let k = null;
try {
  k = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (e) {
  Atomics.store(ctrl, ${FAILED}, 1);
}
let seen = 0;
for (;;) {
  for (let spin = 0; spin < 20000 && Atomics.load(ctrl, ${SEQ}) === seen; spin++);
  while (Atomics.load(ctrl, ${SEQ}) === seen) Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  if (Atomics.load(ctrl, ${STOP}) === 1) break;
  try {
    if (k === null) throw new Error('no instance');
    k.mlp_rows(ctrl[${JOB}], ctrl[${R0}], ctrl[${R1}], ctrl[${SCRATCH}]);
  } catch (e) {
    Atomics.store(ctrl, ${FAILED}, 1);
  }
  Atomics.store(ctrl, ${DONE}, seen);
  Atomics.notify(ctrl, ${DONE});
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (e: Error) => void): void;
}

class ChainPool {
  private readonly ctrl: Int32Array;
  private readonly k: KernelExports;
  private seq = 0;
  private cursor = CONTROL_BYTES;
  private live = 0;
  private broken: Error | null = null;

  constructor(
    private readonly memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    private readonly worker: NodeWorker,
  ) {
    this.ctrl = new Int32Array(memory.buffer, 0, CONTROL_BYTES / 4);
    this.k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
    worker.on('error', (e) => {
      this.broken = e;
    });
  }

  /** False once the worker has failed or stalled; runners made afterwards use one thread. */
  get healthy(): boolean {
    return this.broken === null;
  }

  /** Bump allocation in the shared memory; everything is released when the last runner is disposed. */
  placement(): Placement {
    this.live += 1;
    let released = false;
    return {
      memory: this.memory,
      k: this.k,
      alloc: (bytes) => this.alloc(bytes),
      releaseAll: () => {
        if (released) return;
        released = true;
        this.live -= 1;
        if (this.live === 0) this.cursor = CONTROL_BYTES;
      },
    };
  }

  private alloc(bytes: number): number {
    const p = aligned(this.cursor);
    const end = p + Math.max(bytes, 4);
    if (end > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / 65536) + 16);
    this.cursor = end;
    return p;
  }

  /** Rows [0, half) here and [half, B) on the worker, each with its own scratch; returns when both are done. */
  runSplit(job: number, half: number, B: number, scratchMine: number, scratchTheirs: number): void {
    if (this.broken) throw new Error(`DirectReluMlp: the chain worker failed: ${this.broken.message}`);
    const c = this.ctrl;
    c[JOB] = job;
    c[R0] = half;
    c[R1] = B;
    c[SCRATCH] = scratchTheirs;
    this.seq = (this.seq + 1) | 0 || 1;
    Atomics.store(c, SEQ, this.seq);
    Atomics.notify(c, SEQ);
    this.k.mlp_rows(job, 0, half, scratchMine);
    for (let spin = 0; ; spin++) {
      const done = Atomics.load(c, DONE);
      if (done === this.seq) break;
      if (spin > 2000 && Atomics.wait(c, DONE, done, 5000) === 'timed-out' && Atomics.load(c, DONE) !== this.seq) {
        this.broken = new Error('no answer within 5 s');
        throw new Error('DirectReluMlp: the chain worker did not answer within 5 s');
      }
    }
    if (Atomics.load(c, FAILED) === 1) {
      this.broken = new Error('the worker could not run mlp_rows');
      throw new Error('DirectReluMlp: the chain worker failed to compute its rows');
    }
  }

  async close(): Promise<void> {
    this.broken ??= new Error('the pool was stopped');
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.store(this.ctrl, SEQ, (this.seq + 1) | 0);
    Atomics.notify(this.ctrl, SEQ);
    await this.worker.terminate();
  }
}

let chainPool: ChainPool | null = null;

/**
 * Starts the two-thread runner's worker (Node, ≥ 2 cores, shared memory available). Idempotent (concurrent
 * calls share one start); on any failure, or elsewhere, the single-thread runner is used from then on.
 */
let unavailable = false;

interface NodeBuiltins {
  os: { availableParallelism?: () => number; cpus(): unknown[] };
  wt: { Worker: new (src: string, opts: { eval: boolean; workerData: unknown }) => NodeWorker };
}

/** Node's os and worker_threads, loaded synchronously (process.getBuiltinModule, Node ≥ 20.16), or null. */
function nodeBuiltins(): NodeBuiltins | null {
  const proc = typeof process !== 'undefined' ? (process as unknown as { getBuiltinModule?: (id: string) => unknown }) : null;
  if (!proc?.getBuiltinModule) return null;
  const os = proc.getBuiltinModule('node:os') as NodeBuiltins['os'] | undefined;
  const wt = proc.getBuiltinModule('node:worker_threads') as NodeBuiltins['wt'] | undefined;
  return os && wt ? { os, wt } : null;
}

/**
 * Starts the two-thread runner's worker (Node ≥ 20.16, ≥ 2 cores, shared memory). Synchronous, so the first
 * chain that can use it already does (a sampling loop that only awaits resolved promises would never let an
 * async start finish). Idempotent; on any failure, or elsewhere, the single-thread runner is used from then on.
 */
export function startChainPool(fma: boolean): void {
  if (chainPool || unavailable) return;
  unavailable = true; // until it is up
  try {
    const node = nodeBuiltins();
    if (!node || typeof SharedArrayBuffer === 'undefined') return;
    const cores = node.os.availableParallelism?.() ?? node.os.cpus().length;
    if (cores < 2) return;
    const module = new WebAssembly.Module(decode(KERNEL_BINARIES[variantName({ fma, shared: true })]));
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 16384, shared: true });
    const worker = new node.wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory } });
    worker.unref();
    chainPool = new ChainPool(memory, module, worker);
    unavailable = false;
  } catch {
    chainPool = null;
  }
}

/** Stops the worker (tests); chains take one thread until startChainPool is called again. */
export async function stopChainPool(): Promise<void> {
  const p = chainPool;
  chainPool = null;
  unavailable = true;
  await p?.close();
}

/** Lets startChainPool try again after stopChainPool (tests). */
export function allowChainPool(): void {
  unavailable = false;
}
