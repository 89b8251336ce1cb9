/**
 * Run handling inside the train worker: start / pause / resume / stop of a fine-tuning run and the
 * action-cloud inspector (paper Fig. 11). train.worker.ts forwards these TrainRequests here; everything
 * the page sees leaves through `post` as TrainResponses (protocol.ts).
 *
 * One run at a time (2-core target). After a run ends its policies stay loaded so the inspector can still
 * compare pre-trained and fine-tuned; they are released when the next run starts.
 *
 * Asset URLs: Vite emits workers into `<app base>/assets/`, and in dev the public folder is served at the
 * origin root, so the app base is derived from the worker's own location (appBaseUrl) and builtin
 * checkpoints are fetched from `<app base>/<resolveBuiltin(ref).path>`.
 *
 * Legend: n inspector chains, K denoising steps, Ta horizon, Da action dim, Do obs dim.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { UserError } from '../core/errors';
import { isBuiltin, resolveBuiltin } from '../data/builtins';
import { decodeCheckpoint, type Checkpoint } from '../policy/checkpoint';
import { policyFromCheckpoint } from '../policy/index';
import type { Normalizer } from '../policy/normalizer';
import type { Policy, SampleOptions } from '../policy/types';
import { setMujocoVendorBase } from '../sim/mujoco';
import { PausableControl } from '../train/control';
import type { TrainEvent } from '../train/events';
import { finetunePpo, type FinetuneHandles, type FinetuneResult } from '../train/finetunePpo';
import type { InspectResult, TrainRequest, TrainResponse } from './protocol';

type Post = (r: TrainResponse, transfer?: Transferable[]) => void;

/** σ_min^exp and noise clamp used for inspector samples when no run config applies (spec §4.8 Avoid). */
const DEFAULT_SAMPLING = { minSamplingDenoisingStd: 0.1, randnClipValue: 3 };

interface RunSlot {
  runId: string;
  control: PausableControl;
  handles: FinetuneHandles | null;
  result: FinetuneResult | null;
  finished: boolean;
  sampling: { minSamplingDenoisingStd: number; randnClipValue: number };
}

interface Standalone {
  ref: string;
  policy: Policy;
  normalizer: Normalizer;
  release(): void;
}

let slot: RunSlot | null = null;
let standalone: Standalone | null = null;
const checkpoints = new Map<string, Promise<Checkpoint>>();

/**
 * App base URL (with trailing slash) seen from a worker: the folder above `assets/` in a build, the origin
 * root in the Vite dev server.
 */
