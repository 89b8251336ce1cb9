/**
 * Fine-tuning runs: their configs, status, per-iteration scalars (one point per iteration, deltas from
 * TrainEvent 'iteration'), the live progress of the active run and the latest iteration's env paths.
 * Runs are persisted to IndexedDB (src/data/runs.ts) as they go; a reload restores them and marks runs that
 * were going as 'interrupted'. Progress events are coalesced to ≤ 10 updates/s so React stays calm.
 */
import { create } from 'zustand';
import type { FinetuneConfig } from '../config/finetune';
import { openRunsDb, type RunsDb, type RunStatus, type RunWarning, type StoredPoint, type StoredRun } from '../data/runs';
import type { EnvPath, Phase, TrainEvent } from '../train/events';
import type { RunEnvRequest, TrainResponse } from '../workers/protocol';
import { addSessionCheckpoint, kindForAlgo } from './pretrain';
import { listenTrain, trainPort } from './trainPort';

export type { RunStatus, RunWarning };
export type RunPoint = Omit<StoredPoint, 'runId'>;
export interface Run extends StoredRun {
  points: RunPoint[];
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
  port.post({ type: 'start-finetune', runId: id, config, checkpoint: extras.checkpointBytes ?? checkpoint, ...(extras.env ? { env: extras.env.request } : {}) });
  return id;
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

function onTrainResponse(r: TrainResponse): void {
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
