/**
 * Typed main-thread wrapper of the train worker (design §5.6). `ready` resolves with the first backend
 * report; every response is delivered to subscribers in order. A worker that fails to load is reported as
 * an `error` response (runId null).
 */
import { PROTOCOL_VERSION, type BackendName, type BackendReport, type TrainRequest, type TrainResponse } from './protocol';

export type TrainListener = (res: TrainResponse) => void;

export class TrainClient {
  /** Resolves with the backend report of the worker's 'ready'; rejects if the worker fails first. */
  readonly ready: Promise<BackendReport>;
  private readonly listeners = new Set<TrainListener>();
  private disposed = false;

  constructor(
    private readonly worker: Worker,
    backend: BackendName | 'auto',
  ) {
    this.ready = new Promise<BackendReport>((resolve, reject) => {
      const off = this.subscribe((res) => {
        if (res.type === 'ready') {
          off();
          resolve(res.backend);
        } else if (res.type === 'error' && res.runId === null) {
          off();
          reject(new Error(res.message));
        }
      });
    });
    this.ready.catch(() => undefined);
    worker.onmessage = (e: MessageEvent<TrainResponse>) => this.emit(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.emit({ type: 'error', runId: null, message: `The training worker failed: ${e.message || 'it could not be loaded'}.` });
    };
    this.post({ type: 'init', version: PROTOCOL_VERSION, backend });
  }

  post(req: TrainRequest, transfer: Transferable[] = []): void {
    if (this.disposed) throw new Error('TrainClient: post after dispose');
    this.worker.postMessage(req, transfer);
  }

  /** Adds a listener for every response; returns its remover. */
  subscribe(listener: TrainListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Switches the backend ('auto' re-runs the automatic choice); the answer arrives as a 'backend' response. */
  setBackend(backend: BackendName | 'auto'): void {
    this.post({ type: 'set-backend', backend });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.listeners.clear();
    this.worker.terminate();
  }

  private emit(res: TrainResponse): void {
    for (const l of [...this.listeners]) l(res);
  }
}
