/**
 * The sim worker's side of the pool (host-agnostic): it owns an in-process `VectorEnv` of its slice of
 * the batch (envs [firstEnv, firstEnv + m) of n, seeded as the whole batch would be: vectorEnv.ts
 * `VectorEnvSlice`) and answers the pool's requests in order. Node wires it to `parentPort`
 * (nodeWorkerMain.ts), the browser to its DedicatedWorkerGlobalScope (src/workers/simPool.worker.ts).
 * Errors become `error` replies with the worker's message; the worker stays up for the next request.
 */
import { setMujocoVendorBase } from '../mujoco';
import { createVectorEnv, type VectorEnv } from '../vectorEnv';
import type { ChunkStepResult } from '../types';
import {
  POOL_PROTOCOL_VERSION,
  type ChunkRows,
  type PoolRequest,
  type PoolResponse,
  type PoolWorkerPort,
  type ResultSlabs,
  type SerializedError,
} from './protocol';

interface Slice {
  venv: VectorEnv;
  /** first env of this worker in the pool's batch */
  first: number;
  /** m */
  count: number;
  results: ResultViews | null;
  /** The pool's whole [n, Ta, Da] action slab (shared mode). */
  actions: Float32Array | null;
}

/** Views of this worker's rows in the shared result slabs (the ChunkStepResult layout). */
type ResultViews = ChunkStepResult;

/** Serves pool requests on `port` until the host terminates the worker. */
export function servePoolWorker(port: PoolWorkerPort): void {
  let slice: Slice | null = null;
  // Requests are handled one after another (init is async; the pool never overlaps requests, but a
  // queue keeps the order even if it did).
  let queue: Promise<void> = Promise.resolve();
  port.listen((msg) => {
    queue = queue.then(() => handle(msg)).catch(() => undefined);
  });

  const reply = (res: PoolResponse, transfer: ArrayBuffer[] = []): void => port.post(res, transfer);

  async function handle(msg: PoolRequest): Promise<void> {
    try {
      switch (msg.type) {
        case 'init': {
          if (msg.version !== POOL_PROTOCOL_VERSION) {
            throw new Error(`sim worker speaks pool protocol ${POOL_PROTOCOL_VERSION}, the pool ${msg.version}: reload or reinstall`);
          }
          if (slice) throw new Error('sim worker: init sent twice');
          if (msg.mujocoBase) setMujocoVendorBase(msg.mujocoBase);
          const venv = await createVectorEnv({ ...msg.opts, nEnvs: msg.count }, { firstEnv: msg.firstEnv, totalEnvs: msg.opts.nEnvs });
          slice = { venv, first: msg.firstEnv, count: msg.count, results: null, actions: null };
          reply({
            type: 'ready',
            id: msg.id,
            info: { spec: venv.spec, maxEpisodeSteps: venv.maxEpisodeSteps, traceDim: venv.traceDim, tagKeys: [...venv.tagKeys] },
          });
          return;
        }
        case 'slabs': {
          const s = live(slice);
          s.results = {
            obs: new Float32Array(msg.results.obs),
            reward: new Float32Array(msg.results.reward),
            terminated: new Uint8Array(msg.results.terminated),
            truncated: new Uint8Array(msg.results.truncated),
            executed: new Uint8Array(msg.results.executed),
            trace: new Float32Array(msg.results.trace),
            tags: new Float32Array(msg.results.tags),
          } satisfies Record<keyof ResultSlabs, ArrayLike<number>>;
          reply({ type: 'ok', id: msg.id });
          return;
        }
        case 'reset': {
          const s = live(slice);
          const obs = s.venv.resetSync();
          if (s.results) {
            s.results.obs.set(obs, s.first * s.venv.spec.obsDim);
            reply({ type: 'reset', id: msg.id, obs: null });
          } else {
            reply({ type: 'reset', id: msg.id, obs }, [obs.buffer as ArrayBuffer]);
          }
          return;
        }
        case 'step': {
          const s = live(slice);
          const Da = s.venv.spec.actDim;
          let actions: Float32Array;
          if (msg.actions) {
            actions = msg.actions;
          } else {
            if (msg.sharedActions) s.actions = new Float32Array(msg.sharedActions);
            if (!s.actions) throw new Error('sim worker: step without actions');
            const row = msg.Ta * Da;
            actions = s.actions.subarray(s.first * row, (s.first + s.count) * row);
          }
          const res = s.venv.stepChunkSync(actions, msg.Ta);
          if (s.results) {
            writeRows(s.results, res, s.first, s.count);
            reply({ type: 'step', id: msg.id, rows: null });
          } else {
            const rows: ChunkRows = res;
            reply({ type: 'step', id: msg.id, rows }, transferList(res));
          }
          return;
        }
        case 'dispose': {
          await slice?.venv.dispose();
          slice = null;
          reply({ type: 'ok', id: msg.id });
          return;
        }
        default: {
          const never: never = msg;
          throw new Error(`sim worker: unknown request ${(never as { type: string }).type}`);
        }
      }
    } catch (e) {
      reply({ type: 'error', id: msg.id, error: serializeError(e) });
    }
  }
}

function live(slice: Slice | null): Slice {
  if (!slice) throw new Error('sim worker: not initialised (or already disposed)');
  return slice;
}

/** Copies a worker's result rows into the shared slabs at row `first` (row sizes follow from m = count). */
function writeRows(out: ResultViews, res: ChunkStepResult, first: number, count: number): void {
  const put = (dst: Float32Array | Uint8Array, src: Float32Array | Uint8Array): void => {
    const per = src.length / count;
    dst.set(src, first * per);
  };
  put(out.obs, res.obs);
  put(out.reward, res.reward);
  put(out.terminated, res.terminated);
  put(out.truncated, res.truncated);
  put(out.executed, res.executed);
  put(out.trace, res.trace);
  put(out.tags, res.tags);
}

function transferList(res: ChunkStepResult): ArrayBuffer[] {
  return [res.obs, res.reward, res.terminated, res.truncated, res.executed, res.trace, res.tags].map((a) => a.buffer as ArrayBuffer);
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}
