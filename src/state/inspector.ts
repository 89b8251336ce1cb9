/**
 * The action-cloud inspector (paper Fig. 11): which state is inspected, how many chains, and the latest
 * samples of the pre-trained and the current policy. Requests go to the train worker ('inspect'); a
 * response is kept only if it answers the newest request for that policy. While any inspector view is
 * mounted, the current policy is re-sampled after every iteration of the active run.
 */
import { create } from 'zustand';
import type { InspectMode, InspectResult, PolicyRef, TrainResponse } from '../workers/protocol';
import { useExperiment } from './experiment';
import { selectedCheckpoint } from './pretrain';
import { isLive, useRuns } from './runs';
import { inspectorDefaults } from './taskCatalog';
import { listenTrain, trainPort } from './trainPort';

// A new task has other observation dims: the inspector goes back to that task's start state, ignores the
// answers still due for the old one and, while a view is mounted, samples the new task at once.
useExperiment.subscribe((e) => {
  if (e.task !== useInspector.getState().task) {
    latest.pretrained = latest.current = -1;
    // The plotted pair belongs to the old task's actions (another Da): back to the new task's default.
    useInspector.setState({ task: e.task, obs: startStateOf(e.task).obs, source: 'start', sourceLabel: 'start state', pretrained: null, current: null, projection: null });
    if (viewers > 0) requestClouds();
  }
});

export type StateSource = 'start' | 'typed' | 'trajectory';

/** The task's default inspected state (its reset state) and the names of its obs dimensions. */
export function startStateOf(task: string): { obs: number[]; labels: readonly string[] } {
  const d = inspectorDefaults(task);
  return { obs: [...d.startObs], labels: d.obsNames };
}

/**
 * What the action clouds plot: two of the action dimensions (x, y), or the samples' top two principal
 * components (features/inspector/pca.ts), for tasks whose actions have more than two dimensions. The pair
 * is kept while PCA is shown, so going back to dimensions restores it.
 */
export interface CloudProjection {
  kind: 'dims' | 'pca';
  x: number;
  y: number;
}

/** The projection in effect: the chosen pair if it fits `Da` action dimensions, else the task's default pair. */
export function effectiveProjection(chosen: CloudProjection | null, Da: number, defaultDims: readonly [number, number]): CloudProjection {
  const fits = (d: number) => Number.isInteger(d) && d >= 0 && d < Da;
  const kind = chosen?.kind === 'pca' && Da >= 2 ? 'pca' : 'dims';
  if (chosen && fits(chosen.x) && fits(chosen.y) && chosen.x !== chosen.y) return { kind, x: chosen.x, y: chosen.y };
  const [x, y] = defaultDims;
  if (fits(x) && fits(y) && x !== y) return { kind, x, y };
  return { kind, x: 0, y: Math.min(1, Math.max(Da - 1, 0)) };
}

export interface InspectorState {
  /** The task the inspected state belongs to (the experiment's task). */
  task: string;
  /** Raw observation [Do] of that task. */
  obs: number[];
  source: StateSource;
  /** Where the state came from, e.g. "env 3 · step 41". */
  sourceLabel: string;
  n: number;
  seed: number;
  /** Exploration noise (as the chains fine-tuning collects) or evaluation sampling. */
  mode: InspectMode;
  pretrained: InspectResult | null;
  current: InspectResult | null;
  /** What the shown results sample: a run (live policies) or a checkpoint on its own. */
  target: { runId: string | null; checkpoint: string } | null;
  /** The plotted projection; null = the task's default pair (its inspector defaults). Kept across steps and pages. */
  projection: CloudProjection | null;
  busy: boolean;
  error: string | null;
}

export const useInspector = create<InspectorState>(() => ({
  task: useExperiment.getState().task,
  obs: startStateOf(useExperiment.getState().task).obs,
  source: 'start',
  sourceLabel: 'start state',
  n: 256,
  seed: 0,
  mode: 'exploration',
  pretrained: null,
  current: null,
  target: null,
  projection: null,
  busy: false,
  error: null,
}));

