/**
 * IndexedDB persistence of fine-tuning runs (design/architecture.md §2 "runs are persisted as they go"):
 * one record per run (config, status, display flags) and one per iteration (its scalars), so a reload
 * shows past runs and their curves. Since version 2 also the run's latest training state (train/trainingState.ts:
 * weights, optimiser, RNG, reward scaler, env snapshot) and the checkpoint of the same iteration, one record
 * per run, replaced as the run goes (docs/runs.md): an interrupted run resumes from it. Without IndexedDB
 * (Node, private mode) openRunsDb() resolves to null and the app keeps runs in memory only.
 *
 * A state and the run record that names it are written in ONE transaction: a failed write (quota, abort)
 * leaves the previous state and record as they were. Quota errors surface as a StorageQuotaError.
 */
import type { FinetuneConfig } from '../config/finetune';
import type { MetricKey } from '../config/metrics';

export type RunStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'done' | 'stopped' | 'error' | 'interrupted';

export interface StoredRun {
  id: string;
  label: string;
  config: FinetuneConfig;
  /** Checkpoint reference the run started from (`builtin:…`). */
  checkpoint: string;
  preset: string;
  createdAt: number;
  status: RunStatus;
  colorIndex: number;
  pinned: boolean;
  hidden: boolean;
  totalIterations: number;
  envStepsPerIteration: number;
  error?: string;
  summary?: Record<string, number | boolean | string>;
  /** Collapse warnings of the divergence guard (train/divergence.ts), in order. */
  warnings?: RunWarning[];
  /** After a divergence: where the last good weights were kept (`session:<runId>`) and their iteration. */
  lastGood?: { checkpoint: string; itr: number };
  /** Where the envs ran when not in the browser: a dppo-bridge's URL, backend and session (never its token). */
  env?: { kind: 'bridge'; url: string; backend: string; sessionId: string };
  /** The saved training state: complete iterations it holds (a resume starts with iteration `itr`), when, size. */
  savedState?: { itr: number; savedAt: number; bytes: number };
  /** Where the run came from when it was opened from a run file (data/runFile.ts). */
  imported?: { file: string; at: number; appVersion?: string };
}

/** The latest training state of a run and the checkpoint of the same iteration (safetensors bytes). */
export interface StoredState {
  runId: string;
  itr: number;
  savedAt: number;
  state: ArrayBuffer;
  checkpoint: ArrayBuffer;
}

/** A write the browser refused for lack of storage; what was saved before is kept. */
export class StorageQuotaError extends Error {
  constructor(what: string, bytes: number) {
    super(`The browser's storage is full: ${what} (${(bytes / 1e6).toFixed(1)} MB) was not saved; the previously saved one is kept. Delete runs, checkpoints or datasets you no longer need.`);
    this.name = 'StorageQuotaError';
  }
}

export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name ?? '';
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || /quota/i.test(String((e as Error)?.message ?? ''));
}

/** One collapse warning: the iteration, what collapsed, the metric whose curve shows it, the message. */
export interface RunWarning {
  itr: number;
  kind: string;
  metric: MetricKey;
  message: string;
}

export interface StoredPoint {
  runId: string;
  itr: number;
  envSteps: number;
  wallS: number;
  metrics: Partial<Record<MetricKey, number>>;
}

export interface RunsDb {
  putRun(run: StoredRun): Promise<void>;
  putPoint(point: StoredPoint): Promise<void>;
  deleteRun(id: string): Promise<void>;
  /** Deletes the run's points from iteration `fromItr` on (a resume recomputes them). */
  deletePointsFrom(runId: string, fromItr: number): Promise<void>;
  /**
   * Replaces the run's saved state and writes `run` (whose savedState names it) in one transaction. A quota
   * error rejects with StorageQuotaError and changes nothing.
   */
  putState(run: StoredRun, state: StoredState): Promise<void>;
  /** The run's saved state, or null. */
  getState(runId: string): Promise<StoredState | null>;
  /** A whole run (record, points, state) in one transaction: a run file opened in this browser. */
  importRun(run: StoredRun, points: StoredPoint[], state: StoredState | null): Promise<void>;
  /** Every stored run with its points sorted by iteration. */
  loadAll(): Promise<{ runs: StoredRun[]; points: Map<string, StoredPoint[]> }>;
  close(): void;
}

