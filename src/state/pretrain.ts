/**
 * Behaviour-cloning pre-training from the Experiments page (the worker's 'start-pretrain'): the form
 * (policy kind, epochs), the live job (epoch losses, progress within the epoch, status) and the checkpoints
 * pre-trained in this page session, which the experiment can fine-tune from instead of the bundled one.
 *
 * Session checkpoints live in the train worker as `session:<jobId>`; nothing here is persisted, so a
 * reload forgets them (the page says so).
 */
import { create } from 'zustand';
import type { Algo } from '../config/finetune';
import { defaultCheckpointFor } from '../sim/registry';
import type { PretrainPolicyKind, TrainResponse } from '../workers/protocol';
import type { TrainingData } from '../data/readers';
import { listenTrain, trainPort } from './trainPort';

export type { PretrainPolicyKind };
export type PretrainStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'done' | 'stopped' | 'error';

export const PRETRAIN_KINDS: readonly PretrainPolicyKind[] = ['diffusion-mlp', 'gaussian-mlp', 'gmm-mlp'];
/** Default epochs in the form (the bundled checkpoints were trained for 60, docs/checkpoints.md). */
export const DEFAULT_PRETRAIN_EPOCHS = 20;
export const BUNDLED_PRETRAIN_EPOCHS = 60;

export interface PretrainJob {
  id: string;
  task: string;
  kind: PretrainPolicyKind;
  totalEpochs: number;
  status: PretrainStatus;
  /** Mean BC loss of every completed epoch, in order. */
  losses: number[];
  /** Worker wall seconds at the end of every completed epoch. */
  epochWallS: number[];
  /** Fraction of the current epoch done, 0..1. */
  fraction: number;
  /** What the worker is doing before the first gradient step (e.g. "loading builtin:<task>/train"). */
  message?: string;
  error?: string;
  /** `session:<id>` once the job kept a checkpoint. */
  checkpoint?: string;
  /** performance.now() when the job was sent. */
  startedAt: number;
}

export interface SessionCheckpoint {
  ref: string;
  task: string;
  kind: PretrainPolicyKind;
  loss: number;
  epochs: number;
  /** Shown in the checkpoint selector instead of the pre-training description (e.g. a run's last good weights). */
  label?: string;
}

export interface PretrainState {
  /** Policy kind picked in the form; null follows the experiment's algorithm. */
  kindChoice: PretrainPolicyKind | null;
  epochs: number;
  job: PretrainJob | null;
  sessionCheckpoints: SessionCheckpoint[];
  /** Checkpoint chosen per `<task>/<algo>`; absent = the bundled one. */
  chosen: Record<string, string>;
}

export const usePretrain = create<PretrainState>(() => ({
  kindChoice: null,
  epochs: DEFAULT_PRETRAIN_EPOCHS,
  job: null,
  sessionCheckpoints: [],
  chosen: {},
}));

export function kindForAlgo(algo: Algo): PretrainPolicyKind {
  return algo === 'dppo' ? 'diffusion-mlp' : algo === 'gaussian' ? 'gaussian-mlp' : 'gmm-mlp';
}

export function isPretrainLive(job: PretrainJob | null): boolean {
  return !!job && (job.status === 'starting' || job.status === 'running' || job.status === 'paused' || job.status === 'stopping');
}

export interface CheckpointOption {
  ref: string;
  label: string;
  session: boolean;
}

export function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toPrecision(3) : '–';
}

/** The bundled checkpoint for the task/algorithm, then this session's pre-trained ones of the same kind, newest first. */
export function checkpointOptions(task: string, algo: Algo, sessions: readonly SessionCheckpoint[]): CheckpointOption[] {
  const kind = kindForAlgo(algo);
  const bundled = defaultCheckpointFor(task, algo);
  const mine = sessions
    .filter((c) => c.task === task && c.kind === kind)
    .map((c) => ({ ref: c.ref, label: c.label ?? `this session's pre-trained ${kind} (loss ${formatLoss(c.loss)}, ${c.epochs} ep)`, session: true }));
  return [{ ref: bundled, label: `bundled ${kind} (${bundled})`, session: false }, ...mine.reverse()];
}

/** The checkpoint fine-tuning starts from for the task/algorithm: the chosen one if still offered, else the bundled one. */
export function selectedCheckpoint(task: string, algo: Algo, s: Pick<PretrainState, 'chosen' | 'sessionCheckpoints'> = usePretrain.getState()): string {
  const ref = s.chosen[`${task}/${algo}`];
  const options = checkpointOptions(task, algo, s.sessionCheckpoints);
  return options.find((o) => o.ref === ref)?.ref ?? options[0].ref;
}

/** Offers a checkpoint kept in the train worker (`session:…`) in the selector; a ref already offered is replaced. */
export function addSessionCheckpoint(c: SessionCheckpoint): void {
  usePretrain.setState((s) => ({ sessionCheckpoints: [...s.sessionCheckpoints.filter((x) => x.ref !== c.ref), c] }));
}

export function selectCheckpoint(task: string, algo: Algo, ref: string): void {
  usePretrain.setState((s) => ({ chosen: { ...s.chosen, [`${task}/${algo}`]: ref } }));
}