let viewers = 0;
let nextRequestId = 1;
const latest: Record<PolicyRef, number> = { pretrained: 0, current: 0 };
/**
 * Request id → what was asked and when; a request unanswered for STALE_MS (worker restarted) stops blocking
 * new ones and is asked again.
 */
const inFlight = new Map<number, { policy: PolicyRef; sent: number }>();
const STALE_MS = 60_000;
let again: Set<PolicyRef> = new Set();
/**
 * A failed request is asked again (a transient start-up failure must not leave a row empty) up to
 * MAX_RETRIES times in a row per policy; then its error is shown, and Resample tries afresh.
 */
const MAX_RETRIES = 2;
const RETRY_MS = 300;
const failures: Record<PolicyRef, number> = { pretrained: 0, current: 0 };
/** Before boot() created the worker client, requests wait for it (polling, at most PORT_WAIT_MS). */
const PORT_WAIT_MS = 30_000;
let portWaitSince: number | null = null;
let staleTimer: ReturnType<typeof setTimeout> | null = null;
function listen(): void {
  listenTrain('inspector', onResponse);
}

function onResponse(r: TrainResponse): void {
  if (r.type === 'inspect-result') {
    const res = r.result;
    inFlight.delete(res.requestId);
    if (latest[res.policy] === res.requestId) {
      failures[res.policy] = 0;
      const otherFailed = failures[res.policy === 'pretrained' ? 'current' : 'pretrained'] > MAX_RETRIES;
      useInspector.setState({ [res.policy]: res, ...(otherFailed ? {} : { error: null }) } as Partial<InspectorState>);
    }
  } else if (r.type === 'error' && r.requestId !== undefined && inFlight.has(r.requestId)) {
    const { policy } = inFlight.get(r.requestId)!;
    inFlight.delete(r.requestId);
    if (latest[policy] === r.requestId) {
      failures[policy]++;
      if (failures[policy] <= MAX_RETRIES) setTimeout(() => requestClouds([policy], true), RETRY_MS * failures[policy]);
      else useInspector.setState({ error: r.message });
    }
  } else return;
  useInspector.setState({ busy: inFlight.size > 0 });
  if (inFlight.size === 0 && again.size) {
    const which = [...again];
    again = new Set();
    requestClouds(which);
  }
}

/** The run whose live policies the inspector samples: the active run of this page session, if any. */
function currentTarget(): { runId: string | null; checkpoint: string } {
  const { activeRunId, runs } = useRuns.getState();
  const run = activeRunId ? runs[activeRunId] : null;
  if (run && run.status !== 'error') return { runId: run.id, checkpoint: run.checkpoint };
  const { task, algo } = useExperiment.getState();
  return { runId: null, checkpoint: selectedCheckpoint(task, algo) };
}

/**
 * Asks the worker for new clouds of the given policies at the chosen state. The worker client holds the
 * requests until the worker's backend is ready (trainClient.ts); `retry` marks an automatic repeat of a
 * failed request (a user's request starts the failure count afresh).
 */
