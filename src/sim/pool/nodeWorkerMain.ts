/** Node sim-pool worker: wires `parentPort` to the host-agnostic worker loop (poolWorker.ts). */
import type { MessagePort } from 'node:worker_threads';
import { servePoolWorker } from './poolWorker';
import type { PoolRequest } from './protocol';

const proc = process as unknown as { getBuiltinModule(id: string): unknown };
const { parentPort } = proc.getBuiltinModule('node:worker_threads') as { parentPort: MessagePort | null };
if (!parentPort) throw new Error('nodeWorkerMain.ts runs only as a worker thread (see nodeSpawn.ts).');
const port = parentPort;

servePoolWorker({
  post: (msg, transfer) => port.postMessage(msg, transfer),
  listen: (onMessage) => port.on('message', (m: PoolRequest) => onMessage(m)),
});
