/**
 * Typed main-thread wrapper of the data worker (dataProtocol.ts). Each call returns a promise for its answer;
 * `read` streams progress to a callback and can be cancelled. A worker that fails to load or dies answers
 * every pending request with an error, and the next call starts a fresh worker.
 */
import type { ReadProgress, TrainingData } from '../data/readers';
import type { DataRequest, DataResponse, DatasetView, EpisodeSignals } from './dataProtocol';

export type { DatasetView, EpisodeSignals, PathPreview } from './dataProtocol';
export type { ReadProgress, TrainingData };

interface Pending {
  resolve: (r: DataResponse) => void;
  reject: (e: Error) => void;
  onProgress?: (p: ReadProgress) => void;
}

export class DataClientError extends Error {
  constructor(
    message: string,
    readonly cancelled = false,
  ) {
    super(message);
    this.name = 'DataClientError';
  }
}

export class DataClient {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;

  constructor(private readonly spawn: () => Worker = () => new Worker(new URL('./data.worker.ts', import.meta.url), { type: 'module', name: 'dppo-data' })) {}

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = this.spawn();
    w.onmessage = (e: MessageEvent<DataResponse>) => this.receive(e.data);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.failAll(`The data worker failed: ${e.message || 'it could not be loaded'}.`);
      w.terminate();
      this.worker = null;
    };
    this.worker = w;
    return w;
  }

  private failAll(message: string): void {
    for (const p of this.pending.values()) p.reject(new DataClientError(message));
    this.pending.clear();
  }

  private receive(r: DataResponse): void {
    const p = this.pending.get(r.reqId);
    if (!p) return;
    if (r.type === 'progress') {
      p.onProgress?.(r.progress);
      return;
    }
    this.pending.delete(r.reqId);
    if (r.type === 'error') p.reject(new DataClientError(r.message, r.cancelled));
    else p.resolve(r);
  }

  private request<T extends DataResponse['type']>(req: DataRequest & { reqId: number }, onProgress?: (p: ReadProgress) => void): Promise<Extract<DataResponse, { type: T }>> {
    const w = this.ensure();
    return new Promise((resolve, reject) => {
      this.pending.set(req.reqId, { resolve: resolve as (r: DataResponse) => void, reject, onProgress });
      w.postMessage(req);
    });
  }

  /** Reads dropped files (one dataset, optionally with its normalization.npz). Returns the request id (for cancel) and the answer. */
  read(files: { name: string; blob: Blob }[], onProgress?: (p: ReadProgress) => void, filterKey?: string): { reqId: number; done: Promise<DatasetView> } {
    const reqId = ++this.seq;
    const done = this.request<'read-done'>({ type: 'read', reqId, files, filterKey }, onProgress).then((r) => r.view);
    return { reqId, done };
  }

  readBundled(ref: string, onProgress?: (p: ReadProgress) => void): { reqId: number; done: Promise<DatasetView> } {
    const reqId = ++this.seq;
    return { reqId, done: this.request<'read-done'>({ type: 'read-bundled', reqId, ref }, onProgress).then((r) => r.view) };
  }

  cancel(reqId: number): void {
    this.worker?.postMessage({ type: 'cancel', reqId } satisfies DataRequest);
  }

  analyze(key: string, task: string | null): Promise<DatasetView> {
    return this.request<'analysis'>({ type: 'analyze', reqId: ++this.seq, key, task }).then((r) => r.view);
  }

  episode(key: string, index: number): Promise<EpisodeSignals> {
    return this.request<'episode'>({ type: 'episode', reqId: ++this.seq, key, index }).then((r) => r.episode);
  }

  trainingData(key: string): Promise<TrainingData> {
    return this.request<'training-data'>({ type: 'training-data', reqId: ++this.seq, key }).then((r) => r.data);
  }

  forget(key: string): void {
    this.worker?.postMessage({ type: 'forget', key } satisfies DataRequest);
  }

  dispose(): void {
    this.failAll('The data worker was closed.');
    this.worker?.terminate();
    this.worker = null;
  }
}
