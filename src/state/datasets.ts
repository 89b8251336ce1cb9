/**
 * The Datasets page's state: stored (dropped) datasets, the one being read (progress with ETA, cancel), the
 * open dataset's inspector view from the data worker, the selected episode's signals, and "pre-train on this"
 * (BC in the train worker through state/pretrain.ts; the resulting session checkpoint joins the checkpoint
 * selector and the Policies page like any pre-trained one).
 *
 * A dropped file is read FIRST and saved only when it read cleanly, so a bad file leaves nothing behind; its
 * error is shown and the page stays as it was.
 */
import { create } from 'zustand';
import { openDatasetStore, type DatasetStore, type StoredDatasetMeta } from '../data/datasetStore';
import { DataClient, DataClientError, type DatasetView, type EpisodeSignals, type ReadProgress } from '../workers/dataClient';
import { isPretrainLive, startPretrain, usePretrain, type PretrainPolicyKind } from './pretrain';
import { useExperiment } from './experiment';
import { bundledDatasets } from '../sim/registry';

export type OpenSource = { kind: 'stored'; id: string } | { kind: 'bundled'; ref: string } | { kind: 'unsaved' };

export interface DatasetsState {
  stored: StoredDatasetMeta[];
  /** null until the store was opened; false when the browser has no IndexedDB. */
  storeAvailable: boolean | null;
  loading: { name: string; reqId: number; progress: ReadProgress | null } | null;
  error: string | null;
  /** Why the open dataset is not in the stored list (quota, no IndexedDB). */
  saveNote: string | null;
  view: DatasetView | null;
  source: OpenSource | null;
  episodeIndex: number;
  episode: EpisodeSignals | null;
  pretrainTask: string | null;
  pretrainKind: PretrainPolicyKind;
  pretrainEpochs: number;
  /** The pre-training job started from this page (its progress is usePretrain's job). */
  pretrainJobId: string | null;
  pretrainError: string | null;
}

export const useDatasets = create<DatasetsState>(() => ({
  stored: [],
  storeAvailable: null,
  loading: null,
  error: null,
  saveNote: null,
  view: null,
  source: null,
  episodeIndex: 0,
  episode: null,
  pretrainTask: null,
  pretrainKind: 'diffusion-mlp',
  pretrainEpochs: 10,
  pretrainJobId: null,
  pretrainError: null,
}));

let client: DataClient | null = null;
let storePromise: Promise<DatasetStore | null> | null = null;
/** The files of the open dataset (to re-read it with another robomimic filter). */
let openFiles: { name: string; blob: Blob }[] | null = null;

function data(): DataClient {
  return (client ??= new DataClient());
}

