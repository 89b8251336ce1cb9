/**
 * Fine-tuning runs: their configs, status, per-iteration scalars (one point per iteration, deltas from
 * TrainEvent 'iteration'), the live progress of the active run and the latest iteration's env paths.
 * Runs are persisted to IndexedDB (src/data/runs.ts) as they go; a reload restores them and marks runs that
 * were going as 'interrupted'. Progress events are coalesced to ≤ 10 updates/s so React stays calm.
 *
 * Runs persist and resume (issue 10, docs/runs.md): the worker sends the training state every `stateEvery`
 * iterations ('train-state'); it is stored with the run, and an interrupted or stopped run whose state is
 * saved can be continued (`continueRun`) from it. A run can be exported as one file and opened in any
 * browser (`exportRunFile`, `importRunFile`; data/runFile.ts).
 */
import { create } from 'zustand';
import type { FinetuneConfig } from '../config/finetune';
import { STATE_EVERY_DEFAULT } from '../config/runState';
import { UserError } from '../core/errors';
import { checkpointStore, contentId, isStoredRef, storedId, storedRef } from '../data/checkpointStore';
import { buildRunFile, readRunFile, sha256Hex, type FileHash } from '../data/runFile';
import { openRunsDb, StorageQuotaError, type RunsDb, type RunStatus, type RunWarning, type StoredPoint, type StoredRun } from '../data/runs';
import { isBuiltin, resolveBuiltin } from '../sim/registry';
import { version as APP_VERSION } from '../../package.json';
import type { EnvPath, Phase, TrainEvent } from '../train/events';
import type { RunEnvRequest, TrainResponse } from '../workers/protocol';
import { addSessionCheckpoint, kindForAlgo } from './pretrain';
import { listenTrain, trainPort } from './trainPort';

export type { RunStatus, RunWarning };
export type RunPoint = Omit<StoredPoint, 'runId'>;
export interface Run extends StoredRun {
  points: RunPoint[];
  /** The last failed save of the training state (storage quota, …); the previous state is still there. */
  storageError?: string;
  /** Why this run saves no training state (it cannot be resumed), when so. */
  stateUnavailable?: string;
}

export interface RunProgress {
  runId: string;
  phase: Phase;
  itr: number;
  /** Fraction of the current phase done, 0..1. */
  fraction: number;
  message?: string;
  /** performance.now() when the current iteration's first event arrived. */
  itrStartedAt: number;
  /** Running (un-paused) ms of the completed iterations (latest last, at most 20 kept). */
  itrMs: number[];
  /** Ms the current iteration has spent paused (finished pauses). */
  pausedMs: number;
  /** performance.now() when the ongoing pause began; null while running. */
  pausedAt: number | null;
}

export interface RunsState {
  runs: Record<string, Run>;
  /** Run ids, newest first. */
  order: string[];
  /** The run the worker is executing (or last executed in this page session). */
  activeRunId: string | null;
  progress: RunProgress | null;
  /** Env paths of the active run's latest iteration (Fig. 9). */
  paths: { runId: string; itr: number; paths: EnvPath[] } | null;
  /** Set once the persisted runs are loaded. */
  hydrated: boolean;
}

export const useRuns = create<RunsState>(() => ({ runs: {}, order: [], activeRunId: null, progress: null, paths: null, hydrated: false }));

/** Runs that are still executing (or about to). */
export function isLive(status: RunStatus): boolean {
  return status === 'starting' || status === 'running' || status === 'paused' || status === 'stopping';
}

const MAX_RUNS = 24;
let db: RunsDb | null = null;
let hydrating: Promise<void> | null = null;
let counter = 0;

function meta(run: Run): StoredRun {
  const { points: _points, ...rest } = run;
  return rest;
}

function persistRun(id: string): void {
  const run = useRuns.getState().runs[id];
  if (db && run) void db.putRun(meta(run)).catch(() => undefined);
}

function patchRun(id: string, patch: Partial<Run>, persist = true): void {
  useRuns.setState((s) => (s.runs[id] ? { runs: { ...s.runs, [id]: { ...s.runs[id], ...patch } } } : s));
  if (persist) persistRun(id);
}

