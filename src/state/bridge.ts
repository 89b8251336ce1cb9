/**
 * The connector page's state: one connection to a `dppo-bridge` from the page (src/bridge/client.ts) for
 * status, latency (heartbeat round trip), the env spec of a task, a log, a Franka's arming and pose, STOP
 * and a small throughput bench; and "Run on bridge", which starts a fine-tuning run whose envs the train
 * worker hosts on the same bridge through its own connection (state/runs.ts → workers/trainRuns.ts).
 *
 * The token lives in memory only (never in the URL, storage or a run's record); the URL is remembered.
 * Errors land on the field they belong to (url, token, connection), so the message sits where it was typed.
 */
import { create } from 'zustand';
import { BridgeVecEnv } from '../bridge/bridgeVecEnv';
import { BridgeClient, BridgeError, checkBridgeUrl, parseBridgeLine } from '../bridge/client';
import { FRANKA_DEFAULT_LIMITS, FRANKA_SCRIPTED_REF, runFrankaPolicy, type FrankaPolicyStep } from '../bridge/frankaPolicy';
import type { CheckpointJob, CheckpointJobResult, TrainResponse } from '../workers/protocol';
import { listenTrain, trainPort } from './trainPort';
import type { StatusMsg } from '../bridge/protocol';
import { UserError } from '../core/errors';
import { isTaskId } from '../sim/registry';
import type { EnvSpec, VecEnv } from '../sim/types';
import { configOf, settingsOf, useExperiment, type ExperimentSettings } from './experiment';
import { selectedCheckpoint } from './pretrain';
import { isLive, startRun, stopRun, useRuns } from './runs';

export type BridgeField = 'url' | 'token' | 'connection';

export interface BridgeInfo {
  url: string;
  backend: string;
  sessionId: string;
  server: string;
  tasks: string[];
  franka: boolean;
  ray: boolean;
  isaacgym: boolean;
  maxEnvs: number;
  heartbeatTimeoutMs: number;
  commandRateHz: number | null;
}

export interface BridgeSpecView {
  task: string;
  spec: EnvSpec;
  traceDim: number;
  tagKeys: readonly string[];
}

export interface BridgeBenchResult {
  task: string;
  nEnvs: number;
  actSteps: number;
  seconds: number;
  /** Env steps per second of the bridge-hosted envs, driven from this page. */
  envStepsPerS: number;
  /** Round trip of one chunk step (ms, median over blocks). */
  msPerChunk: number;
  /** The browser's own sim worker pool on the same driver, in the same run. */
  poolEnvStepsPerS: number;
  poolWorkers: number;
}

export interface BridgeState {
  urlText: string;
  tokenText: string;
  phase: 'idle' | 'connecting' | 'connected' | 'closed';
  error: { field: BridgeField; message: string } | null;
  info: BridgeInfo | null;
  latencyMs: number | null;
  latencyMeanMs: number | null;
  log: string[];
  specTask: string | null;
  spec: BridgeSpecView | null;
  specError: string | null;
  /** Last `status` push (Franka: state, controller, end-effector pose). */
  robot: StatusMsg | null;
  armError: string | null;
  bench: { running: boolean; result: BridgeBenchResult | null; error: string | null };
  /** The run started from this page on the bridge, and why one could not start. */
  runId: string | null;
  runError: string | null;
  /** A policy stepping the Franka under the bridge's clamps (runRobotPolicy). */
  policy: RobotPolicyView;
}

/** The connector's Franka policy run: what the policy commanded and what the arm did. */
export interface RobotPolicyView {
  running: boolean;
  /** 'scripted reach' or the checkpoint file's name. */
  source: string | null;
  steps: number;
  /** The last command sent (action in [−1, 1], translation after the per-step clamp). */
  last: FrankaPolicyStep | null;
  /** The translation it asks for with the target clamped into the default workspace box (m). */
  boxedM: [number, number, number] | null;
  /** How far the arm actually moved between the two last commands (m). */
  measuredM: [number, number, number] | null;
  /** Worker inference time of the last step (ms). */
  inferMs: number | null;
  /** Why the last run ended ('stopped', 'disarmed (deadman)', an error). */
  ended: string | null;
  error: string | null;
}

