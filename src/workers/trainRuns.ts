/**
 * Run handling inside the train worker: start / pause / resume / stop of a fine-tuning or pre-training
 * run and the action-cloud inspector (paper Fig. 11). train.worker.ts forwards every non-backend
 * TrainRequest here; everything the page sees leaves through `post` as TrainResponses (protocol.ts).
 *
 * One long job at a time (2-core target), whichever its kind. After a fine-tuning run ends its policies
 * stay loaded so the inspector can still compare pre-trained and fine-tuned; they are released when the
 * next job starts. A pre-training job leaves its checkpoint as `session:<runId>` (pretrainJob.ts); so does a
 * fine-tuning run that diverged, with its last good weights (train/divergence.ts).
 *
 * Assets (bundled checkpoints and datasets, session checkpoints) come from runAssets.ts.
 *
 * Legend: n inspector chains, S recorded steps (K+1 for diffusion, 1 otherwise), Ta horizon, Da action
 * dim, Do obs dim.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { UserError } from '../core/errors';
import { RANDN_CLIP_VALUE_DEFAULT, resolveFinetuneConfig, validateAgainstActor } from '../config/finetune';
import { policyFromCheckpoint } from '../policy/index';
import type { Normalizer } from '../policy/normalizer';
import type { Policy, SampleOptions } from '../policy/types';
import { FollowTap } from '../sim/liveFollow';
import { setMujocoVendorBase } from '../sim/mujoco';
import type { VecEnvOptions } from '../sim/types';
import { createVectorEnv } from '../sim/vectorEnv';
import { PausableControl } from '../train/control';
import { DivergenceError } from '../train/divergence';
import type { TrainEvent } from '../train/events';
import { finetunePpo, type FinetuneHandles, type FinetuneResult, type SavedState } from '../train/finetunePpo';
import { decodeTrainingState, encodeTrainingState } from '../train/trainingState';
import { encodeCheckpoint } from '../policy/checkpoint';
import { bridgeEnvFactory } from '../bridge/bridgeVecEnv';
import { applyGpuOverrides } from '../config/gpuOverrides';
import { isTaskId, taskFamily } from '../sim/registry';
import { activeBackendInfo } from './activeBackend';
import { vendorUrl } from './assetBase';
import { runPretrainJob } from './pretrainJob';
import type { InspectResult, TrainRequest, TrainResponse } from './protocol';
import { keepSessionCheckpoint, loadCheckpoint } from './runAssets';

/** Every TrainRequest except the backend ones, which train.worker.ts handles itself. */
export type RunRequest = Exclude<TrainRequest, { type: 'init' } | { type: 'set-backend' } | { type: 'set-workload' } | { type: 'bench' } | { type: 'checkpoint' }>;

export type PostTrain = (res: TrainResponse, transfer?: Transferable[]) => void;

/** σ_min^exp and noise clamp for inspector samples when no run config applies (spec §4.8, Avoid row). */
const DEFAULT_SAMPLING = { minSamplingDenoisingStd: 0.1, randnClipValue: RANDN_CLIP_VALUE_DEFAULT };

interface RunSlot {
  runId: string;
  kind: 'finetune' | 'pretrain';
  control: PausableControl;
  handles: FinetuneHandles | null;
  result: FinetuneResult | null;
  finished: boolean;
  sampling: { minSamplingDenoisingStd: number; randnClipValue: number };
  /** The env the viewer follows live ('follow-env'), and the tap that streams it (sim/liveFollow.ts). */
  followEnv: number;
  tap: FollowTap | null;
}

interface Standalone {
  ref: string;
  policy: Policy;
  normalizer: Normalizer;
  /** The fine-tuning iteration the checkpoint's weights come after (its provenance), −1 when not fine-tuned. */
  itr: number;
  release(): void;
}

let slot: RunSlot | null = null;
let standalone: Standalone | null = null;
/** Inspect requests run in arrival order, never overlapping (`inspect` never rejects). */
let inspectQueue: Promise<void> = Promise.resolve();

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function emitterFor(runId: string, post: PostTrain): (event: TrainEvent) => void {
  return (event) => post({ type: 'event', runId, event: event.type === 'start' ? { ...event, runId } : event });
}

/**
 * Takes the single job slot for a new run, releasing what the previous run kept; null (and an error event
 * for the new run) while another job is still going.
 */
function claimSlot(runId: string, kind: RunSlot['kind'], sampling: RunSlot['sampling'], emit: (e: TrainEvent) => void): RunSlot | null {
  if (slot && !slot.finished) {
    const what = slot.kind === 'pretrain' ? 'Pre-training' : 'Run';
    emit({ type: 'error', message: `${what} ${slot.runId} is still going; stop it before starting another.` });
    return null;
  }
  slot?.result?.dispose();
  slot = { runId, kind, control: new PausableControl(), handles: null, result: null, finished: false, sampling, followEnv: 0, tap: null };
  return slot;
}

