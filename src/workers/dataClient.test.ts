import { describe, expect, it } from 'vitest';
import type { DataRequest, DataResponse } from './dataProtocol';
import { DataClient, DataClientError } from './dataClient';

/** A stand-in worker: records requests; the test answers through `reply`. */
class FakeWorker {
  onmessage: ((e: MessageEvent<DataResponse>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  sent: DataRequest[] = [];
  terminated = false;
  postMessage(m: DataRequest) {
    this.sent.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  reply(m: DataResponse) {
    this.onmessage?.({ data: m } as MessageEvent<DataResponse>);
  }
}

describe('DataClient', () => {
  it('routes progress to the read that asked, resolves its view, and sends cancel for its id', async () => {
    const workers: FakeWorker[] = [];
    const c = new DataClient(() => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    });
    const seen: number[] = [];
    const { reqId, done } = c.read([{ name: 'a.hdf5', blob: new Blob([]) }], (p) => seen.push(p.done));
    const w = workers[0];
    w.reply({ type: 'progress', reqId, progress: { phase: 'demo', done: 3, total: 10, etaS: 2 } });
    w.reply({ type: 'progress', reqId: reqId + 99, progress: { phase: 'x', done: 9, total: 10, etaS: 1 } });
    w.reply({ type: 'read-done', reqId, view: { key: 'ds-1' } as never });
    expect((await done).key).toBe('ds-1');
    expect(seen).toEqual([3]);
    c.cancel(reqId);
    expect(w.sent.at(-1)).toEqual({ type: 'cancel', reqId });
  });

  it('an error answer rejects with the message (cancelled flagged); a dead worker fails pending requests and is replaced', async () => {
    const workers: FakeWorker[] = [];
    const c = new DataClient(() => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    });
    const a = c.read([{ name: 'x', blob: new Blob([]) }]);
    workers[0].reply({ type: 'error', reqId: a.reqId, message: 'x is not a format we read', cancelled: false });
    await expect(a.done).rejects.toThrow(/not a format we read/);
    const b = c.read([{ name: 'y', blob: new Blob([]) }]);
    workers[0].reply({ type: 'error', reqId: b.reqId, message: 'cancelled', cancelled: true });
    await expect(b.done).rejects.toMatchObject({ cancelled: true });
    const pending = c.episode('ds-1', 0);
    workers[0].onerror?.({ message: 'boom', preventDefault() {} } as ErrorEvent);
    await expect(pending).rejects.toBeInstanceOf(DataClientError);
    expect(workers[0].terminated).toBe(true);
    void c.analyze('ds-1', null).catch(() => undefined);
    expect(workers).toHaveLength(2);
  });
});