export function requestClouds(which: PolicyRef[] = ['pretrained', 'current'], retry = false): void {
  const port = trainPort();
  if (!port) {
    // Before boot() (first render): wait for the client rather than leave the rows empty.
    const now = Date.now();
    portWaitSince ??= now;
    if (now - portWaitSince > PORT_WAIT_MS) {
      portWaitSince = null;
      useInspector.setState({ error: 'The training worker did not start; reload the page.' });
      return;
    }
    useInspector.setState({ busy: true });
    setTimeout(() => requestClouds(which, retry), 100);
    return;
  }
  portWaitSince = null;
  listen();
  if (!retry) for (const w of which) failures[w] = 0;
  const now = Date.now();
  for (const [id, req] of inFlight) {
    if (now - req.sent > STALE_MS) {
      inFlight.delete(id);
      again.add(req.policy);
    }
  }
  if (inFlight.size > 0) {
    for (const w of which) again.add(w);
    return;
  }
  for (const w of again) if (!which.includes(w)) which = [...which, w];
  again = new Set();
  if (which.length === 0) {
    useInspector.setState({ busy: false });
    return;
  }
  const s = useInspector.getState();
  const target = currentTarget();
  for (const policy of which) {
    const requestId = nextRequestId++;
    latest[policy] = requestId;
    inFlight.set(requestId, { policy, sent: now });
    port.post({ type: 'inspect', requestId, runId: target.runId, checkpoint: target.checkpoint, policy, obs: [...s.obs], n: s.n, seed: s.seed, mode: s.mode });
  }
  useInspector.setState({ busy: true, target });
  // An answer that never comes (the worker was replaced) must not block the rows: ask again once stale.
  if (staleTimer) clearTimeout(staleTimer);
  staleTimer = setTimeout(() => {
    staleTimer = null;
    if (inFlight.size > 0) requestClouds([]);
  }, STALE_MS + 1000);
}

export function setInspectState(obs: number[], source: StateSource, sourceLabel: string): void {
  useInspector.setState({ obs, source, sourceLabel });
  requestClouds();
}

export function setInspectSampling(patch: Partial<Pick<InspectorState, 'n' | 'seed' | 'mode'>>): void {
  useInspector.setState(patch);
  requestClouds();
}

/** Plots the top two principal components (`pca`) or the chosen pair of action dimensions, out of `Da`. */
export function setProjectionKind(kind: CloudProjection['kind'], Da: number): void {
  const s = useInspector.getState();
  const cur = effectiveProjection(s.projection, Da, inspectorDefaults(s.task).actionDims);
  useInspector.setState({ projection: { ...cur, kind } });
}

/**
 * Puts action dimension `dim` (of `Da`) on one axis and shows dimensions; choosing the other axis's
 * dimension swaps the two.
 */
export function setProjectionAxis(axis: 'x' | 'y', dim: number, Da: number): void {
  if (!Number.isInteger(dim) || dim < 0 || dim >= Da) return;
  const s = useInspector.getState();
  let { x, y } = effectiveProjection(s.projection, Da, inspectorDefaults(s.task).actionDims);
  if (axis === 'x') {
    if (dim === y) y = x;
    x = dim;
  } else {
    if (dim === x) x = y;
    y = dim;
  }
  useInspector.setState({ projection: { kind: 'dims', x, y } });
}

let unsubscribeRuns: (() => void) | null = null;

/**
 * Registers a mounted inspector view; while at least one is mounted, every new iteration of the live run
 * re-samples the current policy (only when the page is visible). Returns the unregister function.
 */
export function attachInspectorView(): () => void {
  viewers++;
  if (viewers === 1) {
    let lastCount = -1;
    let lastRun: string | null = null;
    unsubscribeRuns = useRuns.subscribe((s) => {
      const run = s.activeRunId ? s.runs[s.activeRunId] : null;
      const count = run?.points.length ?? -1;
      if (run && (run.id !== lastRun || count !== lastCount)) {
        const changedRun = run.id !== lastRun;
        lastRun = run.id;
        lastCount = count;
        if (typeof document !== 'undefined' && document.visibilityState !== 'visible') return;
        if (changedRun) requestClouds();
        else if (isLive(run.status) || count > 0) requestClouds(['current']);
      }
    });
    const s = useInspector.getState();
    const t = currentTarget();
    if (!s.pretrained || !s.target || s.target.runId !== t.runId || s.target.checkpoint !== t.checkpoint) requestClouds();
  }
  return () => {
    viewers--;
    if (viewers === 0) {
      unsubscribeRuns?.();
      unsubscribeRuns = null;
    }
  };
}