const DB_NAME = 'dppo-workbench-runs';
/** 1: runs, points. 2: + states (training state and checkpoint per run). */
const DB_VERSION = 2;

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** Opens (and on first use creates) the runs database; null when IndexedDB is unavailable. */
export async function openRunsDb(): Promise<RunsDb | null> {
  if (typeof indexedDB === 'undefined') return null;
  const open = indexedDB.open(DB_NAME, DB_VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('runs')) db.createObjectStore('runs', { keyPath: 'id' });
    if (!db.objectStoreNames.contains('points')) {
      const points = db.createObjectStore('points', { keyPath: ['runId', 'itr'] });
      points.createIndex('runId', 'runId');
    }
    // Version 2: runs and points of version 1 stay as they are; their runs simply have no saved state.
    if (!db.objectStoreNames.contains('states')) db.createObjectStore('states', { keyPath: 'runId' });
  };
  let db: IDBDatabase;
  try {
    db = await req(open);
  } catch {
    return null;
  }
  // A newer version opened in another tab: let it upgrade (this tab's later writes then fail and are shown).
  db.onversionchange = () => db.close();
  return {
    async putRun(run) {
      const tx = db.transaction('runs', 'readwrite');
      tx.objectStore('runs').put(run);
      await done(tx);
    },
    async putPoint(point) {
      const tx = db.transaction('points', 'readwrite');
      tx.objectStore('points').put(point);
      await done(tx);
    },
    async deleteRun(id) {
      const tx = db.transaction(['runs', 'points', 'states'], 'readwrite');
      tx.objectStore('runs').delete(id);
      tx.objectStore('points').delete(IDBKeyRange.bound([id, -Infinity], [id, Infinity]));
      tx.objectStore('states').delete(id);
      await done(tx);
    },
    async deletePointsFrom(runId, fromItr) {
      const tx = db.transaction('points', 'readwrite');
      tx.objectStore('points').delete(IDBKeyRange.bound([runId, fromItr], [runId, Infinity]));
      await done(tx);
    },
    async putState(run, state) {
      try {
        const tx = db.transaction(['runs', 'states'], 'readwrite');
        tx.objectStore('states').put(state);
        tx.objectStore('runs').put(run);
        await done(tx);
      } catch (e) {
        if (isQuotaError(e)) throw new StorageQuotaError(`the training state after itr ${state.itr - 1}`, state.state.byteLength + state.checkpoint.byteLength);
        throw e;
      }
    },
    async getState(runId) {
      const tx = db.transaction('states', 'readonly');
      return (await req(tx.objectStore('states').get(runId) as IDBRequest<StoredState | undefined>)) ?? null;
    },
    async importRun(run, points, state) {
      try {
        const tx = db.transaction(['runs', 'points', 'states'], 'readwrite');
        tx.objectStore('runs').put(run);
        for (const p of points) tx.objectStore('points').put(p);
        if (state) tx.objectStore('states').put(state);
        await done(tx);
      } catch (e) {
        if (isQuotaError(e)) throw new StorageQuotaError('the imported run', (state?.state.byteLength ?? 0) + (state?.checkpoint.byteLength ?? 0));
        throw e;
      }
    },
    async loadAll() {
      const tx = db.transaction(['runs', 'points'], 'readonly');
      const [runs, pts] = await Promise.all([
        req(tx.objectStore('runs').getAll() as IDBRequest<StoredRun[]>),
        req(tx.objectStore('points').getAll() as IDBRequest<StoredPoint[]>),
      ]);
      const points = new Map<string, StoredPoint[]>();
      for (const p of pts) {
        const list = points.get(p.runId) ?? [];
        list.push(p);
        points.set(p.runId, list);
      }
      for (const list of points.values()) list.sort((a, b) => a.itr - b.itr);
      return { runs, points };
    },
    close() {
      db.close();
    },
  };
}
