/**
 * Start-up ordering of the inspector (issue 13, item 1) against a stand-in train worker: the first requests
 * wait for the worker's 'ready'; a failed request is asked again instead of leaving its row empty, and the
 * error is shown only when the retries fail too.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION, type InspectResult, type TrainRequest, type TrainResponse } from '../workers/protocol';
import { TrainClient } from '../workers/trainClient';
import { setClients, type Clients } from './clients';
import { requestClouds, useInspector } from './inspector';

const posted: TrainRequest[] = [];
let deliver: (r: TrainResponse) => void = () => undefined;
let train: TrainClient;

beforeAll(() => {
  const worker = {
    postMessage: (m: TrainRequest) => posted.push(m),
    onmessage: null as ((e: MessageEvent<TrainResponse>) => void) | null,
    onerror: null,
    terminate: () => undefined,
  };
  train = new TrainClient(worker as unknown as Worker, 'auto');
  deliver = (r) => worker.onmessage?.({ data: r } as MessageEvent<TrainResponse>);
  setClients({ train } as unknown as Clients);
});

afterEach(() => {
  vi.useRealTimers();
});

const inspects = () => posted.filter((m): m is Extract<TrainRequest, { type: 'inspect' }> => m.type === 'inspect');
const result = (m: Extract<TrainRequest, { type: 'inspect' }>): InspectResult => ({
  requestId: m.requestId,
  policy: m.policy,
  stepLabels: [0],
  steps: [new Float32Array(2 * m.n)],
  actionDim: 2,
  itr: -1,
  mode: 'exploration',
});
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('inspector start-up', () => {
  it('holds the first requests until the worker is ready', async () => {
    requestClouds();
    expect(inspects()).toHaveLength(0);
    expect(useInspector.getState().busy).toBe(true);
    deliver({ type: 'ready', version: PROTOCOL_VERSION, backend: { active: 'cpu', requested: 'auto', probes: [], wasmThreads: 1, crossOriginIsolated: false } });
    await train.ready;
    await tick();
    expect(inspects().map((m) => m.policy)).toEqual(['pretrained', 'current']);
  });

  it('asks a failed request again and fills the row', async () => {
    const [pre, cur] = inspects();
    deliver({ type: 'error', runId: null, requestId: pre.requestId, message: "Cannot read properties of undefined (reading 'backend')" });
    deliver({ type: 'inspect-result', result: result(cur) });
    expect(useInspector.getState().current?.requestId).toBe(cur.requestId);
    expect(useInspector.getState().error).toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    const retry = inspects().at(-1)!;
    expect(retry).toMatchObject({ policy: 'pretrained' });
    expect(retry.requestId).toBeGreaterThan(cur.requestId);
    deliver({ type: 'inspect-result', result: result(retry) });
    const s = useInspector.getState();
    expect(s.pretrained?.requestId).toBe(retry.requestId);
    expect(s.pretrained?.steps[0].length).toBe(2 * s.n);
    expect(s.error).toBeNull();
    expect(s.busy).toBe(false);
  });

  it('shows the error once the retries failed too', async () => {
    vi.useFakeTimers();
    requestClouds(['pretrained']);
    for (let attempt = 0; attempt < 3; attempt++) {
      const m = inspects().at(-1)!;
      deliver({ type: 'error', runId: null, requestId: m.requestId, message: 'no checkpoint' });
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(useInspector.getState().error).toBe('no checkpoint');
    expect(inspects().filter((m) => m.policy === 'pretrained').length).toBe(1 + 1 + 3);
  });
});
