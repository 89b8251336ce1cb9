/**
 * The train worker's checkpoint jobs (checkpointProtocol.ts): everything that needs tfjs or the engine —
 * reading any importable file (src/data/checkpoints), exporting, evaluating — runs here, never on the page.
 * Jobs run one at a time, in order; each answers once with a result or a specific error.
 */
import { UserError } from '../core/errors';
import { encodeCheckpoint, type Checkpoint } from '../policy/checkpoint';
import { exportCheckpoint, hintsFromActorConfig, importCheckpointFiles, type ImportedCheckpoint } from '../data/checkpoints';
import { actorConfigFor, getTask, isBuiltin, resolveBuiltin, taskIds, PRETRAIN_POLICY_KINDS } from '../sim/registry';
import { setMujocoVendorBase } from '../sim/mujoco';
import { evaluate } from '../train/evaluate';
import { PausableControl } from '../train/control';
import { runRobustness, type RobustnessPolicy } from '../train/robustness';
import { vendorUrl } from './assetBase';
import type { CheckpointInfo, CheckpointJob, CheckpointJobResult, CheckpointRequest, CheckpointResponse } from './checkpointProtocol';
import { loadCheckpoint } from './runAssets';
import { checkFrankaFit, FRANKA_SCRIPTED_REF, scriptedFrankaCheckpoint } from '../bridge/frankaPolicy';
import { policyFromCheckpoint, type LoadedPolicy } from '../policy/index';
import { decodeCheckpoint } from '../policy/checkpoint';
import { Rng } from '../core/rng';
import { tf } from '../policy/tfSetup';
import { jobActive } from './trainRuns';

type Post = (res: CheckpointResponse, transfer?: Transferable[]) => void;

function taskOf(ref: string | null, c: Checkpoint): string | null {
  if (ref && isBuiltin(ref)) return resolveBuiltin(ref).task;
  const prov = c.provenance as { task?: unknown; config?: { task?: unknown } };
  if (typeof prov.task === 'string') return prov.task;
  if (typeof prov.config?.task === 'string') return prov.config.task;
  return null;
}

export function describe(ref: string | null, c: Checkpoint): CheckpointInfo {
  let params = 0;
  for (const w of c.weights.values()) params += w.data.length;
  const info: CheckpointInfo = {
    kind: c.actorConfig.kind,
    task: taskOf(ref, c),
    actorConfig: { ...c.actorConfig },
    normalization: {
      obs_min: Array.from(c.normalization.obsMin),
      obs_max: Array.from(c.normalization.obsMax),
      action_min: Array.from(c.normalization.actionMin),
      action_max: Array.from(c.normalization.actionMax),
    },
    provenance: c.provenance,
    params,
  };
  if (c.criticConfig) info.criticConfig = { ...c.criticConfig };
  if (typeof c.provenance.ftDenoisingSteps === 'number') info.ftDenoisingSteps = c.provenance.ftDenoisingSteps;
  return info;
}

/**
 * Imports files. A config-less file (.pt, foreign safetensors) is read again with the default actor of the
 * registered tasks its shapes fit (activation, Ta, K) when they all agree; with exactly one such task the
 * checkpoint is tagged with it.
 */
function importFiles(files: { name: string; bytes: Uint8Array }[]): ImportedCheckpoint {
  const first = importCheckpointFiles(files);
  const c = first.checkpoint.actorConfig;
  if (first.notes.length === 0 || first.checkpoint.provenance.task !== undefined || !(PRETRAIN_POLICY_KINDS as readonly string[]).includes(c.kind)) return first;
  const flat = c.horizonSteps * c.actionDim;
  const fits = taskIds().filter((t) => getTask(t).spec.obsDim === c.obsDim && flat % getTask(t).spec.actDim === 0);
  const hints = fits.map((t) => hintsFromActorConfig(actorConfigFor(t, c.kind)));
  if (hints.length === 0 || hints.some((h) => JSON.stringify(h) !== JSON.stringify(hints[0]))) return first;
  const again = importCheckpointFiles(files, hints[0]);
  if (fits.length === 1) again.checkpoint.provenance = { ...again.checkpoint.provenance, task: fits[0] };
  again.notes.push(`The shapes fit ${fits.join(', ')}; that task family's default actor settings were used.`);
  return again;
}

function buffer(b: Uint8Array): ArrayBuffer {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : (b.slice().buffer as ArrayBuffer);
}

