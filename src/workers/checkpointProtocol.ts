/**
 * Checkpoint jobs of the train worker (checkpointJobs.ts), part of TrainRequest/TrainResponse
 * (protocol.ts): describe a checkpoint (config, normalisation, provenance), import a file into the
 * workbench's safetensors, export to safetensors / ONNX / TF.js, hand out a checkpoint's bytes (to persist a
 * session checkpoint), evaluate with progress. Refs: `builtin:…`, `session:…`, `stored:<id>`.
 */
import type { RobustnessCell, RobustnessResult } from '../train/robustness';

export type { RobustnessCell, RobustnessResult };

export type CheckpointExportFormat = 'safetensors' | 'onnx' | 'tfjs';

export interface TransferFile {
  name: string;
  bytes: ArrayBuffer;
}

export type CheckpointJob =
  | { kind: 'describe'; ref: string }
  | { kind: 'import'; files: TransferFile[] }
  | { kind: 'export'; ref: string; format: CheckpointExportFormat }
  | { kind: 'bytes'; ref: string }
  | { kind: 'evaluate'; ref: string; task?: string; episodes: number; seed: number }
  /**
   * One action for one raw observation (the connector's Franka policy run, src/bridge/frankaPolicy.ts): eval-mode
   * sampling, the first action of the chunk in raw units. The loaded policy stays cached in the worker for the
   * next step of the same `ref`; `bytes` (a checkpoint file) is read when `ref` is not cached yet. `fit: 'franka'`
   * checks the actor takes the 7-D end-effector pose and emits a 7-D command; `ref` 'scripted:franka-reach' is
   * the documented scripted reach policy.
   */
  | { kind: 'act'; ref: string; obs: number[]; bytes?: ArrayBuffer; fit?: 'franka'; seed?: number }
  /** Frees the policy cached by 'act'. */
  | { kind: 'act-release' }
  /**
   * The robustness study (src/train/robustness.ts, paper Fig. 12): every policy on `task` under each action
   * noise σ (init-noise scale 1) and each initial-state noise scale (σ 0), `episodes` per cell, one seed. Each
   * finished cell also arrives at once as a progress message's `cell`. A 'cancel' job naming this request
   * ends it with the cells finished so far (`cancelled: true`).
   */
  | {
      kind: 'robustness';
      task: string;
      policies: { name: string; ref: string }[];
      sigmas: number[];
      initNoiseScales: number[];
      episodes: number;
      seed: number;
      maxEpisodeSteps?: number;
    }
  /** Stops the job of request `target` (running or still queued); handled at once, outside the job queue. */
  | { kind: 'cancel'; target: number };

/** What the Policies page shows about a checkpoint. */
export interface CheckpointInfo {
  kind: string;
  /** The task it was trained for (bundled asset or provenance), or null when the file does not say. */
  task: string | null;
  actorConfig: Record<string, unknown>;
  criticConfig?: Record<string, unknown>;
  normalization: { obs_min: number[]; obs_max: number[]; action_min: number[]; action_max: number[] };
  provenance: Record<string, unknown>;
  params: number;
  /** K′ of a fine-tuned diffusion actor. */
  ftDenoisingSteps?: number;
}

export type CheckpointJobResult =
  | { kind: 'describe'; info: CheckpointInfo }
  | { kind: 'import'; info: CheckpointInfo; bytes: ArrayBuffer; format: string; sourceKey: string; notes: string[] }
  | { kind: 'export'; files: TransferFile[] }
  | { kind: 'bytes'; info: CheckpointInfo; bytes: ArrayBuffer }
  | { kind: 'evaluate'; summary: Record<string, number | boolean | string> }
  | { kind: 'act'; action: number[]; ms: number }
  | { kind: 'act-release' }
  | { kind: 'robustness'; result: RobustnessResult }
  /** `found`: the target was running or queued (false: it had already finished). */
  | { kind: 'cancel'; found: boolean };

export interface CheckpointRequest {
  type: 'checkpoint';
  requestId: number;
  job: CheckpointJob;
}

export type CheckpointResponse =
  | { type: 'checkpoint-progress'; requestId: number; fraction: number; message?: string; cell?: RobustnessCell }
  | { type: 'checkpoint-result'; requestId: number; result: CheckpointJobResult }
  | { type: 'checkpoint-error'; requestId: number; message: string };
