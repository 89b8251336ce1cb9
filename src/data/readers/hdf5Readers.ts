/**
 * The three HDF5 dataset layouts (spec/ecosystem.md §1a–1c), read through h5wasm into the one episode schema:
 *  - D4RL (Farama-Foundation/D4RL offline_env.py get_dataset): flat root keys observations [N, Do],
 *    actions [N, Da], rewards [N] or [N, 1], terminals [N], optional timeouts [N]; an episode ends where
 *    terminals OR timeouts is set (irom-princeton/dppo script/dataset/get_d4rl_dataset.py).
 *  - robomimic (docs/datasets/overview.md): data/demo_N groups, sorted by N numerically (demo_10 after demo_9);
 *    low-dim obs/<key> concatenated in a fixed key order; data.attrs env_args (JSON) names the env; mask/<key>
 *    lists demo names for filters such as train/valid.
 *  - Minari (minari/dataset/_storages/hdf5_storage.py): episode_{id} groups whose observations hold one more
 *    row than actions (the reset observation), plus rewards, terminations, truncations.
 */
import { UserError } from '../../core/errors';
import type { EpisodeDataset } from '../episodes';
import { validateEpisodeDataset } from '../episodes';
import type { Dataset as H5Dataset, Group as H5Group } from 'h5wasm';
import { attrString, checkNumeric, getEntity, isDataset, isGroup, keysOf, readRows, readStrings, requireDataset, type H5Handle } from './h5';
import type { Progress } from './progress';
import type { KeyMapping, ReadOptions, ReadResult, ReaderFormat } from './types';

/** Rows read per slice of a large flat dataset (progress and cancel points in between). */
const ROW_CHUNK = 32_768;

/** Which HDF5 layout a file has, from its root members; a UserError listing them otherwise. */
export function hdf5Layout(h: H5Handle): Extract<ReaderFormat, 'd4rl-hdf5' | 'robomimic-hdf5' | 'minari-hdf5'> {
  const root = h.file;
  const keys = keysOf(root, h.name);
  if (keys.includes('data')) {
    const data = getEntity(root, 'data', h.name);
    if (isGroup(data) && keysOf(data, `${h.name}:data`).some((k) => /^demo_\d+$/.test(k))) return 'robomimic-hdf5';
  }
  if (keys.includes('observations') && keys.includes('actions') && isDataset(getEntity(root, 'observations', h.name))) return 'd4rl-hdf5';
  if (keys.some((k) => /^episode_\d+$/.test(k))) return 'minari-hdf5';
  const shown = keys.slice(0, 12).join(', ') + (keys.length > 12 ? ', …' : '');
  throw new UserError(
    `${h.name} is an HDF5 file, but its root (${shown || 'empty'}) matches no dataset layout we read: D4RL needs 'observations' and 'actions' at the root, robomimic 'data/demo_N' groups, Minari 'episode_N' groups.`,
  );
}

/** Numerically sorted members named `<prefix><N>` (demo_9 before demo_10). */
export function sortNumeric(keys: readonly string[], prefix: string): string[] {
  const re = new RegExp(`^${prefix}(\\d+)$`);
  return keys.filter((k) => re.test(k)).sort((a, b) => Number(re.exec(a)![1]) - Number(re.exec(b)![1]));
}

function dims2(ds: H5Dataset, where: string, fileSize: number, want: string): [number, number] {
  const { shape } = checkNumeric(ds, where, fileSize);
  if (shape.length === 1) return [shape[0], 1];
  if (shape.length !== 2) throw new UserError(`${where} has shape (${shape.join(', ')}); expected 2-D [steps, ${want}].`);
  return [shape[0], shape[1]];
}

function readAllRows(ds: H5Dataset, rows: number, where: string): Float32Array {
  return rows === 0 ? new Float32Array(0) : readRows(ds, 0, rows, where);
}

// ------------------------------------------------------------------------------------------ D4RL

