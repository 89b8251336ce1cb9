/**
 * Messages between a WorkerPoolVecEnv (the pool, on the training thread) and its sim workers, and the two
 * transport seams the host fills in: the pool side's `PoolEndpoint` (what `spawn()` returns) and the worker
 * side's `PoolWorkerPort`. Host-agnostic: browser Web Workers and Node worker_threads both fit.
 *
 * Payloads travel one of two ways (`Slabs`):
 * - shared: SharedArrayBuffer slabs laid out for the WHOLE batch; each worker reads its rows of `actions`
 *   and writes its rows of the results, so the pool gathers by copying one region per array. Messages then
 *   only signal (ids and Ta).
 * - transfer: the pool sends each worker its slice of the actions and gets back its rows, as transferred
 *   ArrayBuffers (no shared memory: browser pages that are not crossOriginIsolated).
 *
 * Legend: n = nEnvs of the pool, m = envs of one worker, Ta = chunk length, Te = actSteps, Da, Do, Dt, G as in types.ts.
 */
import type { ChunkStepResult, EnvSpec, VecEnvOptions } from '../types';

/** Bumped whenever a message changes shape; a worker built from other sources refuses to start. */
export const POOL_PROTOCOL_VERSION = 1;

/** Shared result slabs of the whole batch (row i = env i). */
export interface ResultSlabs {
  /** [n, Do] float32 */
  obs: SharedArrayBuffer;
  /** [n] float32 */
  reward: SharedArrayBuffer;
  /** [n] uint8 each */
  terminated: SharedArrayBuffer;
  truncated: SharedArrayBuffer;
  executed: SharedArrayBuffer;
  /** [n, Te, Dt] float32 */
  trace: SharedArrayBuffer;
  /** [n, G] float32 */
  tags: SharedArrayBuffer;
}

/** One worker's rows of a chunk step (transfer mode), m = its env count: the ChunkStepResult layout. */
export type ChunkRows = ChunkStepResult;

/** Pool → worker. */
export type PoolRequest =
  | {
      type: 'init';
      id: number;
      version: number;
      /** The POOL's options; the worker runs envs [firstEnv, firstEnv + count) of opts.nEnvs. */
      opts: VecEnvOptions;
      firstEnv: number;
      count: number;
      /** Where the browser worker finds vendor/mujoco/ (null: the worker's own default). */
      mujocoBase: string | null;
    }
  /** Shared mode: the result slabs, sent once after init (their sizes need the spec the worker reported). */
  | { type: 'slabs'; id: number; results: ResultSlabs }
  /** Reset every env of the worker. */
  | { type: 'reset'; id: number }
  /**
   * Step a chunk. Shared mode: `actions` is null and the worker reads its rows of `sharedActions` (sent again
   * only when the pool had to grow it); transfer mode: `actions` holds the worker's [m, Ta, Da].
   */
  | { type: 'step'; id: number; Ta: number; actions: Float32Array | null; sharedActions: SharedArrayBuffer | null }
  | { type: 'dispose'; id: number };

/** What a worker reports once its envs exist (the pool's readonly fields come from worker 0's). */
export interface PoolWorkerInfo {
  spec: EnvSpec;
  maxEpisodeSteps: number;
  traceDim: number;
  tagKeys: string[];
}

/** Worker → pool. Every reply carries the id of the request it answers. */
export type PoolResponse =
  | { type: 'ready'; id: number; info: PoolWorkerInfo }
  | { type: 'ok'; id: number }
  /** Reset reply; `obs` [m, Do] in transfer mode, null in shared mode (written to the obs slab). */
  | { type: 'reset'; id: number; obs: Float32Array | null }
  /** Step reply; `rows` in transfer mode, null in shared mode. */
  | { type: 'step'; id: number; rows: ChunkRows | null }
  | { type: 'error'; id: number; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

// ------------------------------------------------------------------------------------------ transports

/** How a worker went away or failed outside a request (uncaught error, exit, unreadable message). */
export interface EndpointFailure {
  message: string;
}

/**
 * The pool's side of one worker, built by the host's `spawn()`. Browser: a module Web Worker
 * (src/workers/simPoolSpawn.ts); Node: a worker_thread running the TS entry through tsx (nodeSpawn.ts).
 */
export interface PoolEndpoint {
  post(msg: PoolRequest, transfer: ArrayBuffer[]): void;
  /** Installs the handlers; called once, right after spawn. */
  listen(onMessage: (msg: PoolResponse) => void, onFailure: (f: EndpointFailure) => void): void;
  /**
   * Whether the worker should keep the host alive (Node: ref/unref). The pool holds it only while a request
   * is in flight, so an idle, forgotten pool never keeps a CLI process from exiting.
   */
  hold?(busy: boolean): void;
  /** Stops the worker (its memory, MuJoCo's heap included, goes with it). */
  terminate(): Promise<void> | void;
}

/** Starts worker `index` of a pool. */
export type SpawnPoolWorker = (index: number) => PoolEndpoint;

/** The worker's side of the channel (Node parentPort, browser DedicatedWorkerGlobalScope). */
export interface PoolWorkerPort {
  post(msg: PoolResponse, transfer: ArrayBuffer[]): void;
  listen(onMessage: (msg: PoolRequest) => void): void;
}