function store(): Promise<DatasetStore | null> {
  return (storePromise ??= openDatasetStore().catch(() => null));
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Lists the stored datasets (once per page load is enough; later changes update the list directly). */
export async function initDatasets(): Promise<void> {
  const s = await store();
  useDatasets.setState({ storeAvailable: !!s, stored: s ? await s.list().catch(() => []) : [] });
}

async function runRead(name: string, start: (onProgress: (p: ReadProgress) => void) => { reqId: number; done: Promise<DatasetView> }): Promise<DatasetView | null> {
  const prev = useDatasets.getState().loading;
  if (prev) data().cancel(prev.reqId);
  const { reqId, done } = start((progress) => {
    const l = useDatasets.getState().loading;
    if (l && l.reqId === reqId) useDatasets.setState({ loading: { ...l, progress } });
  });
  useDatasets.setState({ loading: { name, reqId, progress: null }, error: null });
  try {
    const view = await done;
    if (useDatasets.getState().loading?.reqId !== reqId) return null;
    const old = useDatasets.getState().view;
    if (old) data().forget(old.key);
    useDatasets.setState({ loading: null, view, episodeIndex: 0, episode: null, pretrainTask: view.task, pretrainError: null });
    void selectEpisode(0);
    return view;
  } catch (e) {
    if (useDatasets.getState().loading?.reqId === reqId) {
      const cancelled = e instanceof DataClientError && e.cancelled;
      // A WASM abort leaves libhdf5 unusable in that worker: the next read gets a fresh one.
      if (/HDF5 (library|reader) stopped/.test(messageOf(e))) {
        client?.dispose();
        client = null;
      }
      useDatasets.setState({ loading: null, error: cancelled ? null : messageOf(e) });
    }
    return null;
  }
}

/** Reads dropped/picked files (one dataset, optionally with its normalization.npz); saves them when they read cleanly. */
export async function importFiles(files: readonly File[], filterKey?: string): Promise<void> {
  if (files.length === 0) return;
  const list = files.map((f) => ({ name: f.name, blob: f as Blob }));
  const name = list.map((f) => f.name).join(' + ');
  const view = await runRead(name, (onProgress) => data().read(list, onProgress, filterKey));
  if (!view) return;
  openFiles = list;
  const s = await store();
  if (!s) {
    useDatasets.setState({ source: { kind: 'unsaved' }, saveNote: 'This browser offers no IndexedDB here: the dataset stays open until you leave the page.' });
    return;
  }
  try {
    const meta = await s.put(
      { name: view.name, format: view.summary.format, episodes: view.summary.episodes, steps: view.summary.steps, obsDim: view.summary.obs_dim, actDim: view.summary.act_dim },
      list,
    );
    useDatasets.setState((st) => ({ stored: [...st.stored, meta], source: { kind: 'stored', id: meta.id }, saveNote: null }));
  } catch (e) {
    useDatasets.setState({ source: { kind: 'unsaved' }, saveNote: messageOf(e) });
  }
}

/** Re-reads the open dropped dataset with a robomimic filter (mask/<key>), or all demos (null). */
export async function setDatasetFilter(filterKey: string | null): Promise<void> {
  if (!openFiles) return;
  const files = openFiles;
  const name = files.map((f) => f.name).join(' + ');
  await runRead(name, (onProgress) => data().read(files, onProgress, filterKey ?? undefined));
}

export async function openBundled(ref: string): Promise<void> {
  const view = await runRead(ref, (onProgress) => data().readBundled(ref, onProgress));
  if (view) {
    openFiles = null;
    useDatasets.setState({ source: { kind: 'bundled', ref }, saveNote: null });
  }
}

export async function openStored(id: string): Promise<void> {
  const s = await store();
  const rec = s ? await s.get(id).catch((e: unknown) => (useDatasets.setState({ error: messageOf(e) }), null)) : null;
  if (!rec) {
    if (!useDatasets.getState().error) useDatasets.setState({ error: 'That stored dataset is gone; it was deleted in another tab.' });
    return;
  }
  const view = await runRead(rec.meta.name, (onProgress) => data().read(rec.files, onProgress));
  if (view) {
    openFiles = rec.files;
    useDatasets.setState({ source: { kind: 'stored', id }, saveNote: null });
  }
}

export async function deleteStored(id: string): Promise<void> {
  const s = await store();
  if (!s) return;
  try {
    await s.delete(id);
    useDatasets.setState((st) => ({
      stored: st.stored.filter((m) => m.id !== id),
      source: st.source?.kind === 'stored' && st.source.id === id ? { kind: 'unsaved' } : st.source,
    }));
  } catch (e) {
    useDatasets.setState({ error: `Could not delete the stored dataset: ${messageOf(e)}` });
  }
}

export function cancelLoad(): void {
  const l = useDatasets.getState().loading;
  if (!l) return;
  data().cancel(l.reqId);
  useDatasets.setState({ loading: null });
}

export function dismissDatasetError(): void {
  useDatasets.setState({ error: null });
}

export async function selectEpisode(index: number): Promise<void> {
  const view = useDatasets.getState().view;
  if (!view) return;
  useDatasets.setState({ episodeIndex: index });
  try {
    const episode = await data().episode(view.key, index);
    if (useDatasets.getState().view?.key === view.key && useDatasets.getState().episodeIndex === index) useDatasets.setState({ episode });
  } catch (e) {
    useDatasets.setState({ error: messageOf(e) });
  }
}

/** Picks the task to pre-train for (and to analyse chunk length and path preview against). */
export async function setDatasetTask(task: string | null): Promise<void> {
  const view = useDatasets.getState().view;
  useDatasets.setState({ pretrainTask: task });
  if (!view) return;
  try {
    const next = await data().analyze(view.key, task);
    if (useDatasets.getState().view?.key === view.key) useDatasets.setState({ view: next });
  } catch (e) {
    useDatasets.setState({ error: messageOf(e) });
  }
}

export function setPretrainOptions(patch: Partial<Pick<DatasetsState, 'pretrainKind' | 'pretrainEpochs'>>): void {
  useDatasets.setState(patch);
}

/** "Pre-train on this": normalised arrays from the data worker go to the train worker's BC job. */
export async function pretrainOnThis(): Promise<void> {
  const st = useDatasets.getState();
  const view = st.view;
  if (!view) return;
  const task = st.pretrainTask;
  if (!task) {
    useDatasets.setState({ pretrainError: `No registered task has obs ${view.summary.obs_dim} / action ${view.summary.act_dim} dims; pre-training needs one whose policy fits the data.` });
    return;
  }
  useDatasets.setState({ pretrainError: null });
  try {
    const td = await data().trainingData(view.key);
    const id = startPretrain(task, st.pretrainKind, st.pretrainEpochs, useExperiment.getState().seed, { ...td, name: view.name });
    if (!id) {
      useDatasets.setState({ pretrainError: isPretrainLive(usePretrain.getState().job) ? 'A pre-training job is already running; stop it or wait for it to finish.' : 'The training worker is not ready yet; try again in a moment.' });
      return;
    }
    useDatasets.setState({ pretrainJobId: id });
  } catch (e) {
    useDatasets.setState({ pretrainError: messageOf(e) });
  }
}

/** `builtin:<task>/train` of every bundled dataset (their normalisation files are read alongside). */
export function bundledDatasetRefs(): string[] {
  return bundledDatasets()
    .filter((a) => a.kind === 'dataset')
    .map((a) => a.id);
}