/** Loads persisted runs once (also connects the worker listener). */
export function hydrateRuns(): Promise<void> {
  listenTrain('runs', onTrainResponse);
  if (!hydrating) {
    hydrating = (async () => {
      db = await openRunsDb().catch(() => null);
      if (!db) {
        useRuns.setState({ hydrated: true });
        return;
      }
      const { runs, points } = await db.loadAll().catch(() => ({ runs: [] as StoredRun[], points: new Map<string, StoredPoint[]>() }));
      const restored: Record<string, Run> = {};
      for (const r of runs) {
        const status: RunStatus = isLive(r.status) ? 'interrupted' : r.status;
        restored[r.id] = { ...r, status, points: (points.get(r.id) ?? []).map(({ runId: _r, ...p }) => p) };
        if (status !== r.status) void db.putRun({ ...r, status });
      }
      useRuns.setState((s) => {
        const merged = { ...restored, ...s.runs };
        const order = Object.values(merged).sort((a, b) => b.createdAt - a.createdAt).map((r) => r.id);
        return { runs: merged, order, hydrated: true };
      });
    })();
  }
  return hydrating;
}

function nextColor(runs: Record<string, Run>): number {
  const used = new Set(Object.values(runs).filter((r) => !r.hidden).map((r) => r.colorIndex));
  for (let i = 0; ; i++) if (!used.has(i)) return i;
}

function prune(): void {
  const s = useRuns.getState();
  let excess = s.order.length - MAX_RUNS;
  const oldestFirst = s.order.filter((id) => !s.runs[id].pinned && !isLive(s.runs[id].status)).reverse();
  for (const id of oldestFirst) {
    if (excess-- <= 0) break;
    deleteRun(id);
  }
}

export function runLabel(config: FinetuneConfig, preset: string): string {
  const algo = config.algo === 'dppo' ? 'DPPO' : config.algo === 'gaussian' ? 'Gaussian' : 'GMM';
  return `${algo} · ${config.task} · ${preset} · s${config.seed}`;
}

/**
 * How a run is started besides its settings: bridge-hosted envs (the request carries the token, the record
 * only `source`: URL, backend, session) and/or a checkpoint given as bytes (`checkpoint` then names it).
 */
export interface RunStartExtras {
  env?: { request: RunEnvRequest; source: NonNullable<StoredRun['env']> };
  checkpointBytes?: ArrayBuffer;
}

/** Starts a run in the train worker; returns its id, or null when the worker is not connected. */
export function startRun(config: FinetuneConfig, checkpoint: string, preset: string, extras: RunStartExtras = {}): string | null {
  const port = trainPort();
  if (!port) return null;
  void hydrateRuns();
  listenTrain('runs', onTrainResponse);
  const id = `run-${Date.now().toString(36)}-${(counter++).toString(36)}`;
  const s = useRuns.getState();
  const run: Run = {
    id,
    label: runLabel(config, preset) + (extras.env ? ` · ${extras.env.source.backend} bridge` : ''),
    config,
    checkpoint,
    ...(extras.env ? { env: extras.env.source } : {}),
    preset,
    createdAt: Date.now(),
    status: 'starting',
    colorIndex: nextColor(s.runs),
    pinned: false,
    hidden: false,
    totalIterations: config.nTrainItr,
    envStepsPerIteration: 0,
    points: [],
  };
  useRuns.setState({
    runs: { ...s.runs, [id]: run },
    order: [id, ...s.order],
    activeRunId: id,
    progress: { runId: id, phase: 'idle', itr: 0, fraction: 0, message: 'starting', itrStartedAt: performance.now(), itrMs: [], pausedMs: 0, pausedAt: null },
    paths: null,
  });
  persistRun(id);
  prune();
  port.post({
    type: 'start-finetune', runId: id, config, checkpoint: extras.checkpointBytes ?? checkpoint, stateEvery: STATE_EVERY_DEFAULT,
    ...(extras.env ? { env: extras.env.request } : {}),
  });
  return id;
}

/**
 * Whether a run can be continued from its saved state: it ended early (interrupted by a reload, or stopped),
 * its state is saved, and it started from a checkpoint the worker can load again (not a `session:` one,
 * not uploaded bytes, not bridge-hosted envs).
 */
