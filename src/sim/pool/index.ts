/**
 * The sim worker pool's entry points: `createPooledVecEnv` (pool or in-process) and `defaultPoolWorkers`.
 * See workerPoolVecEnv.ts for the design and README.md for the measurements behind the default.
 */
import type { VecEnv, VecEnvOptions } from '../types';
import { createVectorEnv } from '../vectorEnv';
import { hasNodeWorkers, nodeCores, nodeSpawn } from './nodeSpawn';
import type { SpawnPoolWorker } from './protocol';
import { WorkerPoolVecEnv, type PoolTransport } from './workerPoolVecEnv';

export { WorkerPoolVecEnv, splitEnvs, sharedMemoryAvailable, type PoolTransport, type WorkerPoolOptions } from './workerPoolVecEnv';
export type { PoolEndpoint, PoolWorkerPort, SpawnPoolWorker } from './protocol';
export { servePoolWorker } from './poolWorker';
export { nodeSpawn, hasNodeWorkers, nodeCores } from './nodeSpawn';

export interface PooledVecEnvOptions {
  /** Worker threads; 0 = the in-process VectorEnv; default `defaultPoolWorkers()`. */
  workers?: number;
  /** How to start a worker; default: worker_threads in Node. The browser passes src/workers/simPoolSpawn.ts's. */
  spawn?: SpawnPoolWorker;
  transport?: 'auto' | PoolTransport;
  mujocoBase?: string | null;
}

/** Logical cores of this machine (Node: os.availableParallelism; browser: navigator.hardwareConcurrency). */
export function logicalCores(): number {
  const node = nodeCores();
  if (node !== null) return node;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** Upper bound of the default: each worker holds its own MuJoCo module (≈ 100 MB resident per Node worker). */
const MAX_DEFAULT_WORKERS = 8;

/**
 * Default pool size, from measurement (docs/benchmarks.md, "Sim throughput"; 2-vCPU machine, 40 envs):
 * a second worker gave 1.80× (hopper) and 1.76× (avoid-m2) the throughput of one, and one worker equals
 * the in-process env (pool overhead < 5 %). Rollouts alternate sim and inference, so the training thread
 * waits while the sim steps and needs no core of its own: Node uses every core. The browser leaves one
 * core to the page's main thread (hardwareConcurrency − 1). At least 1, at most 8; 0 (in-process) where
 * no worker can be started.
 */
export function defaultPoolWorkers(): number {
  const node = hasNodeWorkers();
  if (!node && typeof (globalThis as { Worker?: unknown }).Worker !== 'function') return 0;
  const cores = logicalCores();
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, node ? cores : cores - 1));
}

/** A VecEnv for `opts`: the worker pool (workers ≥ 1) or the in-process VectorEnv (workers = 0). */
export async function createPooledVecEnv(opts: VecEnvOptions, pool: PooledVecEnvOptions = {}): Promise<VecEnv> {
  const workers = pool.workers ?? defaultPoolWorkers();
  if (workers === 0) return createVectorEnv(opts);
  const spawn = pool.spawn ?? (hasNodeWorkers() ? nodeSpawn() : null);
  if (!spawn) throw new Error('createPooledVecEnv: no worker host here; pass spawn (browser: src/workers/simPoolSpawn.ts) or workers: 0.');
  return WorkerPoolVecEnv.create(opts, { workers, spawn, transport: pool.transport, mujocoBase: pool.mujocoBase });
}
