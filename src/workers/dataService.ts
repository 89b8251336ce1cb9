/**
 * The data worker's logic, separate from the worker shell so it runs in Node tests: reads dataset files
 * through src/data/readers (format by content, progress with an ETA, cancel), keeps the last few read
 * datasets by key, and answers the Datasets page's requests. Task knowledge comes from the registry only.
 */
import { UserError } from '../core/errors';
import { episodeStarts, episodeView } from '../data/episodes';
import { analyzeDataset, prepareTrainingData, rawObs, readDataset, sniffFile, sourceFromBlob, sourceFromBytes, summarizeRead, type ByteSource, type ReadResult } from '../data/readers';
import { actorConfigFor, bundledDatasets, datasetObsKeyOrder, isTaskId, resolveBuiltin, suggestTasksForDataset, taskFamily } from '../sim/registry';
import type { EnvPath } from '../train/events';
import type { DataRequest, DataResponse, DatasetView, PathPreview } from './dataProtocol';

export type Post = (msg: DataResponse, transfer?: Transferable[]) => void;
/** Reads a bundled file (path under the app base). */
export type FetchBundled = (path: string, ref: string) => Promise<Uint8Array>;

/** Datasets kept in the worker at once (the page shows one; a second lets a switch back be instant). */
const KEEP = 3;
const PREVIEW_EPISODES = 40;

interface Held {
  name: string;
  result: ReadResult;
}

export function createDataService(post: Post, fetchBundled: FetchBundled) {
  const held = new Map<string, Held>();
  const running = new Map<number, AbortController>();
  let seq = 0;

  function keep(name: string, result: ReadResult): string {
    const key = `ds-${++seq}`;
    held.set(key, { name, result });
    while (held.size > KEEP) held.delete(held.keys().next().value!);
    return key;
  }

  function get(key: string): Held {
    const h = held.get(key);
    if (!h) throw new UserError('That dataset is no longer loaded in the data worker; open it again.');
    return h;
  }

  function view(key: string, task: string | null): DatasetView {
    const { name, result } = get(key);
    const tasks = suggestTasksForDataset(result.hint);
    const t = task && isTaskId(task) ? task : (tasks[0]?.task ?? null);
    const chunk = t && tasks.some((m) => m.task === t) ? actorConfigFor(t, 'diffusion-mlp').horizonSteps : null;
    return {
      key,
      name,
      summary: summarizeRead(result),
      tasks,
      task: t,
      analysis: analyzeDataset(result.dataset, chunk),
      preview: preview(result, t && tasks.some((m) => m.task === t) ? t : null),
    };
  }

  async function read(reqId: number, sources: ByteSource[], filterKey: string | undefined, signal: AbortSignal, taskHint?: string): Promise<void> {
    let dataSrc: ByteSource | null = null;
    let normalization: ByteSource | undefined;
    if (sources.length === 0) throw new UserError('No file was dropped.');
    if (sources.length > 1) {
      for (const s of sources) {
        const kind = (await sniffFile(s)).kind;
        if (kind === 'normalization-npz' && !normalization) normalization = s;
        else if (dataSrc) throw new UserError(`Drop one dataset at a time (with its normalization.npz, if it has one); got ${sources.map((x) => x.name).join(', ')}.`);
        else dataSrc = s;
      }
      if (!dataSrc) throw new UserError(`${sources.map((x) => x.name).join(' and ')} are normalisation files only; add the train.npz they belong to.`);
    } else dataSrc = sources[0];
    const result = await readDataset(dataSrc, {
      signal,
      filterKey,
      normalization,
      obsKeyOrder: datasetObsKeyOrder,
      onProgress: (progress) => post({ type: 'progress', reqId, progress }),
    });
    if (taskHint) result.hint.envName ??= taskHint;
    const key = keep(dataSrc.name, result);
    post({ type: 'read-done', reqId, view: view(key, null) });
  }

  async function handle(req: DataRequest): Promise<void> {
    if (req.type === 'cancel') {
      running.get(req.reqId)?.abort();
      return;
    }
    if (req.type === 'forget') {
      held.delete(req.key);
      return;
    }
    const ac = new AbortController();
    running.set(req.reqId, ac);
    try {
      switch (req.type) {
        case 'read':
          await read(req.reqId, req.files.map((f) => sourceFromBlob(f.blob, f.name)), req.filterKey, ac.signal);
          return;
        case 'read-bundled': {
          const asset = resolveBuiltin(req.ref);
          if (asset.kind !== 'dataset') throw new UserError(`${req.ref} is not a bundled dataset.`);
          const norm = bundledDatasets().find((a) => a.task === asset.task && a.kind === 'normalization');
          const files = [sourceFromBytes(await fetchBundled(asset.path, req.ref), req.ref)];
          if (norm) files.push(sourceFromBytes(await fetchBundled(norm.path, norm.id), norm.id));
          await read(req.reqId, files, undefined, ac.signal, asset.task);
          return;
        }
        case 'analyze':
          post({ type: 'analysis', reqId: req.reqId, view: view(req.key, req.task) });
          return;
        case 'episode': {
          const { result } = get(req.key);
          const ds = result.dataset;
          if (!(req.index >= 0 && req.index < ds.episodeLengths.length)) throw new UserError(`Episode ${req.index} does not exist (0–${ds.episodeLengths.length - 1}).`);
          const v = episodeView(ds, req.index);
          const start = episodeStarts(ds.episodeLengths)[req.index];
          const episode = {
            index: req.index,
            length: v.length,
            obsDim: ds.obsDim,
            actDim: ds.actDim,
            obs: v.obs.slice(),
            act: v.act.slice(),
            rew: ds.rew ? ds.rew.slice(start, start + v.length) : undefined,
          };
          post({ type: 'episode', reqId: req.reqId, episode }, [episode.obs.buffer, episode.act.buffer]);
          return;
        }
        case 'training-data': {
          const { name, result } = get(req.key);
          const data = prepareTrainingData(result.dataset, name);
          const tasks = suggestTasksForDataset(result.hint);
          post({ type: 'training-data', reqId: req.reqId, data, task: tasks[0]?.task ?? null }, [data.states.buffer, data.actions.buffer, data.trajLengths.buffer]);
          return;
        }
      }
    } catch (e) {
      const cancelled = ac.signal.aborted;
      const message = e instanceof UserError ? e.message : `The data worker failed: ${e instanceof Error ? e.message : String(e)}`;
      post({ type: 'error', reqId: req.reqId, message, cancelled });
    } finally {
      running.delete(req.reqId);
    }
  }

  return { handle, heldKeys: () => [...held.keys()] };
}

