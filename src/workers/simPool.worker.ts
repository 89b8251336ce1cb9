/**
 * A sim-pool worker in the browser: wires this DedicatedWorkerGlobalScope to the host-agnostic worker loop
 * (sim/pool/poolWorker.ts). Started by simPoolSpawn.ts; the pool itself is sim/pool/workerPoolVecEnv.ts.
 */
import { setMujocoVendorBase } from '../sim/mujoco';
import { servePoolWorker } from '../sim/pool/poolWorker';
import type { PoolRequest } from '../sim/pool/protocol';
import { vendorUrl } from './assetBase';

const scope = self as unknown as DedicatedWorkerGlobalScope;
setMujocoVendorBase(vendorUrl('mujoco'));

servePoolWorker({
  post: (msg, transfer) => scope.postMessage(msg, transfer),
  listen: (onMessage) => {
    scope.onmessage = (ev: MessageEvent<PoolRequest>) => onMessage(ev.data);
  },
});
