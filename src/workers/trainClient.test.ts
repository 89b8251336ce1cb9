/**
 * Start-up ordering of the train worker's client (issue 13, item 1): requests posted before the worker's
 * 'ready' are held and sent in order once it arrives (or once the start failed); backend messages go at once.
 */
import { describe, expect, it } from 'vitest';
import type { BackendReport, TrainRequest, TrainResponse } from './protocol';
import { TrainClient } from './trainClient';

class FakeWorker {
  sent: TrainRequest[] = [];
  onmessage: ((e: MessageEvent<TrainResponse>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  postMessage(req: TrainRequest): void {
    this.sent.push(req);
  }
  terminate(): void {}
  answer(res: TrainResponse): void {
    this.onmessage?.({ data: res } as MessageEvent<TrainResponse>);
  }
}

const report = { active: 'cpu', requested: 'auto', probes: [], wasmThreads: 1, crossOriginIsolated: false } as unknown as BackendReport;
const inspect = (requestId: number): TrainRequest => ({ type: 'inspect', requestId, runId: null, checkpoint: 'c', policy: 'pretrained', obs: [0], n: 4, seed: 0 });
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('TrainClient start-up ordering', () => {
  it('holds run and inspector requests until ready, then sends them in order', async () => {
    const w = new FakeWorker();
    const c = new TrainClient(w as unknown as Worker, 'auto');
    c.post(inspect(1));
    c.setBackend('wasm');
    c.post(inspect(2));
    expect(c.starting).toBe(true);
    expect(w.sent.map((r) => r.type)).toEqual(['init', 'set-backend']);
    w.answer({ type: 'ready', version: (w.sent[0] as { version: number }).version, backend: report });
    await flush();
    expect(c.starting).toBe(false);
    expect(w.sent.map((r) => (r.type === 'inspect' ? `inspect ${r.requestId}` : r.type))).toEqual(['init', 'set-backend', 'inspect 1', 'inspect 2']);
    c.post(inspect(3));
    expect(w.sent.at(-1)).toMatchObject({ type: 'inspect', requestId: 3 });
  });

  it('sends the held requests when the worker fails to start, so each one is still answered', async () => {
    const w = new FakeWorker();
    const c = new TrainClient(w as unknown as Worker, 'auto');
    c.post(inspect(7));
    w.answer({ type: 'error', runId: null, message: 'Backend selection failed: no' });
    await expect(c.ready).rejects.toThrow(/no/);
    await flush();
    expect(w.sent.map((r) => r.type)).toEqual(['init', 'inspect']);
  });

  it('sends nothing after dispose', async () => {
    const w = new FakeWorker();
    const c = new TrainClient(w as unknown as Worker, 'auto');
    c.post(inspect(1));
    c.dispose();
    w.answer({ type: 'ready', version: 0, backend: report });
    await flush();
    expect(w.sent.map((r) => r.type)).toEqual(['init']);
  });
});