export function setPretrainForm(patch: Partial<Pick<PretrainState, 'kindChoice' | 'epochs'>>): void {
  usePretrain.setState(patch);
}

let counter = 0;

/**
 * Starts pre-training in the train worker; returns the job id, or null when it cannot start.
 * @param data a dataset read by the data worker (Datasets page, "pre-train on this"): its arrays are
 *   transferred to the train worker; absent = the task's bundled demos.
 */
export function startPretrain(task: string, kind: PretrainPolicyKind, epochs: number, seed: number, data?: TrainingData & { name: string }): string | null {
  const port = trainPort();
  if (!port || isPretrainLive(usePretrain.getState().job)) return null;
  listenTrain('pretrain', onTrainResponse);
  const id = `pre-${Date.now().toString(36)}-${(counter++).toString(36)}`;
  const totalEpochs = Math.max(1, Math.floor(epochs));
  usePretrain.setState({
    job: { id, task, kind, totalEpochs, status: 'starting', losses: [], epochWallS: [], fraction: 0, message: 'starting', startedAt: performance.now() },
  });
  if (data) port.post({ type: 'start-pretrain', runId: id, task, policy: kind, epochs: totalEpochs, seed, data }, [data.states.buffer, data.actions.buffer, data.trajLengths.buffer]);
  else port.post({ type: 'start-pretrain', runId: id, task, policy: kind, epochs: totalEpochs, seed });
  return id;
}

function patchJob(id: string, patch: Partial<PretrainJob> | ((job: PretrainJob) => Partial<PretrainJob>)): void {
  usePretrain.setState((s) => {
    if (!s.job || s.job.id !== id) return s;
    return { job: { ...s.job, ...(typeof patch === 'function' ? patch(s.job) : patch) } };
  });
}

function control(type: 'pause' | 'resume' | 'stop', status: PretrainStatus): void {
  const { job } = usePretrain.getState();
  const port = trainPort();
  if (!job || !port || !isPretrainLive(job)) return;
  port.post({ type, runId: job.id });
  patchJob(job.id, { status });
}

export const pausePretrain = (): void => control('pause', 'paused');
export const resumePretrain = (): void => control('resume', 'running');
export const stopPretrain = (): void => control('stop', 'stopping');

function onTrainResponse(r: TrainResponse): void {
  const job = usePretrain.getState().job;
  if (!job) return;
  if (r.type === 'error' && r.runId === job.id && r.requestId === undefined) {
    if (isPretrainLive(job)) patchJob(job.id, { status: 'error', error: r.message });
    return;
  }
  if (r.type !== 'event' || r.runId !== job.id) return;
  const ev = r.event;
  switch (ev.type) {
    case 'progress':
      patchJob(job.id, (j) => ({
        fraction: ev.phase === 'pretrain' ? ev.fraction : j.fraction,
        message: ev.phase === 'pretrain' ? undefined : ev.message,
        status: j.status === 'starting' ? 'running' : j.status,
      }));
      return;
    case 'pretrain-epoch':
      patchJob(job.id, (j) => ({
        losses: [...j.losses.slice(0, ev.epoch), ev.loss],
        epochWallS: [...j.epochWallS.slice(0, ev.epoch), ev.wallS],
        fraction: 0,
        message: undefined,
        status: j.status === 'starting' ? 'running' : j.status,
      }));
      return;
    case 'done': {
      const ref = typeof ev.summary.checkpoint === 'string' ? ev.summary.checkpoint : undefined;
      patchJob(job.id, { status: ev.summary.stopped === true ? 'stopped' : 'done', checkpoint: ref, fraction: 0, message: undefined });
      if (ref) {
        const kept: SessionCheckpoint = { ref, task: job.task, kind: job.kind, loss: Number(ev.summary.final_loss), epochs: Number(ev.summary.epochs) };
        usePretrain.setState((s) => {
          const chosen = { ...s.chosen };
          // Fine-tuning the policy just pre-trained is the likely next step: select it for its algorithm.
          for (const algo of ['dppo', 'gaussian', 'gmm'] as const) if (kindForAlgo(algo) === job.kind) chosen[`${job.task}/${algo}`] = ref;
          return { sessionCheckpoints: [...s.sessionCheckpoints, kept], chosen };
        });
      }
      return;
    }
    case 'error':
      patchJob(job.id, { status: 'error', error: ev.message });
      return;
    default:
      return;
  }
}

/** Estimated ms left at `now`: from the recent epochs' durations, or from the first epoch's progress so far. */
export function pretrainEta(job: PretrainJob, now: number): number | null {
  const done = job.losses.length;
  let perEpochMs: number | null = null;
  if (done > 0) {
    const w = job.epochWallS;
    const recent = w.slice(-6);
    perEpochMs = recent.length > 1 ? ((recent[recent.length - 1] - recent[0]) / (recent.length - 1)) * 1000 : w[0] * 1000;
  } else if (job.fraction > 0.05) {
    perEpochMs = (now - job.startedAt) / job.fraction;
  }
  if (perEpochMs === null) return null;
  return Math.max(job.totalEpochs - done - job.fraction, 0) * perEpochMs;
}