async function startRun(msg: Extract<RunRequest, { type: 'start-finetune' }>, post: PostTrain): Promise<void> {
  const { runId, config } = msg;
  const emit = emitterFor(runId, post);
  const mine = claimSlot(runId, 'finetune', { minSamplingDenoisingStd: config.minSamplingDenoisingStd, randnClipValue: config.randnClipValue }, emit);
  if (!mine) return;
  try {
    if (typeof self !== 'undefined' && self.location) setMujocoVendorBase(vendorUrl('mujoco'));
    emit({ type: 'progress', phase: 'idle', itr: 0, fraction: 0, message: 'loading checkpoint and environments' });
    const checkpoint = await loadCheckpoint(msg.checkpoint);
    // The settings through the schema once more (the request may come from an old page or a stored run) and
    // against this checkpoint (K′ ≤ K, rollout memory), with the messages the form and the CLI give.
    const resolved = resolveFinetuneConfig(config);
    // GPU-sized work (issue 12): on a real GPU the task's preset may batch more; what changed is said here
    // and recorded in the config the run uses (its checkpoints' provenance).
    const family = isTaskId(resolved.task) ? taskFamily(resolved.task) : null;
    const overrides = family?.gpuOverrides?.(resolved.task, 'laptop', resolved.algo) ?? null;
    const sized = family ? applyGpuOverrides(resolved, family.presets.laptop(resolved.task, resolved.algo, resolved.seed), overrides, activeBackendInfo()) : { config: resolved, changed: [], reason: '' };
    const checked = sized.config;
    if (sized.changed.length) {
      emit({ type: 'progress', phase: 'idle', itr: 0, fraction: 0, message: `GPU-sized: ${sized.changed.map((c) => `${c.key} ${c.from} → ${c.to}`).join(', ')} (${sized.reason})` });
    }
    validateAgainstActor(checked, checkpoint.actorConfig);
    // Bridge-hosted envs: this worker's own WebSocket to the bridge (a dropped connection fails the step
    // with a UserError, and the loop ends the run after its last complete iteration).
    const makeVecEnv = msg.env?.kind === 'bridge'
      ? bridgeEnvFactory({ url: msg.env.url, token: msg.env.token, clientName: 'dppo-workbench train worker' })
      : async (opts: VecEnvOptions) => {
          // The viewer follows one env live: the tap streams that env's actions, the viewer replays them.
          mine.tap = new FollowTap(await createVectorEnv(opts), opts, {
            env: mine.followEnv,
            onSteps: (steps) => post({ type: 'live-steps', runId, steps }, [steps.actions.buffer as ArrayBuffer]),
          });
          return mine.tap;
        };
    if (msg.env) emit({ type: 'progress', phase: 'idle', itr: 0, fraction: 0, message: `connecting to the bridge at ${msg.env.url}` });
    const resume = msg.resume ? decodeTrainingState(new Uint8Array(msg.resume)) : undefined;
    // Runs persist and resume (docs/runs.md): the state goes to the page, which stores it in IndexedDB.
    const onState = (saved: SavedState) => {
      if (!saved.state) {
        post({ type: 'train-state', runId, itr: -1, state: null, checkpoint: null, reason: saved.reason });
        return;
      }
      const state = encodeTrainingState(saved.state).buffer as ArrayBuffer;
      const ckpt = encodeCheckpoint(saved.checkpoint()).buffer as ArrayBuffer;
      post({ type: 'train-state', runId, itr: saved.state.itr, state, checkpoint: ckpt }, [state, ckpt]);
    };
    mine.result = await finetunePpo({
      config: checked,
      checkpoint,
      sink: emit,
      control: mine.control,
      resume,
      onState,
      stateEvery: msg.stateEvery,
      makeVecEnv,
      onReady: (h) => {
        mine.handles = h;
      },
    });
  } catch (err) {
    mine.handles = null; // the loop released its policies on the way out
    if (err instanceof DivergenceError && err.lastGood) {
      // The last good weights stay loadable as session:<runId> (inspector, a new fine-tuning run).
      const ref = keepSessionCheckpoint(runId, err.lastGood.checkpoint);
      emit({ type: 'error', message: message(err), lastGood: { checkpoint: ref, itr: err.lastGood.itr } });
    } else {
      emit({ type: 'error', message: message(err) });
    }
  } finally {
    mine.finished = true;
    mine.tap = null;
  }
}

async function startPretrain(msg: Extract<RunRequest, { type: 'start-pretrain' }>, post: PostTrain): Promise<void> {
  const emit = emitterFor(msg.runId, post);
  const mine = claimSlot(msg.runId, 'pretrain', DEFAULT_SAMPLING, emit);
  if (!mine) return;
  try {
    await runPretrainJob(msg, emit, mine.control);
  } catch (err) {
    emit({ type: 'error', message: message(err) });
  } finally {
    mine.finished = true;
  }
}

function controlRun(msg: Extract<RunRequest, { type: 'pause' | 'resume' | 'stop' }>, post: PostTrain): void {
  if (!slot || slot.runId !== msg.runId || slot.finished) {
    post({ type: 'error', runId: msg.runId, message: `Run ${msg.runId} is not active in this worker (it ended, or the page was reloaded).` });
    return;
  }
  if (msg.type === 'pause') slot.control.pause();
  else if (msg.type === 'resume') slot.control.resume();
  else slot.control.stop();
}