export function canContinue(run: Run): boolean {
  return (
    (run.status === 'interrupted' || run.status === 'stopped') &&
    !!run.savedState &&
    run.savedState.itr < run.totalIterations &&
    !run.env &&
    !run.checkpoint.startsWith('session:')
  );
}

/**
 * Continues a run from its saved training state in the train worker (same run id; the curve goes on). The
 * points after the saved state (at most stateEvery − 1 iterations) are dropped: the resumed run recomputes
 * them, equal to what they were (docs/runs.md). Resolves false when it cannot start now.
 */
export async function continueRun(id: string): Promise<boolean> {
  const port = trainPort();
  const run = useRuns.getState().runs[id];
  if (!port || !run || !canContinue(run) || Object.values(useRuns.getState().runs).some((r) => isLive(r.status))) return false;
  const saved = db ? await db.getState(id).catch(() => null) : null;
  if (!saved) {
    patchRun(id, { storageError: 'The saved training state could not be read from this browser\'s storage.' });
    return false;
  }
  listenTrain('runs', onTrainResponse);
  const kept = run.points.filter((p) => p.itr < saved.itr);
  useRuns.setState((s) => ({
    runs: { ...s.runs, [id]: { ...s.runs[id], status: 'starting', error: undefined, points: kept } },
    activeRunId: id,
    progress: { runId: id, phase: 'idle', itr: saved.itr, fraction: 0, message: `resuming after itr ${saved.itr - 1}`, itrStartedAt: performance.now(), itrMs: [], pausedMs: 0, pausedAt: null },
    paths: null,
  }));
  persistRun(id);
  if (db) void db.deletePointsFrom(id, saved.itr).catch(() => undefined);
  const state = saved.state.slice(0);
  port.post({ type: 'start-finetune', runId: id, config: run.config, checkpoint: run.checkpoint, resume: state, stateEvery: STATE_EVERY_DEFAULT }, [state]);
  return true;
}

// ---------------------------------------------------------------- run files

async function fetchBundled(ref: string): Promise<Uint8Array | null> {
  try {
    const res = await fetch(new URL(resolveBuiltin(ref).path, document.baseURI).href);
    if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) return null;
    return new Uint8Array(await res.arrayBuffer());
  } catch {
    return null;
  }
}

/** The bytes of a checkpoint ref where this page can read them (bundled or stored); null otherwise. */
async function checkpointBytes(ref: string): Promise<Uint8Array | null> {
  if (isBuiltin(ref)) return fetchBundled(ref);
  if (isStoredRef(ref)) {
    const store = await checkpointStore().catch(() => null);
    return (await store?.get(storedId(ref)).catch(() => null))?.bytes ?? null;
  }
  return null;
}

/** The dataset a checkpoint was pre-trained on, from its provenance (`dataset` ref, or bundled demos of its task). */
function datasetRefOf(ckpt: Uint8Array | null): string | null {
  if (!ckpt) return null;
  try {
    const n = Number(new DataView(ckpt.buffer, ckpt.byteOffset, ckpt.byteLength).getBigUint64(0, true));
    const meta = JSON.parse(new TextDecoder().decode(ckpt.subarray(8, 8 + n))).__metadata__ ?? {};
    const prov = JSON.parse(meta.provenance ?? '{}') as Record<string, unknown>;
    if (typeof prov.dataset === 'string') return prov.dataset;
    if (prov.data === 'builtin' && typeof prov.task === 'string') return `builtin:${prov.task}/train`;
  } catch {
    return null;
  }
  return null;
}

/** One zip file of a run (data/runFile.ts): its name and bytes. */
export async function exportRunFile(id: string): Promise<{ name: string; bytes: Uint8Array }> {
  const run = useRuns.getState().runs[id];
  if (!run) throw new UserError(`Run ${id} is not in the run list.`);
  const saved = db ? await db.getState(id).catch(() => null) : null;
  const base = await checkpointBytes(run.checkpoint);
  const baseCheckpoint: FileHash = { ref: run.checkpoint, sha256: base ? await sha256Hex(base) : null };
  const dsRef = datasetRefOf(base);
  let dataset: FileHash | null = null;
  if (dsRef) {
    const ds = isBuiltin(dsRef) ? await fetchBundled(dsRef) : null;
    dataset = { ref: dsRef, sha256: ds ? await sha256Hex(ds) : null };
  }
  const { points, storageError: _e, stateUnavailable: _u, ...meta } = run;
  const bytes = await buildRunFile({
    run: meta,
    points: points.map((p) => ({ runId: id, ...p })),
    saved: saved ? { itr: saved.itr, state: saved.state, checkpoint: saved.checkpoint } : null,
    appVersion: APP_VERSION,
    baseCheckpoint,
    dataset,
  });
  return { name: `${id}.dppo-run.zip`, bytes };
}

