/**
 * The sim worker pool (design/architecture.md §2): a `VecEnv` whose n envs are split over N workers in
 * contiguous slices (worker w runs envs [⌊w·n/N⌋, ⌊(w+1)·n/N⌋)). Each worker owns an in-process VectorEnv
 * of its slice, seeded as the whole batch would be (env i's k-th reset uses seed + i + k·n), so the pool
 * returns bitwise what `VectorEnv` returns for the same seed and actions (pool.test.ts).
 *
 * One message per worker per call: `stepChunk` hands every worker its rows of the [n, Ta, Da] chunk and
 * gathers the replies in env order into one ChunkStepResult. Payloads go through SharedArrayBuffer slabs
 * where shared memory works (Node; browser pages that are crossOriginIsolated) and as transferred
 * ArrayBuffers otherwise (protocol.ts). The host is abstracted by `spawn()` (browser: src/workers/
 * simPoolSpawn.ts; Node: nodeSpawn.ts), so this file runs unchanged in both.
 *
 * Calls are served one after another in call order. A worker's error rejects that call with the worker's
 * message (the pool stays usable, as VectorEnv does after a throw); a worker that dies makes the pending
 * and every later call fail with what happened. dispose() frees the workers' envs and terminates them.
 * Legend: n = nEnvs, N = workers, m = envs of one worker, Ta, Te, Da, Do, Dt, G as in types.ts.
 */
import { UserError } from '../../core/errors';
import type { ChunkStepResult, EnvSpec, VecEnv, VecEnvOptions } from '../types';
import { checkVecEnvOptions } from '../vectorEnv';
import {
  POOL_PROTOCOL_VERSION,
  type ChunkRows,
  type EndpointFailure,
  type PoolEndpoint,
  type PoolRequest,
  type PoolResponse,
  type PoolWorkerInfo,
  type ResultSlabs,
  type SerializedError,
  type SpawnPoolWorker,
} from './protocol';

export type PoolTransport = 'shared' | 'transfer';

export interface WorkerPoolOptions {
  /** Worker threads (≥ 1); more than nEnvs are not started. */
  workers: number;
  spawn: SpawnPoolWorker;
  /** 'auto' (default): shared slabs where SharedArrayBuffer can be posted, else transferables. */
  transport?: 'auto' | PoolTransport;
  /** Browser: URL of vendor/mujoco/ for the workers (default: theirs). */
  mujocoBase?: string | null;
  /** Longest wait for a worker to free its envs on dispose before it is terminated anyway (ms). */
  disposeTimeoutMs?: number;
}

/** Whether SharedArrayBuffer slabs can be shared with workers here (Node; crossOriginIsolated pages). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false; // undefined in Node, where sharing always works
}

/** Contiguous slices of n envs over N workers: [first, count] per worker (sizes differ by at most one). */
export function splitEnvs(n: number, workers: number): { first: number; count: number }[] {
  const N = Math.max(1, Math.min(workers, n));
  const out: { first: number; count: number }[] = [];
  for (let w = 0; w < N; w++) {
    const first = Math.floor((w * n) / N);
    out.push({ first, count: Math.floor(((w + 1) * n) / N) - first });
  }
  return out;
}

interface Pending {
  resolve(res: PoolResponse): void;
  reject(err: Error): void;
}

/** One worker as the pool sees it. */
class WorkerLink {
  readonly pending = new Map<number, Pending>();
  /** Why the worker is gone (null while it is up). */
  failure: string | null = null;
  /** The action slab this worker was last sent (shared mode). */
  sentActions: SharedArrayBuffer | null = null;

  constructor(
    readonly index: number,
    readonly endpoint: PoolEndpoint,
    readonly first: number,
    readonly count: number,
  ) {}
}

let nextRequestId = 1;