/** Policies for an inspect request: the live run's when it matches, else a checkpoint loaded on its own. */
async function policiesFor(msg: Extract<RunRequest, { type: 'inspect' }>): Promise<{
  policy: Policy;
  base: Policy;
  normalizer: Normalizer;
  itr: number;
  sampling: RunSlot['sampling'];
}> {
  if (slot && slot.runId === msg.runId && slot.handles) {
    const h = slot.handles;
    // The weights are those after the last complete iteration (the CSV's and the trajectory panel's index);
    // −1 while the first iteration is still going (= the pre-trained weights).
    const itr = h.currentItr() - 1;
    return { policy: h.policy, base: h.basePolicy, normalizer: h.normalizer, itr, sampling: slot.sampling };
  }
  if (!standalone || standalone.ref !== msg.checkpoint) {
    const ckpt = await loadCheckpoint(msg.checkpoint);
    standalone?.release();
    standalone = null;
    const loaded = policyFromCheckpoint(ckpt, new Rng(msg.seed));
    const ckptItr = ckpt.provenance.itr;
    standalone = {
      ref: msg.checkpoint,
      policy: loaded.policy,
      normalizer: loaded.normalizer,
      itr: typeof ckptItr === 'number' && Number.isInteger(ckptItr) ? ckptItr : -1,
      release: () => {
        loaded.policy.dispose();
        loaded.critic?.dispose();
      },
    };
  }
  return { policy: standalone.policy, base: standalone.policy, normalizer: standalone.normalizer, itr: standalone.itr, sampling: DEFAULT_SAMPLING };
}

/**
 * Samples n chains from one state and returns the first action of the chunk after every denoising step,
 * in raw task units (Avoid: Δxy in m). Gaussian/GMM have no chain: one step, the final action.
 */
async function inspect(msg: Extract<RunRequest, { type: 'inspect' }>, post: PostTrain): Promise<void> {
  try {
    const { policy, base, normalizer, itr, sampling } = await policiesFor(msg);
    const pretrained = msg.policy === 'pretrained';
    const sampler = pretrained ? base : policy;
    // Diffusion keeps the frozen pre-trained actor inside the same object (spec §2.6).
    const useBaseActor = pretrained && base === policy && policy.prepareFinetune !== undefined;
    const Da = sampler.config.actionDim;
    const Do = normalizer.obsDim;
    if (msg.obs.length !== Do) throw new UserError(`The inspector state needs ${Do} numbers, got ${msg.obs.length}.`);
    const n = Math.max(1, Math.min(2048, Math.floor(msg.n)));
    const obsRaw = new Float32Array(n * Do);
    for (let i = 0; i < n; i++) obsRaw.set(msg.obs, i * Do);
    const obsNorm = normalizer.normalizeObs(obsRaw);
    const opts: SampleOptions & { useBaseActor?: boolean } = {
      deterministic: msg.mode === 'eval',
      recordChain: false,
      recordAllSteps: true,
      rng: new Rng(msg.seed),
      minSamplingDenoisingStd: sampling.minSamplingDenoisingStd,
      randnClipValue: sampling.randnClipValue,
      useBaseActor,
    };
    // [S, n·Da]: the first chunk row of every recorded step.
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
      mode: msg.mode ?? 'exploration',
    };
    post({ type: 'inspect-result', result }, steps.map((s) => s.buffer as ArrayBuffer));
  } catch (err) {
    post({ type: 'error', runId: msg.runId, requestId: msg.requestId, message: message(err) });
  }
}

/** True while a fine-tuning run or a pre-training job is going (the in-app benchmark waits for none). */
/** Settles when every inspector request queued so far is done (the benchmark waits: its tensor count must be its own). */
export function inspectorIdle(): Promise<void> {
  return inspectQueue;
}

export function jobActive(): boolean {
  return slot !== null && !slot.finished;
}

/** Entry point used by train.worker.ts for run and inspector messages. */
export function handleRunMessage(msg: RunRequest, post: PostTrain): void {
  switch (msg.type) {
    case 'start-finetune':
      void startRun(msg, post);
      return;
    case 'start-pretrain':
      void startPretrain(msg, post);
      return;
    case 'pause':
    case 'resume':
    case 'stop':
      controlRun(msg, post);
      return;
    case 'follow-env':
      // Only the live run's envs can be followed; a late message for an ended run changes nothing.
      if (slot && slot.runId === msg.runId && !slot.finished) {
        slot.followEnv = msg.env;
        slot.tap?.follow(msg.env);
      }
      return;
    case 'inspect':
      // One at a time: two requests for a checkpoint not yet loaded would each load it, and the second would
      // release the first's policy while it samples (start-up: pre-trained and current are asked together).
      inspectQueue = inspectQueue.then(() => inspect(msg, post));
      return;
    default: {
      const never: never = msg;
      throw new Error(`Unhandled train request ${(never as { type: string }).type}`);
    }
  }
}