/**
 * Opens a run file: checks it whole (data/runFile.ts), stores its policy in the checkpoint store
 * (`stored:<id>`, ready for the inspector and evaluation), then the run with its points and state in one
 * transaction, and lists it. A bad file throws a UserError and stores nothing.
 */
export async function importRunFile(name: string, bytes: Uint8Array): Promise<{ runId: string; policyRef: string | null }> {
  await hydrateRuns();
  const file = await readRunFile(bytes, name);
  const s = useRuns.getState();
  let id = file.run.id;
  for (let k = 2; s.runs[id]; k++) id = `${file.run.id}-${k}`;
  const { savedState, ...rest } = file.run;
  const run: Run = {
    ...rest,
    id,
    status: isLive(file.run.status) ? 'interrupted' : file.run.status,
    colorIndex: nextColor(s.runs),
    pinned: false,
    hidden: false,
    imported: { file: name, at: Date.now(), appVersion: file.provenance.appVersion },
    points: file.points,
    ...(file.state && savedState ? { savedState } : {}),
  };
  let policyRef: string | null = null;
  let undoPolicy = async () => undefined as void;
  if (file.policy) {
    const store = await checkpointStore();
    if (store) {
      const cid = await contentId(file.policy.bytes);
      const existed = (await store.get(cid).catch(() => null)) !== null;
      const meta = await store.put(
        {
          label: `${run.label} · after itr ${file.policy.itr}`,
          origin: 'run',
          task: run.config.task,
          kind: file.policy.checkpoint.actorConfig.kind,
          provenance: { runId: id, runFile: name, itr: file.policy.itr, appVersion: file.provenance.appVersion },
        },
        file.policy.bytes,
      );
      policyRef = storedRef(meta.id);
      if (!existed) undoPolicy = () => store.delete(meta.id).catch(() => undefined);
    }
  }
  if (db) {
    const state = file.state && file.policy && savedState
      ? { runId: id, itr: savedState.itr, savedAt: savedState.savedAt, state: file.state.slice().buffer, checkpoint: file.policy.bytes.slice().buffer }
      : null;
    try {
      await db.importRun(meta(run), file.points.map((p) => ({ runId: id, ...p })), state);
    } catch (e) {
      // Nothing half-imported: the policy this import stored goes again.
      await undoPolicy();
      throw e instanceof StorageQuotaError ? new UserError(e.message) : e;
    }
  }
  useRuns.setState((st) => {
    const runs = { ...st.runs, [id]: run };
    const order = Object.values(runs).sort((a, b) => b.createdAt - a.createdAt).map((r) => r.id);
    return { runs, order };
  });
  return { runId: id, policyRef };
}

function control(type: 'pause' | 'resume' | 'stop', status: RunStatus): void {
  const { activeRunId, runs } = useRuns.getState();
  const run = activeRunId ? runs[activeRunId] : null;
  const port = trainPort();
  if (!run || !port || !isLive(run.status)) return;
  port.post({ type, runId: run.id });
  patchRun(run.id, { status });
  if (type !== 'stop') notePause(run.id, type === 'pause');
}

/** Paused time is not work: the ETA leaves it out (the worker's timings do the same, train/control.ts). */
function notePause(runId: string, paused: boolean): void {
  const now = performance.now();
  const update = (p: RunProgress | null): RunProgress | null => {
    if (!p || p.runId !== runId) return p;
    if (paused) return p.pausedAt === null ? { ...p, pausedAt: now } : p;
    return p.pausedAt === null ? p : { ...p, pausedMs: p.pausedMs + (now - p.pausedAt), pausedAt: null };
  };
  pendingProgress = update(pendingProgress);
  useRuns.setState((s) => ({ progress: update(s.progress) }));
}

