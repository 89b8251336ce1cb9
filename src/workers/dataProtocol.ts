/**
 * Messages between the page and the data worker (data.worker.ts): reading dropped or bundled dataset files
 * with progress and cancel, the inspector's numbers, one episode's signals, and the normalised arrays for
 * "pre-train on this". Typed in one place; the client (dataClient.ts) is the only sender.
 */
import type { DatasetAnalysis, DatasetSummary, ReadProgress, TrainingData } from '../data/readers';
import type { DatasetMatch } from '../sim/datasetHints';
import type { EnvPath } from '../train/events';

export type DataRequest =
  /** Read one dataset file (plus, optionally, the normalization.npz that goes with it; told apart by content). */
  | { type: 'read'; reqId: number; files: { name: string; blob: Blob }[]; filterKey?: string }
  /** Read a bundled dataset (`builtin:<task>/train`, with its normalisation file). */
  | { type: 'read-bundled'; reqId: number; ref: string }
  | { type: 'cancel'; reqId: number }
  /** Re-analyse a held dataset for another task (chunk size, path preview). */
  | { type: 'analyze'; reqId: number; key: string; task: string | null }
  | { type: 'episode'; reqId: number; key: string; index: number }
  | { type: 'training-data'; reqId: number; key: string }
  | { type: 'forget'; key: string };

/** How the path preview is drawn: through the task's plane view, or obs dims 0 and 1 when no task view fits. */
export type PathPreview =
  | { kind: 'task'; task: string; paths: EnvPath[] }
  | { kind: 'obs'; xDim: number; yDim: number; paths: EnvPath[] }
  | { kind: 'none'; why: string };

export interface DatasetView {
  /** Worker-side handle of the read dataset. */
  key: string;
  name: string;
  summary: DatasetSummary;
  /** Registered tasks the data fits, best first (sim/registry.ts suggestTasksForDataset). */
  tasks: DatasetMatch[];
  /** Task the analysis (chunk size, preview) was made for. */
  task: string | null;
  analysis: DatasetAnalysis;
  preview: PathPreview;
}

export interface EpisodeSignals {
  index: number;
  length: number;
  obsDim: number;
  actDim: number;
  /** [L, Do], [L, Da] as stored (normalised for DPPO npz). */
  obs: Float32Array;
  act: Float32Array;
  rew?: Float32Array;
}

export type DataResponse =
  | { type: 'progress'; reqId: number; progress: ReadProgress }
  | { type: 'read-done'; reqId: number; view: DatasetView }
  | { type: 'analysis'; reqId: number; view: DatasetView }
  | { type: 'episode'; reqId: number; episode: EpisodeSignals }
  | { type: 'training-data'; reqId: number; data: TrainingData; task: string | null }
  | { type: 'error'; reqId: number; message: string; cancelled?: boolean };
