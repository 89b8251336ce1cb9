/**
 * Browser host of the sim worker pool: `spawnSimPoolWorker` starts one module Web Worker running
 * simPool.worker.ts and adapts it to the pool's `PoolEndpoint`. Pass it as `spawn` to
 * `createPooledVecEnv` (sim/pool/index.ts) from the page or from the train worker (nested workers).
 * Shared slabs are used when the page is crossOriginIsolated, transferables otherwise (decided by the pool).
 */
import type { PoolEndpoint, PoolResponse, SpawnPoolWorker } from '../sim/pool/protocol';

export const spawnSimPoolWorker: SpawnPoolWorker = (index) => {
  const worker = new Worker(new URL('./simPool.worker.ts', import.meta.url), { type: 'module', name: `dppo-sim-${index}` });
  const endpoint: PoolEndpoint = {
    post: (msg, transfer) => worker.postMessage(msg, transfer),
    listen: (onMessage, onFailure) => {
      worker.onmessage = (ev: MessageEvent<PoolResponse>) => onMessage(ev.data);
      worker.onerror = (ev: ErrorEvent) => {
        ev.preventDefault();
        onFailure({ message: ev.message || 'the worker failed to load or threw outside a request' });
      };
      worker.onmessageerror = () => onFailure({ message: 'a message from the worker could not be read' });
    },
    terminate: () => worker.terminate(),
  };
  return endpoint;
};
