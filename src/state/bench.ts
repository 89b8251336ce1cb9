/**
 * The in-app benchmark (backend popover → Benchmark) and the workload hint for the automatic backend choice
 * (issue 12). The page names the current experiment's task, algorithm, envs and minibatch to the train worker
 * ('set-workload') whenever they change, so the automatic choice times that work; the benchmark asks the worker
 * to run the workload (bench/workload.ts) on every chosen backend and collects one row per backend.
 */
import { create } from 'zustand';
import type { Algo } from '../config/finetune';
import type { BackendName, BenchRow, TrainResponse, WorkloadSpec } from '../workers/protocol';
import type { BackendReport } from '../workers/protocol';
import { useApp } from './app';
import { configOf, useExperiment } from './experiment';
import { listenTrain, trainPort } from './trainPort';

/** Sizes the user can change in the benchmark panel (the rest come from the task's laptop preset); their
 * meaning is documented on WorkloadSpec. `coverItrs` > 0 adds the GPU parity paths. */
export type BenchSizes = Pick<WorkloadSpec, 'nEnvs' | 'batchSize' | 'finetuneIters' | 'finetuneEnvs' | 'finetuneSteps' | 'finetuneBatch' | 'pretrainBatches' | 'pretrainBatchSize'> &
  Required<Pick<WorkloadSpec, 'coverItrs'>>;

export interface BenchState {
  running: boolean;
  requestId: number;
  /** What the last run measured (task, algorithm, sizes). */
  spec: WorkloadSpec | null;
  rows: BenchRow[];
  error: string | null;
}

export const useBench = create<BenchState>()(() => ({ running: false, requestId: 0, spec: null, rows: [], error: null }));

/** Default sizes: the experiment's envs and minibatch (capped), one short fine-tuning iteration, 4 BC batches. */
export function defaultBenchSizes(): BenchSizes {
  const e = useExperiment.getState();
  let cfg: { nEnvs: number; batchSize: number };
  try {
    cfg = configOf(e);
  } catch {
    cfg = { nEnvs: 32, batchSize: 1600 };
  }
  return {
    nEnvs: Math.min(cfg.nEnvs, 256),
    batchSize: Math.min(cfg.batchSize, 1600),
    finetuneIters: 1,
    finetuneEnvs: 4,
    finetuneSteps: 5,
    finetuneBatch: 200,
    pretrainBatches: 4,
    pretrainBatchSize: 128,
    coverItrs: 0,
  };
}

/** A report that answers no backend request: shown, but a pending switch stays pending. */
function quietReport(report: BackendReport): void {
  useApp.setState((s) => (s.backend.pending ? s : { backend: { ...s.backend, report } }));
}

function onResponse(r: TrainResponse): void {
  if (r.type === 'workload-timed') return quietReport(r.backend);
  const s = useBench.getState();
  if (r.type === 'bench-row' && r.requestId === s.requestId) useBench.setState({ rows: [...s.rows, r.row] });
  else if (r.type === 'bench-done' && r.requestId === s.requestId) {
    useBench.setState({ running: false });
    quietReport(r.backend);
  } else if (r.type === 'error' && r.requestId !== undefined && r.requestId === s.requestId && s.running) {
    useBench.setState({ running: false, error: r.message });
  }
}

let nextRequest = 1_000_000; // apart from the inspector's request ids

/** Runs the benchmark on `backends` for the current experiment's task and algorithm. */
export function runBench(backends: BackendName[], sizes: BenchSizes): void {
  const port = trainPort();
  if (!port || useBench.getState().running) return;
  listenTrain('bench', onResponse);
  const e = useExperiment.getState();
  const spec: WorkloadSpec = { task: e.task, algo: e.algo as Algo, seed: e.seed, ...sizes, reps: 5, budgetMs: 3000 };
  const requestId = nextRequest++;
  useBench.setState({ running: true, requestId, spec, rows: [], error: null });
  port.post({ type: 'bench', requestId, spec, backends });
}

/** Keeps the worker's automatic choice timing the current experiment's work. */
let lastWorkload = '';
export function followWorkload(): void {
  const send = () => {
    const port = trainPort();
    if (!port) return;
    const e = useExperiment.getState();
    let cfg: { nEnvs: number; batchSize: number };
    try {
      cfg = configOf(e);
    } catch {
      return; // an invalid form: keep timing the last valid work
    }
    const workload = { task: e.task, algo: e.algo as Algo, nEnvs: Math.min(cfg.nEnvs, 256), batchSize: Math.min(cfg.batchSize, 1600) };
    const key = JSON.stringify(workload);
    if (key === lastWorkload) return;
    lastWorkload = key;
    listenTrain('bench', onResponse);
    port.post({ type: 'set-workload', workload });
  };
  send();
  let timer: ReturnType<typeof setTimeout> | null = null;
  useExperiment.subscribe(() => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(send, 800); // typing a number: time the value, not every keystroke
  });
}
