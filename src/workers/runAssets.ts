/**
 * What the train worker's jobs load: checkpoints (bundled `builtin:` ones, uploaded bytes, `session:`
 * ones pre-trained in this worker, or `stored:<id>` ones kept in IndexedDB by data/checkpointStore.ts) and bundled demo datasets (DPPO npz, spec/dppo-reference.md §6.1–6.2).
 *
 * Bundled files are read from `<app base>/<resolveBuiltin(ref).path>` (assetBase.ts); Node callers (tests,
 * tools) point `setAssetReader` at public/ instead. Session checkpoints live only as long as the worker:
 * a page reload forgets them.
 */
import { UserError } from '../core/errors';
import { isBuiltin, resolveBuiltin } from '../sim/registry';
import { loadDppoNpz } from '../data/dppoNpz';
import type { EpisodeDataset } from '../data/episodes';
import { decodeCheckpoint, type Checkpoint } from '../policy/checkpoint';
import { checkpointStore, isStoredRef, storedId } from '../data/checkpointStore';
import { appBaseUrl } from './assetBase';

/** Reads a bundled file given its path relative to the app base (public/). */
export type AssetReader = (path: string, ref: string) => Promise<Uint8Array>;

async function fetchAsset(path: string, ref: string): Promise<Uint8Array> {
  const url = new URL(path, appBaseUrl()).href;
  const res = await fetch(url);
  // A dev server answers a missing file with index.html (200, text/html): treat it as missing too.
  if (!res.ok || (res.headers.get('content-type') ?? '').includes('text/html')) {
    throw new UserError(`The bundled file ${ref} is missing from this build (${url}); rebuild after generating it.`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

let readAsset: AssetReader = fetchAsset;

/** Replaces how bundled files are read (null restores fetch from the app base). */
export function setAssetReader(reader: AssetReader | null): void {
  readAsset = reader ?? fetchAsset;
}

export const SESSION_PREFIX = 'session:';

export function isSessionRef(ref: string): boolean {
  return ref.startsWith(SESSION_PREFIX);
}

const checkpoints = new Map<string, Promise<Checkpoint>>();

/** Keeps a checkpoint made in this worker under `session:<name>`; returns its ref. */
export function keepSessionCheckpoint(name: string, checkpoint: Checkpoint): string {
  const ref = `${SESSION_PREFIX}${name}`;
  checkpoints.set(ref, Promise.resolve(checkpoint));
  return ref;
}

async function fetchCheckpoint(ref: string): Promise<Checkpoint> {
  if (isSessionRef(ref)) {
    throw new UserError(`The pre-trained checkpoint ${ref} is gone (the page was reloaded or the worker restarted); pre-train again.`);
  }
  if (isStoredRef(ref)) {
    const store = await checkpointStore();
    if (!store) throw new UserError(`Stored checkpoints need IndexedDB, which this browser context does not offer; import the file again.`);
    const rec = await store.get(storedId(ref));
    if (!rec) throw new UserError(`The stored checkpoint ${ref} is not in this browser's storage (deleted, or saved in another profile); import its file again.`);
    return decodeCheckpoint(rec.bytes);
  }
  if (!isBuiltin(ref)) throw new UserError(`Checkpoint "${ref}" is not a bundled one; upload its file instead.`);
  const asset = resolveBuiltin(ref);
  if (asset.kind !== 'checkpoint') throw new UserError(`${ref} is a dataset, not a checkpoint.`);
  return decodeCheckpoint(await readAsset(asset.path, ref));
}

/** A checkpoint by ref (cached per worker) or from uploaded bytes. */
export function loadCheckpoint(ref: string | ArrayBuffer): Promise<Checkpoint> {
  if (typeof ref !== 'string') return Promise.resolve(decodeCheckpoint(new Uint8Array(ref)));
  let p = checkpoints.get(ref);
  if (!p) {
    p = fetchCheckpoint(ref);
    checkpoints.set(ref, p);
    p.catch(() => checkpoints.delete(ref));
  }
  return p;
}

/**
 * A bundled DPPO dataset: `builtin:<task>/train` plus the `normalization` file beside it (§6.2).
 * The returned obs/act are normalised to [−1, 1].
 */
export async function loadBuiltinDataset(ref: string): Promise<EpisodeDataset & { normalization: NonNullable<EpisodeDataset['normalization']> }> {
  if (!isBuiltin(ref)) throw new UserError(`Dataset "${ref}" is not a bundled one (builtin:<task>/train).`);
  const train = resolveBuiltin(ref);
  if (train.kind !== 'dataset') throw new UserError(`${ref} is not a training dataset (builtin:<task>/train).`);
  const normRef = `builtin:${train.task}/normalization`;
  const norm = resolveBuiltin(normRef);
  const [trainBytes, normBytes] = await Promise.all([readAsset(train.path, ref), readAsset(norm.path, normRef)]);
  const ds = loadDppoNpz(trainBytes, normBytes);
  if (!ds.normalization) throw new UserError(`${normRef} holds no normalisation statistics.`);
  return { ...ds, normalization: ds.normalization };
}