/** The policy the 'act' job keeps between steps (one at a time; freed on 'act-release' or another ref). */
let actor: { ref: string; loaded: LoadedPolicy } | null = null;

function releaseActor(): void {
  actor?.loaded.policy.dispose();
  actor?.loaded.critic?.dispose();
  actor = null;
}

async function actorFor(ref: string, bytes: ArrayBuffer | undefined, fit: 'franka' | undefined): Promise<LoadedPolicy> {
  if (actor?.ref === ref) return actor.loaded;
  releaseActor();
  const c = ref === FRANKA_SCRIPTED_REF ? scriptedFrankaCheckpoint() : bytes ? decodeCheckpoint(new Uint8Array(bytes)) : await loadCheckpoint(ref);
  if (fit === 'franka') checkFrankaFit(c.actorConfig, ref);
  const loaded = policyFromCheckpoint(c);
  actor = { ref, loaded };
  return loaded;
}

/** Eval-mode action for one raw observation: the first action of the sampled chunk, raw units. */
async function act(job: Extract<CheckpointJob, { kind: 'act' }>): Promise<number[]> {
  const { policy, normalizer } = await actorFor(job.ref, job.bytes, job.fit);
  const cfg = policy.config;
  const D = cfg.obsDim * cfg.condSteps;
  if (job.obs.length !== D || !job.obs.every(Number.isFinite)) throw new UserError(`The policy takes ${D} finite observation values; got ${job.obs.length}.`);
  const obs = tf.tensor2d(normalizer.normalizeObs(job.obs), [1, D]);
  let out: tf.Tensor3D | null = null;
  try {
    const r = policy.sample(obs, { deterministic: true, recordChain: false, rng: new Rng(job.seed ?? 0) });
    r.chain?.dispose();
    r.allSteps?.dispose();
    out = r.actions;
    const flat = await out.data();
    return Array.from(normalizer.unnormalizeAction(flat.subarray(0, cfg.actionDim)));
  } finally {
    obs.dispose();
    out?.dispose();
  }
}

/** Controls of cancellable jobs (robustness), queued or running, by request id; a 'cancel' job stops one. */
const controls = new Map<number, PausableControl>();

/** The robustness study (src/train/robustness.ts) with progress, each finished cell posted at once, and cancel. */
async function robustness(job: Extract<CheckpointJob, { kind: 'robustness' }>, requestId: number, post: Post): Promise<CheckpointJobResult> {
  // One long job at a time in this worker (2-core target), as for evaluation.
  if (jobActive()) throw new UserError('A fine-tuning run or pre-training is going in this tab; run the robustness study once it has finished, or stop it first.');
  if (!Number.isInteger(job.episodes) || job.episodes < 1 || job.episodes > 1000) throw new UserError(`Episodes must be an integer in [1, 1000]; got ${job.episodes}.`);
  if (typeof self !== 'undefined' && self.location) setMujocoVendorBase(vendorUrl('mujoco'));
  const policies: RobustnessPolicy[] = [];
  for (const p of job.policies) policies.push({ name: p.name, ref: p.ref, checkpoint: await loadCheckpoint(p.ref) });
  // Its checkpoint() yields to the event loop each chunk step, so a 'cancel' message gets handled mid-cell.
  const control = controls.get(requestId) ?? new PausableControl();
  let fraction = 0;
  let lastPost = 0;
  const result = await runRobustness({
    task: job.task,
    policies,
    sigmas: job.sigmas,
    initNoiseScales: job.initNoiseScales,
    episodes: job.episodes,
    seed: job.seed,
    maxEpisodeSteps: job.maxEpisodeSteps,
    control,
    onProgress: (f, label) => {
      fraction = f;
      const now = performance.now();
      // At most ~10 progress messages a second (a cell has one per chunk step).
      if (now - lastPost < 100 && f < 1) return;
      lastPost = now;
      post({ type: 'checkpoint-progress', requestId, fraction: f, message: label });
    },
    onCell: (cell) => post({ type: 'checkpoint-progress', requestId, fraction, cell }),
  });
  return { kind: 'robustness', result };
}

