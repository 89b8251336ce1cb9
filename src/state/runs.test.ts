/**
 * The run store against a stand-in train worker (issue 13): collapse warnings are kept per run; a divergence
 * error keeps the run's last good weights and offers them in the checkpoint selector; the ETA counts only
 * running time (the worker's iteration time, and nothing while paused).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveFinetuneConfig } from '../config/finetune';
import { taskFamily } from '../sim/registry';
import type { TrainEvent } from '../train/events';
import { PROTOCOL_VERSION, type TrainRequest, type TrainResponse } from '../workers/protocol';
import { TrainClient } from '../workers/trainClient';
import { setClients, type Clients } from './clients';
import { checkpointOptions, usePretrain } from './pretrain';
import { pauseRun, resumeRun, startRun, timeEstimate, useRuns, type Run, type RunProgress } from './runs';

const posted: TrainRequest[] = [];
let deliver: (r: TrainResponse) => void = () => undefined;

beforeAll(async () => {
  const worker = {
    postMessage: (m: TrainRequest) => posted.push(m),
    onmessage: null as ((e: MessageEvent<TrainResponse>) => void) | null,
    onerror: null,
    terminate: () => undefined,
  };
  const train = new TrainClient(worker as unknown as Worker, 'auto');
  deliver = (r) => worker.onmessage?.({ data: r } as MessageEvent<TrainResponse>);
  setClients({ train } as unknown as Clients);
  // The client holds run requests until the worker is ready (start-up ordering): the stand-in is ready at once.
  deliver({ type: 'ready', version: PROTOCOL_VERSION, backend: { active: 'cpu', requested: 'auto', probes: [], wasmThreads: 1, crossOriginIsolated: false } });
  await train.ready;
  await new Promise((r) => setTimeout(r, 0));
});

const config = resolveFinetuneConfig(taskFamily('avoid-m2').presets.laptop('avoid-m2', 'dppo', 0), { nTrainItr: 10 });
const event = (runId: string, ev: TrainEvent) => deliver({ type: 'event', runId, event: ev });

describe('run store', () => {
  it('keeps collapse warnings, and a divergence error with the last good weights offered as a checkpoint', () => {
    const id = startRun(config, 'builtin:avoid-m2/diffusion-mlp', 'laptop')!;
    expect(posted.at(-1)).toMatchObject({ type: 'start-finetune', runId: id });
    event(id, { type: 'start', runId: id, totalIterations: 10, envStepsPerIteration: 100 });
    event(id, { type: 'iteration', itr: 0, envSteps: 100, wallS: 1, metrics: { 'time/iteration_s': 1 } });
    event(id, { type: 'warning', itr: 0, kind: 'kl', metric: 'losses/approx_kl', message: 'KL blew up' });
    expect(useRuns.getState().runs[id].warnings).toEqual([{ itr: 0, kind: 'kl', metric: 'losses/approx_kl', message: 'KL blew up' }]);
    event(id, { type: 'error', message: 'Training diverged at iteration 1: …', lastGood: { checkpoint: `session:${id}`, itr: 0 } });
    const run = useRuns.getState().runs[id];
    expect(run).toMatchObject({ status: 'error', error: 'Training diverged at iteration 1: …', lastGood: { checkpoint: `session:${id}`, itr: 0 } });
    const offered = checkpointOptions('avoid-m2', 'dppo', usePretrain.getState().sessionCheckpoints);
    expect(offered.find((o) => o.ref === `session:${id}`)?.label).toMatch(/^last good weights of .* \(after itr 0\)$/);
  });

  it('times iterations by the worker\'s running time and holds the estimate while paused', () => {
    const id = startRun(config, 'builtin:avoid-m2/diffusion-mlp', 'laptop')!;
    event(id, { type: 'start', runId: id, totalIterations: 10, envStepsPerIteration: 100 });
    event(id, { type: 'iteration', itr: 0, envSteps: 100, wallS: 2, metrics: { 'time/iteration_s': 2 } });
    const p = useRuns.getState().progress!;
    expect(p).toMatchObject({ runId: id, itr: 1, itrMs: [2000], pausedMs: 0, pausedAt: null });
    pauseRun();
    const paused = useRuns.getState().progress!;
    expect(paused.pausedAt).not.toBeNull();
    const run = useRuns.getState().runs[id];
    // Paused: the estimate does not move however long the pause lasts.
    const a = timeEstimate(paused, run, paused.pausedAt! + 1000);
    const b = timeEstimate(paused, run, paused.pausedAt! + 60_000);
    expect(b).toEqual(a);
    resumeRun();
    expect(useRuns.getState().progress!.pausedAt).toBeNull();
    expect(useRuns.getState().progress!.pausedMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps the config the worker runs with (e.g. sized for a real GPU), so the record says what ran', () => {
    const id = startRun(config, 'builtin:avoid-m2/diffusion-mlp', 'laptop')!;
    const sized = { ...config, nEnvs: config.nEnvs * 2, batchSize: config.batchSize * 2 };
    event(id, { type: 'start', runId: id, totalIterations: 10, envStepsPerIteration: 200, config: sized });
    expect(useRuns.getState().runs[id].config).toEqual(sized);
    expect(useRuns.getState().runs[id].envStepsPerIteration).toBe(200);
  });

  it('the estimate subtracts finished pauses of the current iteration', () => {
    const run = { totalIterations: 10 } as Run;
    const base: RunProgress = { runId: 'r', phase: 'update', itr: 2, fraction: 0.5, itrStartedAt: 0, itrMs: [10_000, 10_000], pausedMs: 0, pausedAt: null };
    expect(timeEstimate(base, run, 4000)).toEqual({ itrLeftMs: 6000, runLeftMs: 6000 + 7 * 10_000 });
    expect(timeEstimate({ ...base, pausedMs: 3000 }, run, 7000).itrLeftMs).toBe(6000);
    expect(timeEstimate({ ...base, pausedAt: 2000 }, run, 9000).itrLeftMs).toBe(8000);
  });
});