export async function readD4rl(h: H5Handle, _opts: ReadOptions, progress: Progress): Promise<ReadResult> {
  const root = h.file;
  const w = (k: string) => `${h.name}:${k}`;
  const obsDs = requireDataset(root, 'observations', h.name, 'observations [N, obs_dim]');
  const actDs = requireDataset(root, 'actions', h.name, 'actions [N, act_dim]');
  const [N, obsDim] = dims2(obsDs, w('observations'), h.size, 'obs_dim');
  const [Na, actDim] = dims2(actDs, w('actions'), h.size, 'act_dim');
  if (Na !== N) throw new UserError(`${h.name}: observations have ${N} rows but actions have ${Na}.`);
  if (N === 0) throw new UserError(`${h.name}: observations are empty (0 rows).`);
  const termDs = getEntity(root, 'terminals', h.name);
  if (!isDataset(termDs)) throw new UserError(`${h.name} has no 'terminals' dataset; D4RL files mark episode ends with terminals (and timeouts).`);
  const flag = (ds: H5Dataset, key: string): Uint8Array => {
    const { shape } = checkNumeric(ds, w(key), h.size);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== N) throw new UserError(`${h.name}: '${key}' has ${n} values for ${N} steps.`);
    return Uint8Array.from(readAllRows(ds, shape[0], w(key)), (v) => (v !== 0 ? 1 : 0));
  };
  const terminals = flag(termDs, 'terminals');
  const toDs = getEntity(root, 'timeouts', h.name);
  const timeouts = isDataset(toDs) ? flag(toDs, 'timeouts') : null;
  const notes: string[] = [];
  if (!timeouts) notes.push("no 'timeouts' key (pre-v2 file): episodes end at terminals only");

  const obs = new Float32Array(N * obsDim);
  const act = new Float32Array(N * actDim);
  for (let s = 0; s < N; s += ROW_CHUNK) {
    const e = Math.min(N, s + ROW_CHUNK);
    obs.set(readRows(obsDs, s, e, w('observations')), s * obsDim);
    act.set(readRows(actDs, s, e, w('actions')), s * actDim);
    await progress.tick('observations and actions', e, N);
  }
  let rew: Float32Array | undefined;
  const rewDs = getEntity(root, 'rewards', h.name);
  if (isDataset(rewDs)) {
    const { shape } = checkNumeric(rewDs, w('rewards'), h.size);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== N) throw new UserError(`${h.name}: 'rewards' has shape (${shape.join(', ')}) for ${N} steps; expected [N] or [N, 1].`);
    rew = readAllRows(rewDs, shape[0], w('rewards'));
  } else notes.push("no 'rewards' key");

  const lengths: number[] = [];
  let start = 0;
  for (let t = 0; t < N; t++) {
    if (terminals[t] || (timeouts && timeouts[t])) {
      lengths.push(t + 1 - start);
      start = t + 1;
    }
  }
  if (start < N) {
    lengths.push(N - start);
    notes.push(`the last ${N - start} steps have no terminal or timeout: kept as an unfinished episode`);
  }
  const dataset: EpisodeDataset = {
    obsDim,
    actDim,
    obs,
    act,
    rew,
    terminals,
    episodeLengths: Int32Array.from(lengths),
    normalized: false,
    source: { format: 'd4rl-hdf5', description: `D4RL HDF5: ${lengths.length} episodes, ${N} steps` },
  };
  validateEpisodeDataset(dataset, h.name, { finite: false });
  const envName = metadataName(root, h.name);
  const mapping: KeyMapping = { obs: [{ key: 'observations', dims: obsDim }], act: 'actions', rew: rew ? 'rewards' : undefined, ends: timeouts ? ['terminals', 'timeouts'] : ['terminals'] };
  return { format: 'd4rl-hdf5', dataset, mapping, hint: { format: 'd4rl-hdf5', envName, obsDim, actDim }, notes };
}