async function run(job: CheckpointJob, requestId: number, post: Post): Promise<{ result: CheckpointJobResult; transfer: Transferable[] }> {
  switch (job.kind) {
    case 'act': {
      const t0 = performance.now();
      const action = await act(job);
      return { result: { kind: 'act', action, ms: performance.now() - t0 }, transfer: [] };
    }
    case 'act-release':
      releaseActor();
      return { result: { kind: 'act-release' }, transfer: [] };
    case 'describe': {
      const c = await loadCheckpoint(job.ref);
      return { result: { kind: 'describe', info: describe(job.ref, c) }, transfer: [] };
    }
    case 'import': {
      const r = importFiles(job.files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })));
      const bytes = buffer(encodeCheckpoint(r.checkpoint));
      return { result: { kind: 'import', info: describe(null, r.checkpoint), bytes, format: r.format, sourceKey: r.sourceKey, notes: r.notes }, transfer: [bytes] };
    }
    case 'export': {
      const c = await loadCheckpoint(job.ref);
      const base = job.ref.replace(/^[a-z]+:/, '').replace(/[^A-Za-z0-9_.-]+/g, '_') || 'policy';
      const files = (await exportCheckpoint(c, job.format, base)).map((f) => ({ name: f.name, bytes: buffer(f.bytes) }));
      return { result: { kind: 'export', files }, transfer: files.map((f) => f.bytes) };
    }
    case 'bytes': {
      const c = await loadCheckpoint(job.ref);
      const bytes = buffer(encodeCheckpoint(c));
      return { result: { kind: 'bytes', info: describe(job.ref, c), bytes }, transfer: [bytes] };
    }
    case 'evaluate': {
      // One long job at a time in this worker (2-core target), as for runs and the benchmark.
      if (jobActive()) throw new UserError('A fine-tuning run or pre-training is going in this tab; evaluate once it has finished, or stop it first.');
      const c = await loadCheckpoint(job.ref);
      const task = job.task ?? taskOf(job.ref, c);
      if (!task) throw new UserError(`${job.ref} does not say which task it was trained on; pick the task to evaluate it on.`);
      if (!Number.isInteger(job.episodes) || job.episodes < 1 || job.episodes > 1000) throw new UserError(`Episodes must be an integer in [1, 1000]; got ${job.episodes}.`);
      if (typeof self !== 'undefined' && self.location) setMujocoVendorBase(vendorUrl('mujoco'));
      const nEnvs = Math.min(job.episodes, 50);
      const rounds = Math.ceil(job.episodes / nEnvs);
      post({ type: 'checkpoint-progress', requestId, fraction: 0, message: `evaluating on ${task}` });
      const summary = await evaluate({
        task,
        checkpoint: c,
        episodes: job.episodes,
        seed: job.seed,
        nEnvs,
        sink: (ev) => {
          if (ev.type === 'progress') post({ type: 'checkpoint-progress', requestId, fraction: Math.min(1, (ev.itr + ev.fraction) / rounds) });
        },
      });
      return { result: { kind: 'evaluate', summary: { ...summary, ckpt: job.ref } }, transfer: [] };
    }
    case 'robustness':
      return { result: await robustness(job, requestId, post), transfer: [] };
    case 'cancel':
      // Answered in handleCheckpointMessage without queueing; here only if sent some other way.
      return { result: { kind: 'cancel', found: false }, transfer: [] };
  }
}

let queue: Promise<void> = Promise.resolve();

/** Entry point for train.worker.ts. */
/** Settles when every checkpoint job queued so far is done (the benchmark waits: its tensor count must be its own). */
export function checkpointJobsIdle(): Promise<void> {
  return queue;
}

export function handleCheckpointMessage(msg: CheckpointRequest, post: Post): void {
  if (msg.job.kind === 'cancel') {
    // Not queued: the job it stops may be the one the queue is waiting for.
    const control = controls.get(msg.job.target);
    control?.stop();
    const found = control !== undefined;
    post({ type: 'checkpoint-result', requestId: msg.requestId, result: { kind: 'cancel', found } });
    return;
  }
  if (msg.job.kind === 'robustness') controls.set(msg.requestId, new PausableControl());
  queue = queue.then(async () => {
    try {
      const { result, transfer } = await run(msg.job, msg.requestId, post);
      post({ type: 'checkpoint-result', requestId: msg.requestId, result }, transfer);
    } catch (e) {
      const text = e instanceof UserError ? e.message : `Checkpoint job failed: ${(e as Error)?.message ?? String(e)}`;
      post({ type: 'checkpoint-error', requestId: msg.requestId, message: text });
    } finally {
      controls.delete(msg.requestId);
    }
  });
}