export const pauseRun = (): void => control('pause', 'paused');
export const resumeRun = (): void => control('resume', 'running');
export const stopRun = (): void => control('stop', 'stopping');

export function setPinned(id: string, pinned: boolean): void {
  patchRun(id, { pinned });
}

export function setHidden(id: string, hidden: boolean): void {
  patchRun(id, { hidden });
}

export function deleteRun(id: string): void {
  const s = useRuns.getState();
  if (!s.runs[id] || isLive(s.runs[id].status)) return;
  const runs = { ...s.runs };
  delete runs[id];
  useRuns.setState({
    runs,
    order: s.order.filter((r) => r !== id),
    activeRunId: s.activeRunId === id ? null : s.activeRunId,
    paths: s.paths?.runId === id ? null : s.paths,
  });
  if (db) void db.deleteRun(id).catch(() => undefined);
}

// ---------------------------------------------------------------- worker events

let pendingProgress: RunProgress | null = null;
let progressTimer: ReturnType<typeof setTimeout> | null = null;
const PROGRESS_MS = 100;

function flushProgress(): void {
  progressTimer = null;
  if (pendingProgress) useRuns.setState({ progress: pendingProgress });
  pendingProgress = null;
}

function onProgress(runId: string, ev: Extract<TrainEvent, { type: 'progress' }>): void {
  const prev = pendingProgress ?? useRuns.getState().progress;
  const now = performance.now();
  const sameItr = prev && prev.runId === runId && prev.itr === ev.itr && prev.phase !== 'idle';
  pendingProgress = {
    runId,
    phase: ev.phase,
    itr: ev.itr,
    fraction: ev.fraction,
    message: ev.message,
    itrStartedAt: sameItr ? prev.itrStartedAt : now,
    itrMs: prev && prev.runId === runId ? prev.itrMs : [],
    pausedMs: sameItr ? prev.pausedMs : 0,
    pausedAt: prev && prev.runId === runId ? prev.pausedAt : null,
  };
  if (!progressTimer) progressTimer = setTimeout(flushProgress, PROGRESS_MS);
}

function onIteration(runId: string, ev: Extract<TrainEvent, { type: 'iteration' }>): void {
  const s = useRuns.getState();
  const run = s.runs[runId];
  if (!run) return;
  const point: RunPoint = { itr: ev.itr, envSteps: ev.envSteps, wallS: ev.wallS, metrics: ev.metrics };
  const points = [...run.points.filter((p) => p.itr !== ev.itr), point];
  const prog = pendingProgress ?? s.progress;
  let progress = s.progress;
  if (prog && prog.runId === runId) {
    // The worker's running time of the iteration (pauses excluded); the page's own clock as a fallback.
    const now = performance.now();
    const itrS = ev.metrics['time/iteration_s'];
    const ms = itrS !== undefined && Number.isFinite(itrS) ? itrS * 1000 : now - prog.itrStartedAt - prog.pausedMs;
    progress = { ...prog, phase: 'idle', itr: ev.itr + 1, fraction: 0, itrStartedAt: now, itrMs: [...prog.itrMs, ms].slice(-20), pausedMs: 0 };
    pendingProgress = null;
  }
  useRuns.setState({ runs: { ...s.runs, [runId]: { ...run, points } }, progress });
  if (db) void db.putPoint({ runId, ...point }).catch(() => undefined);
}

