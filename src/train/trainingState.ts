/**
 * A fine-tuning run's training state after a complete iteration — everything the next iteration reads — so
 * that a run resumed from it continues exactly as the uninterrupted run would have (finetunePpo `resume`):
 *   - the fine-tuned actor's and the critic's trainable weights;
 *   - both AdamW optimisers (moments m, v, step count, LR) and both LR schedules (steps taken);
 *   - the run's RNG (core/rng.ts), the running reward scaler (rl/rewardScaling.ts), the divergence guard's
 *     streaks and bests;
 *   - the iteration counter, env steps, running seconds, the last observations and episode-start flags, and
 *     the vector env's snapshot (counters that pick reset seeds, each env's simulator state) when it has one.
 * The frozen pre-trained actor and the normaliser are not in it: they come from the run's starting
 * checkpoint, loaded again on resume.
 *
 * Bytes: one safetensors file (the format's own spec: 8-byte little-endian header length, JSON header,
 * raw little-endian data), F32 tensors only, `__metadata__.format` = TRAINING_STATE_FORMAT and
 * `__metadata__.state` = the scalar part as JSON (non-finite numbers written as {"$num": "NaN"}). JSON
 * numbers round-trip float64 exactly, F32 tensors are copied bit for bit, so encode → decode is lossless.
 */
import type { FinetuneConfig } from '../config/finetune';
import { UserError } from '../core/errors';
import type { RngState } from '../core/rng';
import { readSafetensors } from '../policy/checkpoint';
import type { AdamWState } from '../policy/adamw';
import type { RunningRewardScalerState } from '../rl/rewardScaling';
import type { VecEnvSnapshot } from '../sim/types';
import type { GuardState } from './divergence';
import type { MetricKey } from './events';

export const TRAINING_STATE_FORMAT = 'dppo-workbench-trainstate/1';

export interface TrainingState {
  /** Complete iterations so far: a resumed run starts with iteration `itr` (0-based). */
  itr: number;
  /** The run's config (a resume with another config is refused; nTrainItr may differ). */
  config: FinetuneConfig;
  envSteps: number;
  /** Running (un-paused) seconds so far: charts/wall_s continues from here. */
  wallS: number;
  /** Success rate of iteration 0 (the summary's pretrained_success_rate). */
  pretrainedSuccess: number;
  /** Average return of iteration 0 (the summary's pretrained_avg_return); absent in states saved before it existed. */
  pretrainedReturn?: number;
  warningCount: number;
  /** The last iteration's metrics (summary values). */
  last: Partial<Record<MetricKey, number>>;
  rng: RngState;
  actorSchedSteps: number;
  criticSchedSteps: number;
  scaler: RunningRewardScalerState;
  guard: GuardState;
  actorOpt: AdamWState;
  criticOpt: AdamWState;
  /** Trainable weights in `trainableVariables()` order, with their names (checked on resume). */
  actor: Float32Array[];
  critic: Float32Array[];
  actorNames: string[];
  criticNames: string[];
  /** Normalised observations the next rollout starts from, [n, Do]. */
  obs: Float32Array;
  /** Episode-start flags of those observations, [n]. */
  firsts: Uint8Array;
  /** The vector env between chunk steps; null when it cannot be snapshotted (then envs must reset at each iteration). */
  env: VecEnvSnapshot | null;
}

type Scalars = Omit<TrainingState, 'actor' | 'critic' | 'obs' | 'firsts' | 'actorOpt' | 'criticOpt'> & {
  actorOpt: Omit<AdamWState, 'm' | 'v'>;
  criticOpt: Omit<AdamWState, 'm' | 'v'>;
  tensorCounts: { actor: number; critic: number; actorOpt: number; criticOpt: number };
};

const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v);
const reviver = (_k: string, v: unknown) => {
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $num?: unknown }).$num === 'string') {
    return Number((v as { $num: string }).$num);
  }
  return v;
};

