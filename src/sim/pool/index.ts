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

/**
 * Default pool size: one worker per core, capped at 4 — measured on the project's 2-vCPU machine
 * (README.md: hopper and avoid-m2, 1 vs 2 workers) and leaving the training thread without a core of its
 * own, since it waits while the sim steps (rollout alternates sim and inference). 0 (in-process) where no
 * worker can be started.
 */
export function defaultPoolWorkers(): number {
  const cores = logicalCores();
  if (!hasNodeWorkers() && typeof (globalThis as { Worker?: unknown }).Worker !== 'function') return 0;
  return Math.max(1, Math.min(4, cores));
}

/** A VecEnv for `opts`: the worker pool (workers ≥ 1) or the in-process VectorEnv (workers = 0). */
export async function createPooledVecEnv(opts: VecEnvOptions, pool: PooledVecEnvOptions = {}): Promise<VecEnv> {
  const workers = pool.workers ?? defaultPoolWorkers();
  if (workers === 0) return createVectorEnv(opts);
  const spawn = pool.spawn ?? (hasNodeWorkers() ? nodeSpawn() : null);
  if (!spawn) throw new Error('createPooledVecEnv: no worker host here; pass spawn (browser: src/workers/simPoolSpawn.ts) or workers: 0.');
  return WorkerPoolVecEnv.create(opts, { workers, spawn, transport: pool.transport, mujocoBase: pool.mujocoBase });
}