function onEvent(runId: string, ev: TrainEvent): void {
  switch (ev.type) {
    case 'start': {
      const run = useRuns.getState().runs[runId];
      patchRun(runId, {
        // The worker may have sized the run for a real GPU (issue 12): the run keeps the config it ran with.
        ...(ev.config ? { config: ev.config } : {}),
        totalIterations: ev.totalIterations,
        envStepsPerIteration: ev.envStepsPerIteration,
        status: run?.status === 'starting' ? 'running' : run?.status,
      });
      return;
    }
    case 'progress':
      onProgress(runId, ev);
      return;
    case 'iteration':
      onIteration(runId, ev);
      return;
    case 'paths':
      useRuns.setState({ paths: { runId, itr: ev.itr, paths: ev.paths } });
      return;
    case 'done':
      patchRun(runId, { status: ev.summary.stopped === true ? 'stopped' : 'done', summary: ev.summary });
      if (useRuns.getState().progress?.runId === runId) useRuns.setState({ progress: null });
      return;
    case 'error': {
      patchRun(runId, { status: 'error', error: ev.message, lastGood: ev.lastGood });
      const run = useRuns.getState().runs[runId];
      if (ev.lastGood && run) {
        // Offered in the checkpoint selector, so the last good weights can be inspected or fine-tuned again.
        const itr = ev.lastGood.itr;
        addSessionCheckpoint({
          ref: ev.lastGood.checkpoint,
          task: run.config.task,
          kind: kindForAlgo(run.config.algo),
          loss: NaN,
          epochs: 0,
          label: `last good weights of ${run.label} (${itr < 0 ? 'as it started' : `after itr ${itr}`})`,
        });
      }
      if (useRuns.getState().progress?.runId === runId) useRuns.setState({ progress: null });
      return;
    }
    case 'warning': {
      const run = useRuns.getState().runs[runId];
      if (run) patchRun(runId, { warnings: [...(run.warnings ?? []), { itr: ev.itr, kind: ev.kind, metric: ev.metric, message: ev.message }] });
      return;
    }
    case 'pretrain-epoch':
      return;
    default: {
      const never: never = ev;
      return never;
    }
  }
}

/** Stores a run's training state; a failed save is shown on the run and keeps the previous state. */
function onTrainState(r: Extract<TrainResponse, { type: 'train-state' }>): void {
  const run = useRuns.getState().runs[r.runId];
  if (!run) return;
  if (!r.state || !r.checkpoint) {
    patchRun(r.runId, { stateUnavailable: `This run saves no training state, so it cannot be resumed: ${r.reason ?? 'the worker could not take one'}.` }, false);
    return;
  }
  const savedState = { itr: r.itr, savedAt: Date.now(), bytes: r.state.byteLength + r.checkpoint.byteLength };
  const state = { runId: r.runId, itr: r.itr, savedAt: savedState.savedAt, state: r.state, checkpoint: r.checkpoint };
  if (!db) return;
  const target = db;
  // States are written in arrival order, so an older one never replaces a newer one.
  stateWrites = stateWrites.then(async () => {
    const now = useRuns.getState().runs[r.runId];
    if (!now) return;
    const next = { ...now, savedState, storageError: undefined };
    try {
      await target.putState(meta(next), state);
      patchRun(r.runId, { savedState, storageError: undefined }, false);
    } catch (e) {
      patchRun(r.runId, { storageError: e instanceof Error ? e.message : String(e) }, false);
    }
  });
}

let stateWrites: Promise<void> = Promise.resolve();

/** Resolves once every training state received so far is written (or failed); for tests. */
export function stateWritesSettled(): Promise<void> {
  return stateWrites;
}

function onTrainResponse(r: TrainResponse): void {
  if (r.type === 'train-state') {
    onTrainState(r);
    return;
  }
  // Events of jobs that are not fine-tuning runs (pre-training, state/pretrain.ts) are not ours.
  if (r.type === 'event') {
    if (useRuns.getState().runs[r.runId]) onEvent(r.runId, r.event);
  } else if (r.type === 'error' && r.runId && r.requestId === undefined) {
    const run = useRuns.getState().runs[r.runId];
    if (run && isLive(run.status)) patchRun(r.runId, { status: 'error', error: r.message });
  }
}

/**
 * Estimated ms left in the current iteration and in the whole run, from the finished iterations' running
 * time. Paused time counts for nothing: while paused the estimate holds still.
 */
export function timeEstimate(progress: RunProgress, run: Run, now: number): { itrLeftMs: number | null; runLeftMs: number | null } {
  if (progress.itrMs.length === 0) return { itrLeftMs: null, runLeftMs: null };
  const recent = progress.itrMs.slice(-5);
  const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
  const elapsed = (progress.pausedAt ?? now) - progress.itrStartedAt - progress.pausedMs;
  const itrLeft = Math.max(mean - elapsed, 0);
  const itrsAfter = Math.max(run.totalIterations - progress.itr - 1, 0);
  return { itrLeftMs: itrLeft, runLeftMs: itrLeft + itrsAfter * mean };
}
