/**
 * IndexedDB persistence of fine-tuning runs (design/architecture.md §2 "runs are persisted as they go"):
 * one record per run (config, status, display flags) and one per iteration (its scalars), so a reload
 * shows past runs and their curves. Checkpoints are not stored here. Without IndexedDB (Node, private
 * mode) openRunsDb() resolves to null and the app keeps runs in memory only.
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
  /** Every stored run with its points sorted by iteration. */
  loadAll(): Promise<{ runs: StoredRun[]; points: Map<string, StoredPoint[]> }>;
  close(): void;
}

const DB_NAME = 'dppo-workbench-runs';
const DB_VERSION = 1;

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
  };
  let db: IDBDatabase;
  try {
    db = await req(open);
  } catch {
    return null;
  }
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
      const tx = db.transaction(['runs', 'points'], 'readwrite');
      tx.objectStore('runs').delete(id);
      tx.objectStore('points').delete(IDBKeyRange.bound([id, -Infinity], [id, Infinity]));
      await done(tx);
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
