/**
 * The robustness study on the Policies page (paper Fig. 12; engine: src/train/robustness.ts): for one task,
 * the DPPO (diffusion) policy and the Gaussian one side by side, each evaluated under every action-noise σ
 * (at the task's own start distribution) and every initial-state noise scale k (without action noise).
 * The study runs in the train worker as a 'robustness' checkpoint job; each finished cell arrives as it is
 * done, so the chart fills in while it runs; Cancel sends a 'cancel' job. Nothing here touches tfjs.
 *
 * Which policies by default: DPPO = the checkpoint chosen for fine-tuning the task with DPPO when one was
 * chosen, else the newest checkpoint saved from a run (a fine-tuned one), else the bundled diffusion policy;
 * Gaussian likewise with the Gaussian kind.
 */
import { create } from 'zustand';
import { UserError } from '../core/errors';
import { initNoiseOf } from '../sim/registry';
import type { CheckpointJob, CheckpointJobResult, RobustnessCell, RobustnessResult, TrainResponse } from '../workers/protocol';
import { policyEntries, usePolicies, type PolicyEntry } from './policies';
import { usePretrain, type SessionCheckpoint } from './pretrain';
import { listenTrain, trainPort } from './trainPort';

/** The two sides of the comparison and the actor kinds each takes. */
export const ROBUSTNESS_SIDES = [
  { side: 'dppo', label: 'DPPO', kinds: ['diffusion-mlp', 'diffusion-unet'] },
  { side: 'gaussian', label: 'Gaussian', kinds: ['gaussian-mlp'] },
] as const;
export type RobustnessSide = (typeof ROBUSTNESS_SIDES)[number]['side'];

export const DEFAULT_SIGMAS = '0, 0.05, 0.1, 0.2';
export const DEFAULT_INIT_SCALES = '1, 2, 4';

export interface RobustnessForm {
  task: string | null;
  /** Chosen checkpoint per side; absent = the default (see the header). */
  refs: Partial<Record<RobustnessSide, string>>;
  sigmas: string;
  initNoiseScales: string;
  episodes: number;
  seed: number;
  /** Text of the horizon field: empty = the task's own (Gym 1,000 steps); a number cuts episodes short for a quick look. */
  maxEpisodeSteps: string;
}

export interface RobustnessRun {
  requestId: number;
  task: string;
  policies: { name: string; ref: string }[];
  sigmas: number[];
  initNoiseScales: number[];
  episodes: number;
  /** The horizon the study ran with, when not the task's own. */
  maxEpisodeSteps?: number;
  running: boolean;
  cancelling: boolean;
  fraction: number;
  message?: string;
  cells: RobustnessCell[];
  result?: RobustnessResult;
}

export interface RobustnessState {
  form: RobustnessForm;
  run: RobustnessRun | null;
  /** What went wrong with the last start (bad list, wrong checkpoint, worker busy), shown at the control. */
  error: string | null;
}

export const useRobustness = create<RobustnessState>(() => ({
  form: { task: null, refs: {}, sigmas: DEFAULT_SIGMAS, initNoiseScales: DEFAULT_INIT_SCALES, episodes: 5, seed: 0, maxEpisodeSteps: '' },
  run: null,
  error: null,
}));

export function setRobustnessForm(patch: Partial<RobustnessForm>): void {
  useRobustness.setState((s) => ({ form: { ...s.form, ...patch }, error: null }));
}

export function chooseRobustnessPolicy(side: RobustnessSide, ref: string): void {
  useRobustness.setState((s) => ({ form: { ...s.form, refs: { ...s.form.refs, [side]: ref } }, error: null }));
}

/** What the task's init-noise scale multiplies (its family's `initNoise`), or null when it has none to widen. */
export function taskInitNoise(task: string): string | null {
  try {
    return initNoiseOf(task);
  } catch {
    return null;
  }
}

/** Whether the task has initial-state noise to widen (tasks without take only k = 1). */
export function taskHasInitNoise(task: string): boolean {
  return taskInitNoise(task) !== null;
}