const POLICY_IDLE: RobotPolicyView = { running: false, source: null, steps: 0, last: null, boxedM: null, measuredM: null, inferMs: null, ended: null, error: null };

const URL_KEY = 'dppo.bridge.url';
const LOG_MAX = 200;

function storedUrl(): string {
  try {
    return (typeof localStorage !== 'undefined' && localStorage.getItem(URL_KEY)) || 'ws://127.0.0.1:8765';
  } catch {
    return 'ws://127.0.0.1:8765';
  }
}

export const useBridge = create<BridgeState>(() => ({
  urlText: storedUrl(),
  tokenText: '',
  phase: 'idle',
  error: null,
  info: null,
  latencyMs: null,
  latencyMeanMs: null,
  log: [],
  specTask: null,
  spec: null,
  specError: null,
  robot: null,
  armError: null,
  bench: { running: false, result: null, error: null },
  runId: null,
  runError: null,
  policy: POLICY_IDLE,
}));

let client: BridgeClient | null = null;

function log(line: string): void {
  const stamp = new Date().toISOString().slice(11, 23);
  useBridge.setState((s) => ({ log: [...s.log, `${stamp} ${line}`].slice(-LOG_MAX) }));
}

export function setBridgeField(field: 'urlText' | 'tokenText', text: string): void {
  // A pasted line with the URL and the token fills both fields.
  if (field === 'urlText' && /\btoken\b|[?#]token=/i.test(text)) {
    const { url, token } = parseBridgeLine(text);
    if (url && token) {
      useBridge.setState({ urlText: url, tokenText: token, error: null });
      return;
    }
  }
  useBridge.setState({ [field]: text, error: null } as Partial<BridgeState>);
}

function fieldOf(message: string, err: unknown): BridgeField {
  if (err instanceof BridgeError && err.code === 'auth') return 'token';
  if (/token/i.test(message)) return 'token';
  if (/bridge URL|ws:\/\/ or wss:\/\//.test(message)) return 'url';
  return 'connection';
}

/** Connects with the typed URL and token (a pasted dppo-bridge line in either field works). */
export async function connectBridge(): Promise<void> {
  const s = useBridge.getState();
  if (s.phase === 'connecting') return;
  let urlText = s.urlText;
  let token = s.tokenText;
  const pasted = parseBridgeLine(`${urlText} ${token}`);
  if (pasted.url && pasted.token && (!token.trim() || /\s/.test(token.trim()) || token.includes('://'))) {
    urlText = pasted.url;
    token = pasted.token;
  }
  let url: string;
  try {
    url = checkBridgeUrl(urlText);
  } catch (err) {
    useBridge.setState({ error: { field: 'url', message: (err as Error).message } });
    return;
  }
  if (!token.trim()) {
    useBridge.setState({ error: { field: 'token', message: 'Paste the token dppo-bridge printed when it started.' } });
    return;
  }
  disconnectBridge('replaced by a new connection');
  useBridge.setState({ urlText: url, tokenText: token.trim(), phase: 'connecting', error: null, info: null, spec: null, specError: null, robot: null, armError: null });
  try {
    localStorage.setItem(URL_KEY, url);
  } catch {
    // storage disabled: the URL is typed again next time
  }
  log(`connecting to ${url}`);
  try {
    const c = await BridgeClient.connect({ url, token: token.trim(), clientName: 'dppo-workbench connector', onLog: log });
    client = c;
    const w = c.welcome;
    useBridge.setState({
      phase: 'connected',
      info: {
        url: c.url,
        backend: w.backend,
        sessionId: w.session_id,
        server: `${w.server.name} ${w.server.version}`,
        tasks: w.capabilities.tasks,
        franka: w.capabilities.franka,
        ray: w.capabilities.ray,
        isaacgym: w.capabilities.isaacgym,
        maxEnvs: w.limits.max_envs,
        heartbeatTimeoutMs: w.limits.heartbeat_timeout_ms,
        commandRateHz: w.limits.command_rate_hz ?? null,
      },
      specTask: useBridge.getState().specTask ?? w.capabilities.tasks.find((t) => isTaskId(t)) ?? w.capabilities.tasks[0] ?? null,
    });
    c.onHeartbeat(() => useBridge.setState({ latencyMs: c.latencyMs, latencyMeanMs: c.latencyMeanMs }));
    c.onStatus((st) => useBridge.setState({ robot: st }));
    c.onClose((reason) => {
      if (client !== c) return;
      client = null;
      useBridge.setState({ phase: 'closed', error: { field: 'connection', message: reason }, robot: null });
    });
    const task = useBridge.getState().specTask;
    if (task) void showSpec(task);
  } catch (err) {
    const message = (err as Error).message;
    log(`✕ ${message}`);
    useBridge.setState({ phase: 'closed', error: { field: fieldOf(message, err), message } });
  }
}

/** Connects again with the same URL and token. */
export function reconnectBridge(): Promise<void> {
  return connectBridge();
}

export function disconnectBridge(reason = 'closed on this page'): void {
  abortPolicy();
  const c = client;
  client = null;
  if (c) {
    c.close(reason);
    useBridge.setState({ phase: 'idle', latencyMs: null, latencyMeanMs: null, robot: null });
  }
}

/** Asks the bridge for a task's env spec (one env made and closed again on this page's connection). */
export async function showSpec(task: string): Promise<void> {
  useBridge.setState({ specTask: task, specError: null });
  const c = client;
  if (!c) return;
  if (!isTaskId(task)) {
    useBridge.setState({ spec: null, specError: `The bridge offers "${task}", a task this app does not know: it cannot train on it.` });
    return;
  }
  if (useBridge.getState().info?.franka) return;
  let venv: BridgeVecEnv | null = null;
  try {
    venv = await BridgeVecEnv.create(c, { taskId: task, nEnvs: 1, actSteps: 1, seed: 0 });
    if (useBridge.getState().specTask === task) useBridge.setState({ spec: { task, spec: venv.spec, traceDim: venv.traceDim, tagKeys: venv.tagKeys } });
  } catch (err) {
    useBridge.setState({ spec: null, specError: (err as Error).message });
  } finally {
    await venv?.dispose();
  }
}

/**
 * Env steps/s of bridge-hosted envs as this tab sees them, beside the browser's own sim worker pool in the
 * same run: the `dppo bench sim` driver (random chunks of 4 actions in the spec's bounds, auto-reset in the
 * VecEnv), alternating 1-s blocks of bridge and pool after a warm-up, medians over the blocks (the machine's
 * speed drifts). The pool (src/sim/pool/, Web Workers) is loaded on demand, so MuJoCo never enters the page.
 */
export async function benchBridge(opts: { task: string; nEnvs: number; seconds: number; poolWorkers?: number }): Promise<void> {
  const c = client;
  if (!c || useBridge.getState().bench.running) return;
  useBridge.setState({ bench: { running: true, result: null, error: null } });
  let venv: BridgeVecEnv | null = null;
  let pool: VecEnv | null = null;
  try {
    const actSteps = 4;
    const vecOpts = { taskId: opts.task, nEnvs: opts.nEnvs, actSteps, seed: 0 };
    venv = await BridgeVecEnv.create(c, vecOpts);
    const [{ createPooledVecEnv, defaultPoolWorkers }, { spawnSimPoolWorker }] = await Promise.all([import('../sim/pool'), import('../workers/simPoolSpawn')]);
    const workers = opts.poolWorkers ?? defaultPoolWorkers();
    pool = await createPooledVecEnv(vecOpts, { workers, spawn: spawnSimPoolWorker, mujocoBase: new URL('vendor/mujoco/', location.href).href });
    const { actDim: Da, actLow, actHigh } = venv.spec;
    const actions = new Float32Array(opts.nEnvs * actSteps * Da);
    let seed = 12345;
    const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
    const run = async (env: VecEnv, ms: number) => {
      const t0 = performance.now();
      let chunks = 0;
      while (performance.now() - t0 < ms) {
        for (let i = 0; i < actions.length; i++) {
          const d = i % Da;
          actions[i] = actLow[d] + (actHigh[d] - actLow[d]) * rand();
        }
        await env.stepChunk(actions, actSteps);
        chunks++;
      }
      const s = (performance.now() - t0) / 1000;
      return { rate: (chunks * opts.nEnvs * actSteps) / s, msPerChunk: (s * 1000) / Math.max(1, chunks) };
    };
    await venv.reset();
    await pool.reset();
    await run(venv, 500);
    await run(pool, 500);
    const bridgeRates: number[] = [];
    const chunkMs: number[] = [];
    const poolRates: number[] = [];
    for (let b = 0; b < Math.max(1, Math.round(opts.seconds)); b++) {
      const r = await run(venv, 1000);
      bridgeRates.push(r.rate);
      chunkMs.push(r.msPerChunk);
      poolRates.push((await run(pool, 1000)).rate);
    }
    const result: BridgeBenchResult = {
      task: opts.task,
      nEnvs: opts.nEnvs,
      actSteps,
      seconds: bridgeRates.length,
      envStepsPerS: median(bridgeRates),
      msPerChunk: median(chunkMs),
      poolEnvStepsPerS: median(poolRates),
      poolWorkers: workers,
    };
    log(`bench: bridge ${Math.round(result.envStepsPerS)} env steps/s (${result.msPerChunk.toFixed(2)} ms per chunk), browser pool of ${workers} workers ${Math.round(result.poolEnvStepsPerS)} (${opts.task}, ${opts.nEnvs} envs)`);
    useBridge.setState({ bench: { running: false, result, error: null } });
  } catch (err) {
    useBridge.setState({ bench: { running: false, result: null, error: (err as Error).message } });
  } finally {
    await venv?.dispose();
    await pool?.dispose();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Starts a fine-tuning run whose envs the bridge hosts: the Experiments form's settings (its overrides only
 * when its task is `task`, else that task's preset), from the selected checkpoint or an uploaded file. The
 * run shows on the Experiments page like any other, labelled with the bridge.
 */
export function runOnBridge(task: string, file?: { name: string; bytes: ArrayBuffer }): string | null {
  const s = useBridge.getState();
  const c = client;
  if (!c || !s.info) {
    useBridge.setState({ runError: 'Connect to a bridge first.' });
    return null;
  }
  const live = Object.values(useRuns.getState().runs).find((r) => isLive(r.status));
  if (live) {
    useBridge.setState({ runError: `Run ${live.label} is still going; stop it before starting another.` });
    return null;
  }
  const exp = settingsOf(useExperiment.getState());
  const settings: ExperimentSettings = exp.task === task ? exp : { ...exp, task, overrides: {} };
  let config;
  try {
    if (!s.info.tasks.includes(task)) throw new UserError(`The bridge does not offer "${task}".`);
    config = configOf(settings);
    if (config.nEnvs > s.info.maxEnvs) throw new UserError(`The bridge hosts at most ${s.info.maxEnvs} envs; the settings ask for ${config.nEnvs}.`);
  } catch (err) {
    useBridge.setState({ runError: (err as Error).message });
    return null;
  }
  const checkpoint = file ? `file:${file.name}` : selectedCheckpoint(task, settings.algo);
  const id = startRun(config, checkpoint, settings.preset, {
    env: {
      request: { kind: 'bridge', url: c.url, token: s.tokenText },
      source: { kind: 'bridge', url: c.url, backend: s.info.backend, sessionId: s.info.sessionId },
    },
    checkpointBytes: file?.bytes,
  });
  if (!id) {
    useBridge.setState({ runError: 'The train worker is not ready yet; try again in a moment.' });
    return null;
  }
  log(`run ${id} started on the bridge (${task}, ${config.nEnvs} envs, ${config.nTrainItr} iterations)`);
  useBridge.setState({ runId: id, runError: null });
  return id;
}

/**
 * STOP: `stop` goes to the bridge first (Franka: halts the arm and disarms; sims: drops queued steps), then
 * the active run is stopped. Works whether or not the page is connected.
 */
export function stopEverything(): void {
  if (client?.open) {
    client.stop();
    log('→ stop (sent before anything else)');
  }
  if (abortPolicy()) log('policy run: stopped');
  const { activeRunId, runs } = useRuns.getState();
  if (activeRunId && runs[activeRunId] && isLive(runs[activeRunId].status)) {
    stopRun();
    log(`run ${activeRunId}: stop requested`);
  }
}

// Arming is lost when the tab is hidden (spec/ecosystem §3d, a design suggestion we follow): a robot that
// nobody watches must not move. STOP goes out before the page stops running its timers.
if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    const st = useBridge.getState().robot?.state;
    if (document.visibilityState === 'hidden' && (st === 'armed' || st === 'running')) {
      log('tab hidden while armed: STOP');
      stopEverything();
    }
  });
}

/** Arms the Franka after the user typed ARM (the bridge checks the same word). */
export async function armRobot(typed: string): Promise<void> {
  const c = client;
  if (!c) return;
  if (typed.trim() !== 'ARM') {
    useBridge.setState({ armError: 'Type ARM (capitals) to arm the robot.' });
    return;
  }
  useBridge.setState({ armError: null });
  try {
    await c.request({ op: 'arm', id: c.newId(), confirm: 'ARM' });
  } catch (err) {
    useBridge.setState({ armError: (err as Error).message });
  }
}

export async function disarmRobot(): Promise<void> {
  abortPolicy();
  const c = client;
  if (!c) return;
  try {
    await c.request({ op: 'disarm', id: c.newId() });
  } catch (err) {
    useBridge.setState({ armError: (err as Error).message });
  }
}

/**
 * Streams a command to the armed Franka: (dx, dy, dz, drx, dry, drz, gripper) in [−1, 1], scaled by the
 * bridge's clamps (docs/bridge-protocol.md §5). Commands are not answered; `status.last_seq` says which ran.
 */
export function sendRobotCommand(cmd: readonly number[]): void {
  const c = client;
  if (!c || cmd.length !== 7) return;
  const data = Float32Array.from(cmd, (x) => Math.max(-1, Math.min(1, Number.isFinite(x) ? x : 0)));
  try {
    c.sendFrame({ kind: 1, seq: c.newId(), tNs: BigInt(Date.now()) * 1_000_000n, tensors: [{ name: 'actions', dtype: 'f32', shape: [1, 1, 7], data }] });
  } catch (err) {
    useBridge.setState({ armError: (err as Error).message });
  }
}

// ---- a policy on the Franka -------------------------------------------------------------------------

let policyAbort: AbortController | null = null;
let nextActId = 1;
const actPending = new Map<number, { resolve: (r: CheckpointJobResult) => void; reject: (e: Error) => void }>();

function onTrainAct(r: TrainResponse): void {
  if (r.type !== 'checkpoint-result' && r.type !== 'checkpoint-error') return;
  const p = actPending.get(r.requestId);
  if (!p) return;
  actPending.delete(r.requestId);
  if (r.type === 'checkpoint-result') p.resolve(r.result);
  else p.reject(new UserError(r.message));
}

/** A checkpoint job in the train worker (inference never runs on the page). */
function workerJob(job: CheckpointJob): Promise<CheckpointJobResult> {
  const port = trainPort();
  if (!port || !listenTrain('bridge-policy', onTrainAct)) return Promise.reject(new UserError('The training worker is not running yet; try again in a moment.'));
  const requestId = 1_000_000_000 + nextActId++;
  return new Promise((resolve, reject) => {
    actPending.set(requestId, { resolve, reject });
    port.post({ type: 'checkpoint', requestId, job });
  });
}

/** Aborts a running policy loop (no command is sent after this); true when one was running. */
function abortPolicy(): boolean {
  const a = policyAbort;
  policyAbort = null;
  a?.abort();
  return !!a;
}

/**
 * Runs a policy on the armed Franka (src/bridge/frankaPolicy.ts): the scripted reach policy, or a checkpoint
 * file whose actor takes the 7-D end-effector pose and emits the 7-D command. Each step reads the latest
 * status, asks the train worker for an action and sends it as a command frame at the bridge's command rate;
 * the bridge clamps it (5 cm / 0.5 rad, workspace box). Ends on STOP (Space/Esc), disarm, a hidden tab, a
 * disconnect or any error.
 */
export async function runRobotPolicy(file?: { name: string; bytes: ArrayBuffer }): Promise<void> {
  const c = client;
  if (!c || policyAbort) return;
  const st = c.lastStatus;
  if (!st || !(st.state === 'armed' || st.state === 'running') || !st.controller) {
    useBridge.setState({ policy: { ...POLICY_IDLE, error: 'Arm the robot (type ARM) before running a policy.' } });
    return;
  }
  const ref = file ? `file:${file.name}#${nextActId}` : FRANKA_SCRIPTED_REF;
  const source = file ? file.name : 'scripted reach';
  const ctl = new AbortController();
  policyAbort = ctl;
  useBridge.setState({ policy: { ...POLICY_IDLE, running: true, source } });
  log(`policy run: ${source} at ${c.welcome.limits.command_rate_hz ?? 10} Hz`);
  let bytes = file?.bytes;
  let inferMs: number | null = null;
  let prev: FrankaPolicyStep | null = null;
  const { workspaceLow: lo, workspaceHigh: hi } = FRANKA_DEFAULT_LIMITS;
  try {
    const r = await runFrankaPolicy({
      client: c,
      signal: ctl.signal,
      act: async (obs) => {
        const res = await workerJob({ kind: 'act', ref, obs: Array.from(obs), fit: 'franka', ...(bytes ? { bytes } : {}) });
        bytes = undefined; // cached in the worker from now on
        if (res.kind !== 'act') throw new Error(`unexpected answer ${res.kind}`);
        inferMs = res.ms;
        return res.action;
      },
      onStep: (step) => {
        const p = step.poseBefore;
        const boxedM = step.commandedM.map((d, i) => Math.min(hi[i], Math.max(lo[i], p[i] + d)) - p[i]) as [number, number, number];
        const measuredM = prev ? (p.map((x, i) => x - prev!.poseBefore[i]) as [number, number, number]) : null;
        prev = step;
        useBridge.setState((s) => ({ policy: { ...s.policy, steps: step.step, last: step, boxedM, measuredM, inferMs } }));
      },
    });
    const ended = r.end === 'stopped' ? 'stopped' : r.message;
    log(`policy run: ${r.steps} commands, ended: ${ended}`);
    useBridge.setState((s) => ({ policy: { ...s.policy, running: false, ended, error: r.end === 'error' ? r.message : null } }));
    // An error mid-run leaves the arm armed: stop it, as STOP would.
    if (r.end === 'error' && c.open) c.stop();
  } finally {
    if (policyAbort === ctl) policyAbort = null;
    void workerJob({ kind: 'act-release' }).catch(() => undefined);
  }
}
