/**
 * DPPO's pre-processed dataset files (spec/dppo-reference.md §6.1–6.2; spec/ecosystem.md §1f):
 *   train.npz          states [T, Do] and actions [T, Da] NORMALISED to [−1, 1], traj_lengths [N] int64,
 *                      optional rewards [T] float and terminals [T] bool
 *   normalization.npz  obs_min, obs_max [Do], action_min, action_max [Da]
 * Bytes in, bytes out (Uint8Array): the CLI writes files, the browser reads dropped files.
 */
import { InternalError, UserError } from '../core/errors';
import { Normalizer } from '../policy/normalizer';
import type { EpisodeDataset } from './episodes';
import { validateEpisodeDataset } from './episodes';
import { npyArray, npyToFloat32, npyToInt32, type NpyArray } from './npy';
import { readNpz, writeNpz } from './npz';

/** Raw (task-unit) trajectories stored back to back. */
export interface RawTrajectories {
  obsDim: number;
  actDim: number;
  /** [T, Do] raw. */
  states: Float32Array;
  /** [T, Da] raw. */
  actions: Float32Array;
  /** [N]. */
  trajLengths: Int32Array;
  /** [T], optional. */
  rewards?: Float32Array;
  /** [T] 0/1, optional. */
  terminals?: Uint8Array;
}

export interface DppoNpzFiles {
  train: Uint8Array;
  normalization: Uint8Array;
}

const TRAIN_KEYS = ['states', 'actions', 'traj_lengths'] as const;
const NORM_KEYS = ['obs_min', 'obs_max', 'action_min', 'action_max'] as const;

/**
 * Writes train.npz (states/actions normalised with `normalizer`) and normalization.npz.
 * @param opts.compress deflate the entries like np.savez_compressed (default true)
 */
export function saveDppoNpz(raw: RawTrajectories, normalizer: Normalizer, opts: { compress?: boolean } = {}): DppoNpzFiles {
  const T = raw.states.length / raw.obsDim;
  if (normalizer.obsDim !== raw.obsDim || normalizer.actionDim !== raw.actDim) {
    throw new InternalError(`Normalizer dims (${normalizer.obsDim}, ${normalizer.actionDim}) do not match the data (${raw.obsDim}, ${raw.actDim}).`);
  }
  const arrays: Record<string, NpyArray> = {
    states: npyArray('float32', [T, raw.obsDim], normalizer.normalizeObs(raw.states)),
    actions: npyArray('float32', [T, raw.actDim], normalizer.normalizeAction(raw.actions)),
    traj_lengths: npyArray('int64', [raw.trajLengths.length], BigInt64Array.from(raw.trajLengths, (v) => BigInt(v))),
  };
  if (raw.rewards) arrays.rewards = npyArray('float32', [T], raw.rewards);
  if (raw.terminals) arrays.terminals = npyArray('bool', [T], raw.terminals);
  const compress = opts.compress ?? true;
  return { train: writeNpz(arrays, { compress }), normalization: saveNormalizationNpz(normalizer, compress) };
}

/** normalization.npz bytes (§6.2 keys, float32). */
export function saveNormalizationNpz(normalizer: Normalizer, compress = true): Uint8Array {
  const s = normalizer.stats;
  return writeNpz(
    {
      obs_min: npyArray('float32', [s.obsMin.length], s.obsMin),
      obs_max: npyArray('float32', [s.obsMax.length], s.obsMax),
      action_min: npyArray('float32', [s.actionMin.length], s.actionMin),
      action_max: npyArray('float32', [s.actionMax.length], s.actionMax),
    },
    { compress },
  );
}

/** Reads normalization.npz; a UserError names any missing key or inconsistent length. */
export function loadNormalizationNpz(bytes: Uint8Array, name = 'normalization.npz'): Normalizer {
  const arrays = readNpz(bytes, name);
  requireKeys(arrays, NORM_KEYS, name, 'normalization.npz');
  const get = (k: (typeof NORM_KEYS)[number]): Float32Array => {
    const a = arrays.get(k)!;
    if (a.shape.length !== 1) throw new UserError(`${name}: ${k} must be 1-D, got shape (${a.shape.join(', ')}).`);
    return Float32Array.from(npyToFloat32(a));
  };
  const stats = { obsMin: get('obs_min'), obsMax: get('obs_max'), actionMin: get('action_min'), actionMax: get('action_max') };
  if (stats.obsMin.length !== stats.obsMax.length || stats.actionMin.length !== stats.actionMax.length) {
    throw new UserError(`${name}: min/max lengths differ (obs ${stats.obsMin.length}/${stats.obsMax.length}, action ${stats.actionMin.length}/${stats.actionMax.length}).`);
  }
  return new Normalizer(stats);
}