/** The checkpoints of `task` that can stand on `side`, newest fine-tuned first, the bundled one last. */
export function robustnessCandidates(task: string, side: RobustnessSide, entries: readonly PolicyEntry[]): PolicyEntry[] {
  const kinds = ROBUSTNESS_SIDES.find((s) => s.side === side)?.kinds as readonly string[];
  const mine = entries.filter((e) => e.task === task && e.kind !== undefined && kinds.includes(e.kind));
  const rank = (e: PolicyEntry) => (e.origin === 'run' ? 0 : e.origin === 'bundled' ? 2 : 1);
  return [...mine].sort((a, b) => rank(a) - rank(b) || (b.createdAt ?? 0) - (a.createdAt ?? 0));
}

/** The checkpoint a side uses: the one picked here, else the one chosen for fine-tuning, else the first candidate. */
export function robustnessDefault(
  task: string,
  side: RobustnessSide,
  entries: readonly PolicyEntry[],
  picked: string | undefined,
  chosen: Record<string, string>,
): string | null {
  const candidates = robustnessCandidates(task, side, entries);
  if (picked && candidates.some((c) => c.ref === picked)) return picked;
  const forFinetune = chosen[`${task}/${side}`];
  if (forFinetune && candidates.some((c) => c.ref === forFinetune)) return forFinetune;
  return candidates[0]?.ref ?? null;
}

/** Every policy entry the Policies page lists (bundled, stored, this tab's). */
export function allPolicyEntries(sessions: readonly SessionCheckpoint[] = usePretrain.getState().sessionCheckpoints): PolicyEntry[] {
  return policyEntries(usePolicies.getState(), sessions);
}

/** "0, 0.05, 0.1" → numbers; a UserError naming the field and the item that is not a number ≥ 0. */
export function parseList(text: string, field: string): number[] {
  const items = text.split(/[,\s]+/).filter((s) => s !== '');
  if (items.length === 0) throw new UserError(`${field}: give at least one value, e.g. ${field === 'σ list' ? DEFAULT_SIGMAS : DEFAULT_INIT_SCALES}.`);
  return items.map((s) => {
    const v = Number(s);
    if (!Number.isFinite(v) || v < 0) throw new UserError(`${field}: "${s}" is not a number ≥ 0.`);
    return v;
  });
}

// ---- worker requests --------------------------------------------------------------------------------

// Request ids from 2·10⁹ up, so they never meet those of state/policies.ts (from 1) or state/bridge.ts (from 10⁹).
let nextId = 2_000_000_000;
const pending = new Map<number, { resolve: (r: CheckpointJobResult) => void; reject: (e: Error) => void; progress?: (r: Extract<TrainResponse, { type: 'checkpoint-progress' }>) => void }>();

function onTrain(r: TrainResponse): void {
  if (r.type !== 'checkpoint-result' && r.type !== 'checkpoint-error' && r.type !== 'checkpoint-progress') return;
  const p = pending.get(r.requestId);
  if (!p) return;
  if (r.type === 'checkpoint-progress') p.progress?.(r);
  else {
    pending.delete(r.requestId);
    if (r.type === 'checkpoint-result') p.resolve(r.result);
    else p.reject(new UserError(r.message));
  }
}