export class WorkerPoolVecEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly nEnvs: number;
  readonly actSteps: number;
  readonly maxEpisodeSteps: number;
  readonly traceDim: number;
  readonly tagKeys: readonly string[];
  /** Worker threads in use (min(requested, nEnvs)). */
  readonly workers: number;
  readonly transport: PoolTransport;

  private readonly links: WorkerLink[];
  private results: { slabs: ResultSlabs; views: ChunkRows } | null = null;
  private actionSlab: SharedArrayBuffer | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private started = false;
  private disposed = false;
  private disposing: Promise<void> | null = null;
  private readonly disposeTimeoutMs: number;

  /** Starts the workers and their envs; rejects (and stops every worker) if any of them cannot start. */
  static async create(opts: VecEnvOptions, pool: WorkerPoolOptions): Promise<WorkerPoolVecEnv> {
    checkVecEnvOptions(opts);
    if (!Number.isInteger(pool.workers) || pool.workers < 1) throw new UserError(`workers must be a positive integer, got ${pool.workers}.`);
    const shared = pool.transport === 'shared' || ((pool.transport ?? 'auto') === 'auto' && sharedMemoryAvailable());
    if (shared && !sharedMemoryAvailable()) throw new Error('WorkerPoolVecEnv: shared transport asked for, but SharedArrayBuffer cannot be shared here.');
    const links: WorkerLink[] = [];
    const stopAll = async (): Promise<void> => {
      await Promise.allSettled(links.map((l) => l.endpoint.terminate()));
    };
    try {
      for (const [w, { first, count }] of splitEnvs(opts.nEnvs, pool.workers).entries()) {
        const link = new WorkerLink(w, pool.spawn(w), first, count);
        links.push(link);
        link.endpoint.listen(
          (msg) => WorkerPoolVecEnv.onMessage(link, msg),
          (f) => WorkerPoolVecEnv.onFailure(link, f),
        );
      }
      const infos = await Promise.all(
        links.map((l) =>
          WorkerPoolVecEnv.request(l, {
            type: 'init',
            id: nextRequestId++,
            version: POOL_PROTOCOL_VERSION,
            opts: { ...opts },
            firstEnv: l.first,
            count: l.count,
            mujocoBase: pool.mujocoBase ?? null,
          }),
        ),
      );
      const info = (infos[0] as Extract<PoolResponse, { type: 'ready' }>).info;
      const env = new WorkerPoolVecEnv(opts, info, links, shared ? 'shared' : 'transfer', pool.disposeTimeoutMs ?? 5000);
      if (shared) await env.shareResultSlabs();
      return env;
    } catch (e) {
      await stopAll();
      throw e;
    }
  }

  private constructor(opts: VecEnvOptions, info: PoolWorkerInfo, links: WorkerLink[], transport: PoolTransport, disposeTimeoutMs: number) {
    this.spec = info.spec;
    this.nEnvs = opts.nEnvs;
    this.actSteps = opts.actSteps;
    this.maxEpisodeSteps = info.maxEpisodeSteps;
    this.traceDim = info.traceDim;
    this.tagKeys = info.tagKeys;
    this.links = links;
    this.workers = links.length;
    this.transport = transport;
    this.disposeTimeoutMs = disposeTimeoutMs;
  }

  reset(): Promise<Float32Array> {
    return this.serial(async () => {
      const Do = this.spec.obsDim;
      const replies = await this.all(() => [{ type: 'reset', id: nextRequestId++ }, []]);
      this.started = true;
      if (this.results) return this.results.views.obs.slice();
      const obs = new Float32Array(this.nEnvs * Do);
      replies.forEach((r, w) => obs.set((r as Extract<PoolResponse, { type: 'reset' }>).obs!, this.links[w].first * Do));
      return obs;
    });
  }

  stepChunk(actions: Float32Array, Ta: number): Promise<ChunkStepResult> {
    // Checked here, before any worker steps, so a bad call leaves every env as it was.
    const n = this.nEnvs;
    const Da = this.spec.actDim;
    const Te = this.actSteps;
    return this.serial(async () => {
      if (!this.started) throw new Error('WorkerPoolVecEnv: reset() must come before stepChunk().');
      if (!Number.isInteger(Ta) || Ta < Te) throw new Error(`Chunk length Ta=${Ta} is shorter than actSteps=${Te}.`);
      if (actions.length !== n * Ta * Da) throw new Error(`Actions must be [${n}, ${Ta}, ${Da}] = ${n * Ta * Da} values, got ${actions.length}.`);
      const row = Ta * Da;
      if (this.results) {
        const need = n * row * 4;
        if (!this.actionSlab || this.actionSlab.byteLength < need) this.actionSlab = new SharedArrayBuffer(need);
        new Float32Array(this.actionSlab, 0, n * row).set(actions);
        const slab = this.actionSlab;
        await this.all((l) => {
          const fresh = l.sentActions !== slab;
          l.sentActions = slab;
          return [{ type: 'step', id: nextRequestId++, Ta, actions: null, sharedActions: fresh ? slab : null }, []];
        });
        const v = this.results.views;
        return {
          obs: v.obs.slice(),
          reward: v.reward.slice(),
          terminated: v.terminated.slice(),
          truncated: v.truncated.slice(),
          executed: v.executed.slice(),
          trace: v.trace.slice(),
          tags: v.tags.slice(),
        };
      }
      const replies = await this.all((l) => {
        const mine = actions.slice(l.first * row, (l.first + l.count) * row);
        return [{ type: 'step', id: nextRequestId++, Ta, actions: mine, sharedActions: null }, [mine.buffer]];
      });
      const out = this.emptyResult();
      replies.forEach((r, w) => {
        const rows = (r as Extract<PoolResponse, { type: 'step' }>).rows!;
        const first = this.links[w].first;
        const count = this.links[w].count;
        for (const key of Object.keys(out) as (keyof ChunkRows)[]) {
          const src = rows[key];
          (out[key] as Float32Array | Uint8Array).set(src, first * (src.length / count));
        }
      });
      return out;
    });
  }

  /** Frees every worker's envs (waiting at most disposeTimeoutMs), then terminates the workers. Idempotent. */
  dispose(): Promise<void> {
    if (this.disposing) return this.disposing;
    this.disposed = true;
    this.disposing = (async () => {
      // Let a call in flight finish (its caller gets its answer), then free the envs and stop the threads.
      await this.queue.catch(() => undefined);
      const live = this.links.filter((l) => l.failure === null);
      const freed = Promise.allSettled(live.map((l) => WorkerPoolVecEnv.request(l, { type: 'dispose', id: nextRequestId++ })));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.disposeTimeoutMs);
      });
      await Promise.race([freed, timeout]);
      clearTimeout(timer);
      for (const l of this.links) {
        l.failure ??= 'the pool was disposed';
        WorkerPoolVecEnv.rejectAll(l, new Error('WorkerPoolVecEnv was disposed'));
      }
      await Promise.allSettled(this.links.map((l) => l.endpoint.terminate()));
    })();
    return this.disposing;
  }

  // ---------------------------------------------------------------------------------------- internals

  /** Runs `body` after every earlier call has settled; rejects after dispose or a worker's death. */
  private serial<T>(body: () => Promise<T>): Promise<T> {
    // Checked at call time: calls made before dispose() still run (dispose waits for them).
    if (this.disposed) return Promise.reject(new Error('WorkerPoolVecEnv was used after dispose(); create a new one instead.'));
    const run = async (): Promise<T> => {
      const dead = this.links.find((l) => l.failure !== null);
      if (dead) throw new Error(`WorkerPoolVecEnv is unusable: sim worker ${dead.index} stopped earlier (${dead.failure}); dispose it and create a new pool.`);
      return body();
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Sends one request to every worker and waits for all replies (the first failure rejects). */
  private all(make: (l: WorkerLink) => [PoolRequest, ArrayBuffer[]]): Promise<PoolResponse[]> {
    return Promise.all(
      this.links.map((l) => {
        const [msg, transfer] = make(l);
        return WorkerPoolVecEnv.request(l, msg, transfer);
      }),
    );
  }

  private static request(l: WorkerLink, msg: PoolRequest, transfer: ArrayBuffer[] = []): Promise<PoolResponse> {
    if (l.failure !== null) return Promise.reject(new Error(`sim worker ${l.index} is not running (${l.failure}).`));
    return new Promise<PoolResponse>((resolve, reject) => {
      l.pending.set(msg.id, { resolve, reject });
      if (l.pending.size === 1) l.endpoint.hold?.(true);
      try {
        l.endpoint.post(msg, transfer);
      } catch (e) {
        WorkerPoolVecEnv.settle(l, msg.id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private static settle(l: WorkerLink, id: number): Pending | undefined {
    const p = l.pending.get(id);
    l.pending.delete(id);
    if (p && l.pending.size === 0) l.endpoint.hold?.(false);
    return p;
  }

  private static onMessage(l: WorkerLink, msg: PoolResponse): void {
    const p = WorkerPoolVecEnv.settle(l, msg.id);
    if (!p) return;
    if (msg.type === 'error') p.reject(deserializeError(msg.error));
    else p.resolve(msg);
  }

  private static onFailure(l: WorkerLink, f: EndpointFailure): void {
    l.failure ??= f.message;
    WorkerPoolVecEnv.rejectAll(l, new Error(`sim worker ${l.index} stopped: ${f.message}`));
  }

  private static rejectAll(l: WorkerLink, err: Error): void {
    const pending = [...l.pending.values()];
    l.pending.clear();
    l.endpoint.hold?.(false);
    for (const p of pending) p.reject(err);
  }

  /** Shared mode: result slabs for the whole batch, handed to every worker once. */
  private async shareResultSlabs(): Promise<void> {
    const n = this.nEnvs;
    const f32 = (len: number) => new SharedArrayBuffer(4 * len);
    const u8 = (len: number) => new SharedArrayBuffer(len);
    const slabs: ResultSlabs = {
      obs: f32(n * this.spec.obsDim),
      reward: f32(n),
      terminated: u8(n),
      truncated: u8(n),
      executed: u8(n),
      trace: f32(n * this.actSteps * this.traceDim),
      tags: f32(n * this.tagKeys.length),
    };
    await this.all(() => [{ type: 'slabs', id: nextRequestId++, results: slabs }, []]);
    this.results = {
      slabs,
      views: {
        obs: new Float32Array(slabs.obs),
        reward: new Float32Array(slabs.reward),
        terminated: new Uint8Array(slabs.terminated),
        truncated: new Uint8Array(slabs.truncated),
        executed: new Uint8Array(slabs.executed),
        trace: new Float32Array(slabs.trace),
        tags: new Float32Array(slabs.tags),
      },
    };
  }

  private emptyResult(): ChunkStepResult {
    const n = this.nEnvs;
    return {
      obs: new Float32Array(n * this.spec.obsDim),
      reward: new Float32Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      executed: new Uint8Array(n),
      trace: new Float32Array(n * this.actSteps * this.traceDim),
      tags: new Float32Array(n * this.tagKeys.length),
    };
  }
}

/** A worker's error as an Error of this thread: same name and message (UserError stays a UserError), the worker's stack. */
function deserializeError(e: SerializedError): Error {
  const err = e.name === 'UserError' ? new UserError(e.message) : new Error(e.message);
  if (e.name !== 'UserError') err.name = e.name;
  if (e.stack) err.stack = `${err.name}: ${e.message}\n    [in a sim worker]\n${e.stack.split('\n').slice(1).join('\n')}`;
  return err;
}
