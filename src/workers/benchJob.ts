/**
 * The in-app benchmark inside the train worker (issue 12): the workload of bench/workload.ts — one chain for
 * the run's envs, one update minibatch, a short fine-tuning run and a few behaviour-cloning batches — on each
 * requested backend in turn, through BackendManager.runOn (the active backend is restored afterwards).
 * Each backend's figures go to the page as one 'bench-row' as soon as they are in; 'bench-done' closes.
 */
import { UserError } from '../core/errors';
import { defaultCheckpointFor } from '../sim/registry';
import { setMujocoVendorBase } from '../sim/mujoco';
import { runWorkload } from '../../bench/workload';
import { vendorUrl } from './assetBase';
import type { BackendManager } from './backend';
import type { BenchRow, TrainRequest, TrainResponse } from './protocol';
import { loadBuiltinDataset, loadCheckpoint } from './runAssets';
import { inspectorIdle, jobActive } from './trainRuns';
import { checkpointJobsIdle } from './checkpointJobs';

export type BenchRequest = Extract<TrainRequest, { type: 'bench' }>;

export async function runBenchJob(msg: BenchRequest, manager: BackendManager, post: (res: TrainResponse) => void): Promise<void> {
  const { requestId, spec } = msg;
  try {
    if (jobActive()) throw new UserError('A run or pre-training is going: stop it (or let it finish) before benchmarking.');
    // Inspector samples and checkpoint jobs asked for before the benchmark may still be running: they create and
    // release tensors (a cached policy replaced), which would count as the workload's (CI saw leakedTensors −1).
    // Later ones wait behind the benchmark (train.worker.ts serialises it with the backend messages).
    await Promise.all([inspectorIdle(), checkpointJobsIdle()]);
    if (typeof self !== 'undefined' && self.location) setMujocoVendorBase(vendorUrl('mujoco'));
    const checkpoint = await loadCheckpoint(defaultCheckpointFor(spec.task, spec.algo));
    const dataset = spec.pretrainBatches > 0 ? await loadBuiltinDataset(`builtin:${spec.task}/train`) : undefined;
    const bcData = dataset ? { states: dataset.obs, actions: dataset.act, trajLengths: dataset.episodeLengths, normalization: dataset.normalization } : undefined;
    const coverCheckpoints = (spec.coverItrs ?? 0) > 0
      ? { gaussian: await loadCheckpoint(defaultCheckpointFor(spec.task, 'gaussian')), gmm: await loadCheckpoint(defaultCheckpointFor(spec.task, 'gmm')) }
      : undefined;
    for (const backend of msg.backends) {
      const hw = manager.hardwareOf(backend);
      const row: BenchRow = { backend, software: hw.software, ...(hw.device ? { device: hw.device } : {}) };
      let part = 'start';
      try {
        row.result = await manager.runOn(backend, () => runWorkload(spec, { checkpoint, dataset: bcData, coverCheckpoints, onPart: (p) => (part = p) }));
      } catch (e) {
        row.error = `${part}: ${(e as Error).message ?? String(e)}`;
      }
      post({ type: 'bench-row', requestId, row });
    }
  } catch (e) {
    post({ type: 'error', runId: null, requestId, message: (e as Error).message ?? String(e) });
  }
}