/** TrainingState → safetensors bytes (what IndexedDB, run files and `--save-state` hold). */
export function encodeTrainingState(s: TrainingState): Uint8Array {
  const tensors: [string, Float32Array][] = [];
  s.actor.forEach((x, i) => tensors.push([`actor.${i}`, x]));
  s.critic.forEach((x, i) => tensors.push([`critic.${i}`, x]));
  s.actorOpt.m.forEach((x, i) => tensors.push([`actor_opt.m.${i}`, x]));
  s.actorOpt.v.forEach((x, i) => tensors.push([`actor_opt.v.${i}`, x]));
  s.criticOpt.m.forEach((x, i) => tensors.push([`critic_opt.m.${i}`, x]));
  s.criticOpt.v.forEach((x, i) => tensors.push([`critic_opt.v.${i}`, x]));
  tensors.push(['obs', s.obs]);
  tensors.push(['firsts', Float32Array.from(s.firsts)]);
  const { actor: _a, critic: _c, obs: _o, firsts: _f, actorOpt, criticOpt, ...rest } = s;
  const scalars: Scalars = {
    ...rest,
    actorOpt: { stepCount: actorOpt.stepCount, lr: actorOpt.lr },
    criticOpt: { stepCount: criticOpt.stepCount, lr: criticOpt.lr },
    tensorCounts: { actor: s.actor.length, critic: s.critic.length, actorOpt: actorOpt.m.length, criticOpt: criticOpt.m.length },
  };
  const header: Record<string, unknown> = { __metadata__: { format: TRAINING_STATE_FORMAT, state: JSON.stringify(scalars, replacer) } };
  let offset = 0;
  for (const [key, x] of tensors) {
    header[key] = { dtype: 'F32', shape: [x.length], data_offsets: [offset, offset + 4 * x.length] };
    offset += 4 * x.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  const dv = new DataView(out.buffer);
  for (const [, x] of tensors) {
    for (let i = 0; i < x.length; i++, pos += 4) dv.setFloat32(pos, x[i], true);
  }
  return out;
}

function bad(why: string): UserError {
  return new UserError(`Not a training state saved by the workbench (${why}); resume from the run's own state (IndexedDB, a run file or --save-state).`);
}

/** safetensors bytes → TrainingState; a UserError naming what is wrong otherwise. */
export function decodeTrainingState(bytes: Uint8Array): TrainingState {
  let parsed: ReturnType<typeof readSafetensors>;
  try {
    parsed = readSafetensors(bytes);
  } catch (e) {
    throw bad((e as Error).message);
  }
  const { entries, metadata, data } = parsed;
  if (metadata.format !== TRAINING_STATE_FORMAT) throw bad(metadata.format ? `format "${metadata.format}"` : 'no format metadata');
  let sc: Scalars;
  try {
    sc = JSON.parse(metadata.state ?? '', reviver) as Scalars;
  } catch {
    throw bad('its state metadata is not JSON');
  }
  if (typeof sc !== 'object' || sc === null || !Number.isInteger(sc.itr) || sc.itr < 0 || typeof sc.config !== 'object' || !sc.tensorCounts || !sc.rng || !sc.scaler) {
    throw bad('its state metadata lacks the iteration, config, RNG or reward-scaler state');
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tensor = (key: string): Float32Array => {
    const e = entries.get(key);
    if (!e || e.dtype !== 'F32') throw bad(`tensor "${key}" is missing`);
    const [b, end] = e.data_offsets;
    const out = new Float32Array((end - b) / 4);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(b + 4 * i, true);
    return out;
  };
  const list = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => tensor(`${prefix}.${i}`));
  const { tensorCounts: tc, actorOpt, criticOpt, ...rest } = sc;
  return {
    ...rest,
    actor: list('actor', tc.actor),
    critic: list('critic', tc.critic),
    actorOpt: { ...actorOpt, m: list('actor_opt.m', tc.actorOpt), v: list('actor_opt.v', tc.actorOpt) },
    criticOpt: { ...criticOpt, m: list('critic_opt.m', tc.criticOpt), v: list('critic_opt.v', tc.criticOpt) },
    obs: tensor('obs'),
    firsts: Uint8Array.from(tensor('firsts')),
  };
}

/** Keys whose change makes a saved state meaningless for a config (nTrainItr may grow or shrink). */
export function configMismatch(saved: FinetuneConfig, now: FinetuneConfig): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(now)]);
  keys.delete('nTrainItr');
  return [...keys].filter((k) => JSON.stringify((saved as Record<string, unknown>)[k]) !== JSON.stringify((now as Record<string, unknown>)[k])).sort();
}
