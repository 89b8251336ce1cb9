/**
 * Node host of the sim worker pool: each worker is a `worker_threads` Worker that runs the TypeScript
 * worker entry through tsx (nodeWorker.mjs → nodeWorkerMain.ts). `worker_threads` and `os` are taken with
 * `process.getBuiltinModule` (Node ≥ 20.16), so nothing here reaches the browser bundle's module graph
 * (same pattern as policy/wasmKernels/chain.ts).
 */
import type { Worker as NodeWorker, WorkerOptions } from 'node:worker_threads';
import type { EndpointFailure, PoolEndpoint, PoolResponse, SpawnPoolWorker } from './protocol';

interface NodeBuiltins {
  os: { availableParallelism?: () => number; cpus(): unknown[] };
  wt: { Worker: new (url: URL, opts: WorkerOptions) => NodeWorker };
}

/** Node's os and worker_threads, or null outside Node. */
function nodeBuiltins(): NodeBuiltins | null {
  const proc = typeof process !== 'undefined' ? (process as unknown as { getBuiltinModule?: (id: string) => unknown }) : null;
  if (!proc?.getBuiltinModule) return null;
  const os = proc.getBuiltinModule('node:os') as NodeBuiltins['os'] | undefined;
  const wt = proc.getBuiltinModule('node:worker_threads') as NodeBuiltins['wt'] | undefined;
  return os && wt ? { os, wt } : null;
}

/** Whether this thread can start worker_threads (Node). */
export function hasNodeWorkers(): boolean {
  return nodeBuiltins() !== null;
}

/** Logical cores Node may use (os.availableParallelism), or null outside Node. */
export function nodeCores(): number | null {
  const node = nodeBuiltins();
  return node ? (node.os.availableParallelism?.() ?? node.os.cpus().length) : null;
}

// Kept in a variable: a literal `new URL('./x', import.meta.url)` would make Vite copy the file into the app.
const ENTRY = './nodeWorker.mjs';

export interface NodeSpawnOptions {
  /** Worker entry module (default nodeWorker.mjs next to this file); tests point it at fault-injecting fixtures. */
  entry?: URL;
}

/** A spawn function for worker_threads; throws outside Node. */
export function nodeSpawn(opts: NodeSpawnOptions = {}): SpawnPoolWorker {
  const node = nodeBuiltins();
  if (!node) throw new Error('nodeSpawn: worker_threads are not available here (not Node ≥ 20.16); pass a spawn function to the pool.');
  const entry = opts.entry ?? new URL(ENTRY, import.meta.url);
  return (index) => {
    const worker = new node.wt.Worker(entry, { name: `dppo-sim-${index}` });
    worker.unref(); // held only while a request is in flight (PoolEndpoint.hold)
    let terminating = false;
    const endpoint: PoolEndpoint = {
      post: (msg, transfer) => worker.postMessage(msg, transfer),
      listen: (onMessage, onFailure) => {
        let failed = false;
        const fail = (f: EndpointFailure): void => {
          if (failed) return;
          failed = true;
          onFailure(f);
        };
        worker.on('message', (m: PoolResponse) => onMessage(m));
        worker.on('error', (e: Error) => fail({ message: e?.message ?? String(e) }));
        worker.on('messageerror', (e: Error) => fail({ message: `unreadable message: ${e?.message ?? String(e)}` }));
        worker.on('exit', (code: number) => {
          if (!terminating) fail({ message: `the worker thread exited (code ${code})` });
        });
      },
      hold: (busy) => (busy ? worker.ref() : worker.unref()),
      terminate: async () => {
        terminating = true;
        await worker.terminate();
      },
    };
    return endpoint;
  };
}