export function appBaseUrl(href: string = self.location.href): string {
  const u = new URL(href);
  const i = u.pathname.lastIndexOf('/assets/');
  return i >= 0 ? u.origin + u.pathname.slice(0, i + 1) : u.origin + '/';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function fetchCheckpoint(ref: string): Promise<Checkpoint> {
  if (!isBuiltin(ref)) throw new UserError(`Checkpoint "${ref}" is not a bundled one; upload its file instead.`);
  const url = new URL(resolveBuiltin(ref).path, appBaseUrl()).href;
  const res = await fetch(url);
  if (!res.ok) throw new UserError(`Could not load ${ref} (${res.status} ${res.statusText} at ${url}).`);
  return decodeCheckpoint(new Uint8Array(await res.arrayBuffer()));
}

function loadCheckpoint(ref: string | ArrayBuffer): Promise<Checkpoint> {
  if (typeof ref !== 'string') return Promise.resolve(decodeCheckpoint(new Uint8Array(ref)));
  let p = checkpoints.get(ref);
  if (!p) {
    p = fetchCheckpoint(ref);
    checkpoints.set(ref, p);
    p.catch(() => checkpoints.delete(ref));
  }
  return p;
}

function releaseSlot(): void {
  slot?.result?.dispose();
  slot = null;
}

async function startRun(msg: Extract<TrainRequest, { type: 'start-finetune' }>, post: Post): Promise<void> {
  const { runId, config } = msg;
  const emit = (event: TrainEvent): void => post({ type: 'event', runId, event: event.type === 'start' ? { ...event, runId } : event });
  if (slot && !slot.finished) {
    emit({ type: 'error', message: `Run ${slot.runId} is still going; stop it before starting another.` });
    return;
  }
  releaseSlot();
  const mine: RunSlot = {
    runId,
    control: new PausableControl(),
    handles: null,
    result: null,
    finished: false,
    sampling: { minSamplingDenoisingStd: config.minSamplingDenoisingStd, randnClipValue: config.randnClipValue },
  };
  slot = mine;
  try {
    setMujocoVendorBase(new URL('vendor/mujoco/', appBaseUrl()).href);
    emit({ type: 'progress', phase: 'idle', itr: 0, fraction: 0, message: 'loading checkpoint and environments' });
    const checkpoint = await loadCheckpoint(msg.checkpoint);
    mine.result = await finetunePpo({
      config,
      checkpoint,
      sink: emit,
      control: mine.control,
      onReady: (h) => {
        mine.handles = h;
      },
    });
  } catch (err) {
    mine.handles = null; // the loop released its policies on the way out
    emit({ type: 'error', message: message(err) });
  } finally {
    mine.finished = true;
  }
}

function controlRun(msg: Extract<TrainRequest, { type: 'pause' | 'resume' | 'stop' }>, post: Post): void {
  if (!slot || slot.runId !== msg.runId || slot.finished) {
    post({ type: 'error', runId: msg.runId, message: `Run ${msg.runId} is not active in this worker (it may have ended or the page reloaded).` });
    return;
  }
  if (msg.type === 'pause') slot.control.pause();
  else if (msg.type === 'resume') slot.control.resume();
  else slot.control.stop();
}

/** Policy pair for an inspect request: the live run's when it matches, else a checkpoint loaded on its own. */
async function policiesFor(msg: Extract<TrainRequest, { type: 'inspect' }>): Promise<{
  policy: Policy;
  base: Policy;
  normalizer: Normalizer;
  itr: number;
  sampling: RunSlot['sampling'];
}> {
  if (slot && slot.runId === msg.runId && slot.handles) {
    const h = slot.handles;
    const itr = slot.finished ? h.currentItr() - 1 : h.currentItr();
    return { policy: h.policy, base: h.basePolicy, normalizer: h.normalizer, itr, sampling: slot.sampling };
  }
  if (!standalone || standalone.ref !== msg.checkpoint) {
    const ckpt = await loadCheckpoint(msg.checkpoint);
    standalone?.release();
    const loaded = policyFromCheckpoint(ckpt, new Rng(msg.seed));
    standalone = {
      ref: msg.checkpoint,
      policy: loaded.policy,
      normalizer: loaded.normalizer,
      release: () => {
        loaded.policy.dispose();
        loaded.critic?.dispose();
      },
    };
  }
  return { policy: standalone.policy, base: standalone.policy, normalizer: standalone.normalizer, itr: -1, sampling: DEFAULT_SAMPLING };
}

/**
 * Samples n chains from one state and returns the first action of the chunk after every denoising step,
 * in raw task units (Avoid: Δxy in m). Gaussian/GMM have no chain: one step, the final action.
 */
async function inspect(msg: Extract<TrainRequest, { type: 'inspect' }>, post: Post): Promise<void> {
  try {
    const { policy, base, normalizer, itr, sampling } = await policiesFor(msg);
    const pretrained = msg.policy === 'pretrained';
    const diffusionBase = pretrained && base === policy && policy.prepareFinetune !== undefined;
    const sampler = pretrained ? base : policy;
    const { actionDim: Da } = sampler.config;
    const Do = normalizer.obsDim;
    if (msg.obs.length !== Do) throw new UserError(`The inspector state needs ${Do} numbers, got ${msg.obs.length}.`);
    const n = Math.max(1, Math.min(2048, Math.floor(msg.n)));
    const obsRaw = new Float32Array(n * Do);
    for (let i = 0; i < n; i++) obsRaw.set(msg.obs, i * Do);
    const obsNorm = normalizer.normalizeObs(obsRaw);
    const opts: SampleOptions & { useBaseActor?: boolean } = {
      deterministic: false,
      recordChain: false,
      recordAllSteps: true,
      rng: new Rng(msg.seed),
      minSamplingDenoisingStd: sampling.minSamplingDenoisingStd,
      randnClipValue: sampling.randnClipValue,
      useBaseActor: diffusionBase,
    };
    // [S, n·Da]: first chunk row of every recorded step, S = K+1 (diffusion) or 1.
    const firstRows = tf.tidy(() => {
      const res = sampler.sample(tf.tensor2d(obsNorm, [n, Do]), opts);
      const all = res.allSteps ?? (res.actions.expandDims(0) as tf.Tensor4D);
      const S = all.shape[0];
      return all.slice([0, 0, 0, 0], [S, n, 1, Da]).reshape([S, n * Da]) as tf.Tensor2D;
    });
    const S = firstRows.shape[0];
    const flat = (await firstRows.data()) as Float32Array;
    firstRows.dispose();
    const steps: Float32Array[] = [];
    for (let s = 0; s < S; s++) steps.push(normalizer.unnormalizeAction(flat.subarray(s * n * Da, (s + 1) * n * Da)));
    const result: InspectResult = {
      requestId: msg.requestId,
      policy: msg.policy,
      stepLabels: steps.map((_, s) => S - 1 - s),
      steps,
      actionDim: Da,
      itr: pretrained ? -1 : itr,
    };
    post({ type: 'inspect-result', result }, steps.map((s) => s.buffer as ArrayBuffer));
  } catch (err) {
    post({ type: 'error', runId: msg.runId, requestId: msg.requestId, message: message(err) });
  }
}

/** Entry point used by train.worker.ts for the run and inspector messages; other requests are ignored. */
export function handleRunMessage(msg: TrainRequest, post: Post): void {
  switch (msg.type) {
    case 'start-finetune':
      void startRun(msg, post);
      return;
    case 'pause':
    case 'resume':
    case 'stop':
      controlRun(msg, post);
      return;
    case 'inspect':
      void inspect(msg, post);
      return;
    case 'init':
    case 'set-backend':
      return;
    default: {
      const never: never = msg;
      throw new Error(`Unhandled train request ${(never as { type: string }).type}`);
    }
  }
}
