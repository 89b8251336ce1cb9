/**
 * Typed main-thread wrapper of the train worker (design §5.6). `ready` resolves with the first backend
 * report; every response is delivered to subscribers in order. A worker that fails to load is reported as
 * an `error` response (runId null).
 *
 * Start-up ordering: run and inspector requests posted before the worker's 'ready' are held here and sent,
 * in order, once it arrives (or once the start failed, so each request still gets its own answer). Only the
 * backend messages ('init', 'set-backend') go at once; the worker serialises those itself.
 */
import { PROTOCOL_VERSION, type BackendName, type BackendReport, type TrainRequest, type TrainResponse } from './protocol';

export type TrainListener = (res: TrainResponse) => void;

export class TrainClient {
  /** Resolves with the backend report of the worker's 'ready'; rejects if the worker fails first. */
  readonly ready: Promise<BackendReport>;
  private readonly listeners = new Set<TrainListener>();
  private disposed = false;
  /** Requests waiting for the worker's first answer to 'init'; null once it came. */
  private held: [TrainRequest, Transferable[]][] | null = [];

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
    this.ready.then(
      () => this.release(),
      () => this.release(),
    );
    worker.onmessage = (e: MessageEvent<TrainResponse>) => this.emit(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.emit({ type: 'error', runId: null, message: `The training worker failed: ${e.message || 'it could not be loaded'}.` });
    };
    this.post({ type: 'init', version: PROTOCOL_VERSION, backend });
  }

  post(req: TrainRequest, transfer: Transferable[] = []): void {
    if (this.disposed) throw new Error('TrainClient: post after dispose');
    if (this.held && req.type !== 'init' && req.type !== 'set-backend') this.held.push([req, transfer]);
    else this.worker.postMessage(req, transfer);
  }

  /** True while requests are held because the worker has not reported 'ready' yet. */
  get starting(): boolean {
    return this.held !== null;
  }

  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    if (this.disposed) return;
    for (const [req, transfer] of held) this.worker.postMessage(req, transfer);
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
