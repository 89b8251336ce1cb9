/**
 * The train worker: owns tfjs and its backend (backend.ts) and runs training/inspection jobs
 * (trainRuns.ts). Backend messages are serialised; run messages wait until the backend chosen so far is
 * active, but never wait for each other (a long run must not block pause/stop).
 */
import { BackendManager } from './backend';
import { vendorUrl } from './assetBase';
import { PROTOCOL_VERSION, type TrainRequest, type TrainResponse } from './protocol';
import { handleRunMessage } from './trainRuns';
import { handleCheckpointMessage } from './checkpointJobs';
import { runBenchJob } from './benchJob';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(res: TrainResponse, transfer: Transferable[] = []): void {
  scope.postMessage(res, transfer);
}

const manager = new BackendManager({ wasmPath: vendorUrl('tfjs') });
let backendOp: Promise<void> = Promise.resolve();

function onBackendMessage(run: () => Promise<void>): void {
  backendOp = backendOp.then(run).catch((e: unknown) => post({ type: 'error', runId: null, message: `Backend selection failed: ${(e as Error).message}` }));
}

scope.onmessage = (e: MessageEvent<TrainRequest>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'init':
      if (msg.version !== PROTOCOL_VERSION) {
        post({ type: 'error', runId: null, message: `Worker protocol ${PROTOCOL_VERSION} but the page speaks ${msg.version}: reload the page.` });
        return;
      }
      onBackendMessage(async () => post({ type: 'ready', version: PROTOCOL_VERSION, backend: await manager.select(msg.backend) }));
      return;
    case 'set-backend':
      onBackendMessage(async () => post({ type: 'backend', backend: await manager.select(msg.backend) }));
      return;
    case 'set-workload':
      onBackendMessage(async () => {
        const report = await manager.setWorkload(msg.workload);
        if (report) post({ type: 'workload-timed', backend: report });
      });
      return;
    case 'bench':
      // Serialised with the backend messages: the benchmark switches backends and then restores the active one.
      onBackendMessage(async () => {
        await runBenchJob(msg, manager, post);
        post({ type: 'bench-done', requestId: msg.requestId, backend: await manager.select(manager.requestedChoice) });
      });
      return;
    case 'checkpoint':
      void backendOp.then(() => handleCheckpointMessage(msg, post));
      return;
    default:
      void backendOp.then(() => handleRunMessage(msg, post)).catch((err: unknown) =>
        post({ type: 'error', runId: 'runId' in msg ? msg.runId : null, message: (err as Error).message ?? String(err) }),
      );
  }
};