/** D4RL files rarely name their env; some carry metadata/env_name or a root attribute. */
function metadataName(root: H5Group, where: string): string | undefined {
  for (const key of ['env_name', 'env', 'dataset_id']) {
    const a = attrString(root as unknown as { attrs: Record<string, { value: unknown }> }, key, where);
    if (a) return a;
  }
  const md = getEntity(root, 'metadata', where);
  if (isGroup(md) && keysOf(md, `${where}:metadata`).includes('env_name')) {
    const e = getEntity(md, 'env_name', where);
    if (isDataset(e)) {
      const v = (e as H5Dataset).value;
      if (typeof v === 'string') return v;
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------ robomimic

/**
 * robomimic's low-dim order as DPPO's process_robomimic_dataset.py concatenates it (spec/dppo-reference.md
 * §6.3): per robot r the eef position, eef quaternion and gripper qpos, then `object`. Used when the task
 * registry has no order for the file's env.
 */
export function robomimicReferenceOrder(available: readonly string[]): string[] {
  const out: string[] = [];
  for (let r = 0; r < 8; r++) {
    for (const part of ['eef_pos', 'eef_quat', 'gripper_qpos']) {
      const k = `robot${r}_${part}`;
      if (available.includes(k)) out.push(k);
    }
  }
  if (available.includes('object')) out.push('object');
  return out;
}

export async function readRobomimic(h: H5Handle, opts: ReadOptions, progress: Progress): Promise<ReadResult> {
  const data = getEntity(h.file, 'data', h.name) as H5Group;
  const where = `${h.name}:data`;
  const allKeys = keysOf(data, where);
  let demos = sortNumeric(allKeys, 'demo_');
  const notes: string[] = [];

  let envName: string | undefined;
  const envArgs = attrString(data as unknown as { attrs: Record<string, { value: unknown }> }, 'env_args', where);
  if (envArgs) {
    try {
      const parsed = JSON.parse(envArgs) as { env_name?: unknown };
      if (typeof parsed.env_name === 'string') envName = parsed.env_name;
    } catch {
      notes.push("data.attrs['env_args'] is not valid JSON; no env name read");
    }
  }

  // mask/<key>: lists of demo names (robomimic split_train_val.py and filter keys).
  const filterKeys: string[] = [];
  const mask = getEntity(h.file, 'mask', h.name);
  if (isGroup(mask)) filterKeys.push(...keysOf(mask, `${h.name}:mask`));
  if (opts.filterKey) {
    if (!filterKeys.includes(opts.filterKey)) {
      throw new UserError(`${h.name} has no filter '${opts.filterKey}' (mask/${opts.filterKey}); filters in this file: ${filterKeys.join(', ') || 'none'}.`);
    }
    const ds = requireDataset(mask as H5Group, opts.filterKey, `${h.name}:mask`, 'demo names');
    const names = readStrings(ds, `${h.name}:mask/${opts.filterKey}`);
    const missing = names.filter((n) => !demos.includes(n));
    if (missing.length) throw new UserError(`${h.name}: mask/${opts.filterKey} names ${missing.slice(0, 5).join(', ')}, which are not demos in data/.`);
    const keep = new Set(names);
    demos = demos.filter((d) => keep.has(d));
    if (demos.length === 0) throw new UserError(`${h.name}: mask/${opts.filterKey} is empty; no demos to read.`);
  }

  // Low-dim obs keys from the first demo: 2-D numeric datasets; images (uint8 H×W×C) are skipped.
  const firstObs = getEntity(data, `${demos[0]}/obs`, where);
  if (!isGroup(firstObs)) throw new UserError(`${where}/${demos[0]} has no 'obs' group; this robomimic file holds states and actions only (robomimic's raw demo.hdf5). Extract observations first with robomimic's dataset_states_to_obs.py.`);
  const lowDim: string[] = [];
  const skipped: string[] = [];
  for (const k of keysOf(firstObs, `${where}/${demos[0]}/obs`)) {
    const e = getEntity(firstObs, k, where);
    if (isDataset(e)) {
      const shape = e.shape ?? [];
      if (shape.length === 2) lowDim.push(k);
      else skipped.push(k);
    }
  }
  const order = opts.obsKeyOrder?.({ format: 'robomimic-hdf5', envName, available: lowDim }) ?? null;
  let keys = order ? [...order] : robomimicReferenceOrder(lowDim);
  if (keys.length === 0) {
    keys = lowDim;
    notes.push(`no robomimic reference obs keys (robot0_eef_pos …, object): using every low-dim key in name order`);
  }
  const missingKeys = keys.filter((k) => !lowDim.includes(k));
  if (missingKeys.length) throw new UserError(`${where}/${demos[0]}/obs lacks ${missingKeys.join(', ')}, which the key order for ${envName ?? 'this env'} needs (present: ${lowDim.join(', ')}).`);
  const unused = lowDim.filter((k) => !keys.includes(k));
  if (skipped.length) notes.push(`image/high-dim obs skipped: ${skipped.join(', ')}`);

  const obsParts: Float32Array[] = [];
  const actParts: Float32Array[] = [];
  const rewParts: Float32Array[] = [];
  const lengths: number[] = [];
  const keyDims: number[] = [];
  let actDim = -1;
  let haveRewards = true;
  for (let i = 0; i < demos.length; i++) {
    const d = demos[i];
    const dw = `${where}/${d}`;
    const actDs = requireDataset(data, `${d}/actions`, where, 'actions [L, act_dim]');
    const [L, Da] = dims2(actDs, `${dw}/actions`, h.size, 'act_dim');
    if (actDim < 0) actDim = Da;
    else if (Da !== actDim) throw new UserError(`${dw}/actions has ${Da} dims; earlier demos have ${actDim}.`);
    if (L === 0) {
      notes.push(`${d} is empty and was skipped`);
      continue;
    }
    const parts: Float32Array[] = [];
    keys.forEach((k, j) => {
      const ds = requireDataset(data, `${d}/obs/${k}`, where, `low-dim obs '${k}'`);
      const [Lo, Dk] = dims2(ds, `${dw}/obs/${k}`, h.size, 'dims');
      if (Lo !== L) throw new UserError(`${dw}/obs/${k} has ${Lo} rows but ${d} has ${L} actions.`);
      if (keyDims[j] === undefined) keyDims[j] = Dk;
      else if (keyDims[j] !== Dk) throw new UserError(`${dw}/obs/${k} has ${Dk} dims; earlier demos have ${keyDims[j]}.`);
      parts.push(readAllRows(ds, L, `${dw}/obs/${k}`));
    });
    const Do = keyDims.reduce((a, b) => a + b, 0);
    const obs = new Float32Array(L * Do);
    for (let t = 0; t < L; t++) {
      let o = t * Do;
      parts.forEach((p, j) => {
        obs.set(p.subarray(t * keyDims[j], (t + 1) * keyDims[j]), o);
        o += keyDims[j];
      });
    }
    obsParts.push(obs);
    actParts.push(readAllRows(actDs, L, `${dw}/actions`));
    const rDs = getEntity(data, `${d}/rewards`, where);
    if (isDataset(rDs) && haveRewards) {
      const r = readVector(rDs, `${dw}/rewards`, h.size);
      if (r.length !== L) throw new UserError(`${dw}/rewards has ${r.length} values for ${L} steps.`);
      rewParts.push(r);
    } else haveRewards = false;
    lengths.push(L);
    await progress.tick(`demo ${i + 1} of ${demos.length}`, i + 1, demos.length);
  }
  if (lengths.length === 0) throw new UserError(`${h.name}: every demo is empty.`);
  const obsDim = keyDims.reduce((a, b) => a + b, 0);
  const dataset: EpisodeDataset = {
    obsDim,
    actDim,
    obs: concat(obsParts),
    act: concat(actParts),
    rew: haveRewards ? concat(rewParts) : undefined,
    episodeLengths: Int32Array.from(lengths),
    normalized: false,
    source: { format: 'robomimic-hdf5', description: `robomimic HDF5: ${lengths.length} demos${opts.filterKey ? ` (mask/${opts.filterKey})` : ''}, ${lengths.reduce((a, b) => a + b, 0)} steps` },
  };
  validateEpisodeDataset(dataset, h.name, { finite: false });
  const mapping: KeyMapping = { obs: keys.map((key, j) => ({ key: `obs/${key}`, dims: keyDims[j] })), act: 'actions', rew: haveRewards ? 'rewards' : undefined, unused };
  return {
    format: 'robomimic-hdf5',
    dataset,
    mapping,
    hint: { format: 'robomimic-hdf5', envName, obsDim, actDim, obsKeys: lowDim },
    filterKeys,
    filterKey: opts.filterKey,
    notes,
  };
}

/** A whole 1-D (or [N, 1]) numeric dataset, size-checked first. */
function readVector(ds: H5Dataset, where: string, fileSize: number): Float32Array {
  const { shape } = checkNumeric(ds, where, fileSize);
  return readAllRows(ds, shape[0] ?? 0, where);
}

// ------------------------------------------------------------------------------------------ Minari

export async function readMinari(h: H5Handle, _opts: ReadOptions, progress: Progress): Promise<ReadResult> {
  const root = h.file;
  const episodes = sortNumeric(keysOf(root, h.name), 'episode_');
  const notes: string[] = [];
  const obsParts: Float32Array[] = [];
  const actParts: Float32Array[] = [];
  const rewParts: Float32Array[] = [];
  const termParts: Uint8Array[] = [];
  const lengths: number[] = [];
  let obsDim = -1;
  let actDim = -1;
  let obsKeys: { key: string; dims: number }[] = [];
  for (let i = 0; i < episodes.length; i++) {
    const ep = episodes[i];
    const ew = `${h.name}:${ep}`;
    const g = getEntity(root, ep, h.name);
    if (!isGroup(g)) throw new UserError(`${ew} is a dataset, not an episode group.`);
    const actDs = requireDataset(g, 'actions', ew, 'actions [steps, act_dim]');
    const [L, Da] = dims2(actDs, `${ew}/actions`, h.size, 'act_dim');
    // observations: a dataset (Box space) or a group of them (Dict space, concatenated in name order).
    const obsEnt = getEntity(g, 'observations', ew);
    if (!obsEnt) throw new UserError(`${ew} has no 'observations'.`);
    const obsSets: { key: string; ds: H5Dataset }[] = isDataset(obsEnt)
      ? [{ key: 'observations', ds: obsEnt }]
      : keysOf(obsEnt as H5Group, `${ew}/observations`).map((k) => {
          const e = getEntity(obsEnt as H5Group, k, ew);
          if (!isDataset(e)) throw new UserError(`${ew}/observations/${k} is a nested space; only Box and flat Dict observation spaces are read.`);
          return { key: `observations/${k}`, ds: e };
        });
    const parts: { rows: number; dims: number; data: Float32Array; key: string }[] = obsSets.map(({ key, ds }) => {
      const [rows, dims] = dims2(ds, `${ew}/${key}`, h.size, 'obs_dim');
      return { rows, dims, key, data: new Float32Array(0) };
    });
    for (const p of parts) {
      if (p.rows !== L + 1) {
        throw new UserError(`${ew}/${p.key} has ${p.rows} rows for ${L} actions; Minari stores one more observation than actions (the reset observation).`);
      }
    }
    const Do = parts.reduce((a, p) => a + p.dims, 0);
    if (obsDim < 0) {
      obsDim = Do;
      actDim = Da;
      obsKeys = parts.map((p) => ({ key: p.key, dims: p.dims }));
    } else if (Do !== obsDim || Da !== actDim) {
      throw new UserError(`${ew} has obs ${Do} / action ${Da} dims; earlier episodes have ${obsDim} / ${actDim}.`);
    }
    if (L === 0) {
      notes.push(`${ep} has no steps and was skipped`);
      continue;
    }
    obsSets.forEach(({ ds }, j) => (parts[j].data = readRows(ds, 0, L, `${ew}/${parts[j].key}`)));
    const obs = new Float32Array(L * Do);
    for (let t = 0; t < L; t++) {
      let o = t * Do;
      for (const p of parts) {
        obs.set(p.data.subarray(t * p.dims, (t + 1) * p.dims), o);
        o += p.dims;
      }
    }
    obsParts.push(obs);
    actParts.push(readAllRows(actDs, L, `${ew}/actions`));
    const rDs = requireDataset(g, 'rewards', ew, 'rewards [steps]');
    const r = readVector(rDs, `${ew}/rewards`, h.size);
    if (r.length !== L) throw new UserError(`${ew}/rewards has ${r.length} values for ${L} actions.`);
    rewParts.push(r);
    const tDs = getEntity(g, 'terminations', ew);
    const term = new Uint8Array(L);
    if (isDataset(tDs)) {
      const tv = readVector(tDs, `${ew}/terminations`, h.size);
      if (tv.length !== L) throw new UserError(`${ew}/terminations has ${tv.length} values for ${L} actions.`);
      tv.forEach((v, k) => (term[k] = v !== 0 ? 1 : 0));
    }
    termParts.push(term);
    lengths.push(L);
    await progress.tick(`episode ${i + 1} of ${episodes.length}`, i + 1, episodes.length);
  }
  if (lengths.length === 0) throw new UserError(`${h.name}: no episode has any steps.`);
  const dataset: EpisodeDataset = {
    obsDim,
    actDim,
    obs: concat(obsParts),
    act: concat(actParts),
    rew: concat(rewParts),
    terminals: concatU8(termParts),
    episodeLengths: Int32Array.from(lengths),
    normalized: false,
    source: { format: 'minari-hdf5', description: `Minari HDF5: ${lengths.length} episodes, ${lengths.reduce((a, b) => a + b, 0)} steps` },
  };
  validateEpisodeDataset(dataset, h.name, { finite: false });
  let envName = attrString(root as unknown as { attrs: Record<string, { value: unknown }> }, 'dataset_id', h.name) ?? undefined;
  if (!envName) {
    const spec = attrString(root as unknown as { attrs: Record<string, { value: unknown }> }, 'env_spec', h.name);
    try {
      const id = spec ? (JSON.parse(spec) as { id?: unknown }).id : undefined;
      if (typeof id === 'string') envName = id;
    } catch {
      /* env_spec that is not JSON: no name */
    }
  }
  notes.push('the last observation of every episode (after the final action) is dropped');
  return {
    format: 'minari-hdf5',
    dataset,
    mapping: { obs: obsKeys, act: 'actions', rew: 'rewards', ends: ['terminations', 'truncations'] },
    hint: { format: 'minari-hdf5', envName, obsDim, actDim },
    notes,
  };
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function concatU8(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