/** Path preview: the task's plane view where it maps obs to a point (pointFromObs), else obs dims 0 and 1. */
function preview(result: ReadResult, task: string | null): PathPreview {
  const ds = result.dataset;
  const view = task ? taskFamily(task).trajectory : null;
  let dims: [number, number] | null = null;
  let kind: 'task' | 'obs' = 'obs';
  if (view && view.kind === 'plane' && view.pointFromObs) {
    dims = [view.pointFromObs[0], view.pointFromObs[1]];
    kind = 'task';
  } else if (ds.obsDim >= 2) dims = [0, 1];
  if (!dims) return { kind: 'none', why: 'the observations have one dimension' };
  const obs = kind === 'task' ? rawObs(ds) : ds.obs;
  const paths: EnvPath[] = [];
  let start = 0;
  for (let i = 0; i < ds.episodeLengths.length && i < PREVIEW_EPISODES; i++) {
    const L = ds.episodeLengths[i];
    const points = new Float32Array(L * 2);
    for (let t = 0; t < L; t++) {
      points[2 * t] = obs[(start + t) * ds.obsDim + dims[0]];
      points[2 * t + 1] = obs[(start + t) * ds.obsDim + dims[1]];
    }
    paths.push({ env: i, points, traceDim: 2, tags: {}, success: false, terminated: !!ds.terminals?.[start + L - 1] });
    start += L;
  }
  return kind === 'task' ? { kind, task: task!, paths } : { kind, xDim: dims[0], yDim: dims[1], paths };
}