/**
 * Reads DPPO's train.npz (and optionally its normalization.npz) into the internal schema, still normalised.
 * Wrong keys, shapes or dims raise a UserError that says which array is wrong and what was expected.
 */
export function loadDppoNpz(train: Uint8Array, normalization?: Uint8Array, names = { train: 'train.npz', normalization: 'normalization.npz' }): EpisodeDataset {
  const name = names.train;
  const arrays = readNpz(train, name);
  if (arrays.has('observations') && !arrays.has('states')) {
    throw new UserError(`${name} looks like a raw D3IL/D4RL export ('observations'); DPPO's train.npz stores normalised 'states' — convert it with DPPO's process script first.`);
  }
  requireKeys(arrays, TRAIN_KEYS, name, 'train.npz');
  const states = arrays.get('states')!;
  const actions = arrays.get('actions')!;
  const lengths = arrays.get('traj_lengths')!;
  if (states.shape.length !== 2) throw new UserError(`${name}: states must be 2-D [T, obs_dim], got shape (${states.shape.join(', ')}).`);
  if (actions.shape.length !== 2) throw new UserError(`${name}: actions must be 2-D [T, action_dim], got shape (${actions.shape.join(', ')}).`);
  const [T, obsDim] = states.shape;
  const actDim = actions.shape[1];
  if (actions.shape[0] !== T) throw new UserError(`${name}: states have ${T} rows but actions have ${actions.shape[0]}.`);
  if (lengths.shape.length !== 1) throw new UserError(`${name}: traj_lengths must be 1-D, got shape (${lengths.shape.join(', ')}).`);
  if (lengths.dtype === 'float32' || lengths.dtype === 'float64') throw new UserError(`${name}: traj_lengths must be integers, got ${lengths.dtype}.`);
  const episodeLengths = npyToInt32(lengths, `${name}:traj_lengths`);
  const sum = episodeLengths.reduce((a, b) => a + b, 0);
  if (sum !== T) throw new UserError(`${name}: traj_lengths sum to ${sum} but states have ${T} rows.`);
  const ds: EpisodeDataset = {
    obsDim,
    actDim,
    obs: Float32Array.from(npyToFloat32(states)),
    act: Float32Array.from(npyToFloat32(actions)),
    episodeLengths,
    normalized: true,
    source: { format: 'dppo-npz', description: `DPPO train.npz: ${episodeLengths.length} episodes, ${T} steps` },
  };
  const rewards = arrays.get('rewards');
  if (rewards) {
    if (rewards.data.length !== T) throw new UserError(`${name}: rewards have ${rewards.data.length} values, expected ${T}.`);
    ds.rew = Float32Array.from(npyToFloat32(rewards));
  }
  const terminals = arrays.get('terminals');
  if (terminals) {
    if (terminals.data.length !== T) throw new UserError(`${name}: terminals have ${terminals.data.length} values, expected ${T}.`);
    ds.terminals = Uint8Array.from(npyToFloat32(terminals), (v) => (v !== 0 ? 1 : 0));
  }
  if (normalization) {
    const norm = loadNormalizationNpz(normalization, names.normalization);
    if (norm.obsDim !== obsDim || norm.actionDim !== actDim) {
      throw new UserError(`${names.normalization} is for obs ${norm.obsDim} / action ${norm.actionDim}, but ${name} has ${obsDim} / ${actDim}.`);
    }
    ds.normalization = norm.stats;
  }
  validateEpisodeDataset(ds, name);
  return ds;
}

function requireKeys(arrays: Map<string, NpyArray>, keys: readonly string[], name: string, kind: string): void {
  const missing = keys.filter((k) => !arrays.has(k));
  if (missing.length > 0) {
    const found = [...arrays.keys()].join(', ') || 'none';
    throw new UserError(`${name} is missing ${missing.map((k) => `'${k}'`).join(', ')} (found: ${found}); DPPO's ${kind} needs ${keys.join(', ')}.`);
  }
}