function send(job: CheckpointJob, requestId: number, progress?: (r: Extract<TrainResponse, { type: 'checkpoint-progress' }>) => void): Promise<CheckpointJobResult> {
  const port = trainPort();
  if (!port || !listenTrain('robustness', onTrain)) return Promise.reject(new UserError('The training worker is not running yet; try again in a moment.'));
  return new Promise((resolve, reject) => {
    pending.set(requestId, { resolve, reject, progress });
    port.post({ type: 'checkpoint', requestId, job });
  });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function patchRun(requestId: number, patch: Partial<RobustnessRun> | ((r: RobustnessRun) => Partial<RobustnessRun>)): void {
  useRobustness.setState((s) => (s.run?.requestId === requestId ? { run: { ...s.run, ...(typeof patch === 'function' ? patch(s.run) : patch) } } : {}));
}

/**
 * Starts the study with the form's settings. Problems found before sending (no task, no policy of a side,
 * a list that is not numbers) and the worker's own refusals land in `error`; the run's cells fill in as
 * they finish.
 */
export async function startRobustness(): Promise<void> {
  const { form, run } = useRobustness.getState();
  if (run?.running) return;
  let job: Extract<CheckpointJob, { kind: 'robustness' }>;
  try {
    const task = form.task;
    if (!task) throw new UserError('Pick a task first.');
    const entries = allPolicyEntries();
    const chosen = usePretrain.getState().chosen;
    const policies = ROBUSTNESS_SIDES.map(({ side, label }) => {
      const ref = robustnessDefault(task, side, entries, form.refs[side], chosen);
      if (!ref) throw new UserError(`No ${label} policy of ${task} is listed: pre-train or import one first.`);
      return { name: label, ref };
    });
    const sigmas = parseList(form.sigmas, 'σ list');
    const initNoiseScales = parseList(form.initNoiseScales, 'init-scale list');
    if (!taskHasInitNoise(task) && initNoiseScales.some((k) => k !== 1)) {
      throw new UserError(`${task} has no initial-state noise to widen (its reset is fixed): set the init-scale list to 1.`);
    }
    if (!Number.isInteger(form.episodes) || form.episodes < 1 || form.episodes > 1000) throw new UserError('Episodes must be an integer from 1 to 1000.');
    const horizon = form.maxEpisodeSteps.trim();
    const maxEpisodeSteps = horizon === '' ? undefined : Number(horizon);
    if (maxEpisodeSteps !== undefined && (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1 || maxEpisodeSteps > 100_000)) {
      throw new UserError(`Max steps: "${horizon}" is not a whole number of env steps from 1 to 100000 (leave it empty for the task's own horizon).`);
    }
    job = { kind: 'robustness', task, policies, sigmas, initNoiseScales, episodes: form.episodes, seed: form.seed, ...(maxEpisodeSteps !== undefined ? { maxEpisodeSteps } : {}) };
  } catch (e) {
    useRobustness.setState({ error: message(e) });
    return;
  }
  const requestId = nextId++;
  useRobustness.setState({
    error: null,
    run: {
      requestId,
      task: job.task,
      policies: job.policies,
      sigmas: job.sigmas,
      initNoiseScales: job.initNoiseScales,
      episodes: job.episodes,
      maxEpisodeSteps: job.maxEpisodeSteps,
      running: true,
      cancelling: false,
      fraction: 0,
      message: 'starting',
      cells: [],
    },
  });
  try {
    const r = await send(job, requestId, (p) => {
      const cell = p.cell;
      patchRun(requestId, (run) => ({ fraction: p.fraction, ...(p.message ? { message: p.message } : {}), ...(cell ? { cells: [...run.cells, cell] } : {}) }));
    });
    if (r.kind !== 'robustness') throw new UserError('The worker answered the robustness study with something else.');
    patchRun(requestId, { running: false, cancelling: false, fraction: r.result.cancelled ? useRobustness.getState().run?.fraction ?? 0 : 1, message: undefined, cells: r.result.cells, result: r.result });
  } catch (e) {
    patchRun(requestId, { running: false, cancelling: false, message: undefined });
    useRobustness.setState({ error: message(e) });
  }
}

/** Asks the worker to stop the running study; it ends with the cells finished so far. */
export async function cancelRobustness(): Promise<void> {
  const run = useRobustness.getState().run;
  if (!run?.running) return;
  patchRun(run.requestId, { cancelling: true });
  try {
    await send({ kind: 'cancel', target: run.requestId }, nextId++);
  } catch (e) {
    useRobustness.setState({ error: message(e) });
  }
}
