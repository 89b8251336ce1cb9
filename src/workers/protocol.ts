/**
 * Typed messages between the main thread and the workers (design §5.6): discriminated unions on `type`,
 * a version constant, transferables for bulk data. Both sides switch exhaustively.
 */
import type { FinetuneConfig } from '../config/finetune';
import type { TrainEvent } from '../train/events';
import type { CheckpointRequest, CheckpointResponse } from './checkpointProtocol';
export type * from './checkpointProtocol';

/** Types of the training events the UI shows (defined with the loops and the metric names). */
export type { EnvPath, MetricKey, Phase, TrainEvent } from '../train/events';
import type { SceneDesc } from '../sim/sceneDesc';
import type { LiveSteps } from '../sim/liveFollow';
export type { LiveSteps } from '../sim/liveFollow';
import type { TrainingData } from '../data/readers';
import type { PretrainPolicyKind } from '../sim/registry';
import type { WorkloadResult, WorkloadSpec } from '../../bench/workload';

export type { FinetuneIterationRecord, MemoryPoint, WorkloadResult, WorkloadSpec } from '../../bench/workload';

export const PROTOCOL_VERSION = 1;

/**
 * Envs hosted by a `dppo-bridge` (docs/bridge-protocol.md): the train worker opens its own connection with
 * this URL and token (the token stays in memory: runs record only URL, backend and session).
 */
export interface RunEnvRequest {
  kind: 'bridge';
  url: string;
  token: string;
}

/** tfjs backends the workbench knows. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What the backend manager found for one backend. */
export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Why it was skipped or chosen, in one short sentence (e.g. "software adapter (SwiftShader)"). */
  reason: string;
  /**
   * What the automatic choice compared, in ms: the run's workload (one chain for its envs + one update
   * minibatch, `workload` below) once the page has named it, else a batch-64 forward+backward of a small MLP.
   */
  msPerStep?: number;
  /** The workload behind msPerStep, e.g. "avoid-m2 dppo: chain ×32 + update 1600"; absent for the small MLP. */
  workload?: string;
  /** A software adapter/renderer (SwiftShader, llvmpipe): never chosen automatically. */
  software?: boolean;
  /** Start-up self-check: max |error| of a small matMul/ReLU forward+gradient against float64 JS, when run. */
  checkError?: number;
  /** Adapter/renderer description when known. */
  device?: string;
}

export interface BackendReport {
  active: BackendName;
  /** 'auto' or the user's override. */
  requested: BackendName | 'auto';
  probes: BackendProbe[];
  /** WASM threads in use (1 unless cross-origin isolated with spare cores). */
  wasmThreads: number;
  crossOriginIsolated: boolean;
}

// ---------------------------------------------------------------- train worker

/** How the inspector samples: with the fine-tuning exploration noise or as at evaluation (spec §2.5). */
export type InspectMode = 'exploration' | 'eval';

/** Which policy an inspector request samples: the pre-trained (frozen base) or the current fine-tuned one. */
export type PolicyRef = 'pretrained' | 'current';

/** Policy kinds the workbench can pre-train from demos (sizes from the task family, sim/registry.ts). */
export type { PretrainPolicyKind } from '../sim/registry';

/** The work the automatic backend choice times (issue 12): the current experiment's task, algorithm and sizes. */
export interface AutoWorkload {
  task: string;
  algo: 'dppo' | 'gaussian' | 'gmm';
  /** Envs sampled per chain. */
  nEnvs: number;
  /** PPO minibatch items. */
  batchSize: number;
}

/** One backend's row of the in-app benchmark. */
export interface BenchRow {
  backend: BackendName;
  /** Adapter/renderer when known. */
  device?: string;
  software: boolean;
  /** The workload's figures; absent when the backend could not run it (see error). */
  result?: WorkloadResult;
  error?: string;
}

export type TrainRequest =
  /** Checkpoint describe/import/export/evaluate (checkpointProtocol.ts). */
  | CheckpointRequest
  | { type: 'init'; version: number; backend: BackendName | 'auto' }
  | { type: 'set-backend'; backend: BackendName | 'auto' }
  /** The workload the automatic choice times from now on; re-chooses when the user's choice is 'auto'. */
  | { type: 'set-workload'; workload: AutoWorkload }
  /**
   * In-app benchmark: the workload (bench/workload.ts) on each listed backend in turn (software ones too:
   * the user asked), then the active backend again. Answered by one 'bench-row' per backend, then 'bench-done'.
   * Refused (an 'error' with this requestId) while a run or pre-training is going.
   */
  | { type: 'bench'; requestId: number; spec: WorkloadSpec; backends: BackendName[] }
  | {
      type: 'start-finetune';
      runId: string;
      config: FinetuneConfig;
      /**
       * 'builtin:<task>/<policy>' (bundled), 'session:<runId>' (pre-trained in this worker, see
       * start-pretrain) or an uploaded checkpoint's bytes.
       */
      checkpoint: string | ArrayBuffer;
      /** Where the envs run: absent = in this worker; a bridge = bridge-hosted envs (src/bridge/). */
      env?: RunEnvRequest;
      /** Resume from this training state (train/trainingState.ts bytes); the run continues with its iteration `itr`. */
      resume?: ArrayBuffer;
      /** Send a 'train-state' every this many complete iterations (config/runState.ts; default 1). */
      stateEvery?: number;
    }
  /**
   * Behaviour cloning from demos (spec §6.5). Emits 'progress' (phase 'pretrain') and 'pretrain-epoch'
   * events; pause/resume/stop apply. The result stays in the worker as 'session:<runId>', named by the
   * 'done' summary (`checkpoint`, `final_loss`, `epochs`); a stop keeps the epochs done so far.
   */
  | {
      type: 'start-pretrain';
      runId: string;
      task: string;
      policy: PretrainPolicyKind;
      epochs: number;
      seed: number;
      /** Default 'builtin:<task>/train' (its normalization.npz is read alongside). */
      dataset?: string;
      /**
       * A dataset read by the data worker (a dropped file, Datasets page): normalised arrays and their
       * statistics (data/readers/analyze.ts prepareTrainingData), transferred; used instead of `dataset`.
       */
      data?: TrainingData & { name: string };
      /** Default BC_DEFAULTS.batchSize (128). */
      batchSize?: number;
      /** Cap on gradient steps per epoch (default: a full pass); for tests and smoke runs. */
      batchesPerEpoch?: number;
    }
  | { type: 'pause'; runId: string }
  | { type: 'resume'; runId: string }
  | { type: 'stop'; runId: string }
  /** Which env of the run the viewer follows live (default 0); its actions come back as 'live-steps'. */
  | { type: 'follow-env'; runId: string; env: number }
  | {
      type: 'inspect';
      requestId: number;
      /** Run whose policies to sample; when none is running, the checkpoint named here is used. */
      runId: string | null;
      /** 'builtin:…' or 'session:…' ref. */
      checkpoint: string;
      policy: PolicyRef;
      /** Raw observation [Do] (Avoid: [desired x, desired y, tip x, tip y]). */
      obs: number[];
      /** Number of chains to sample. */
      n: number;
      seed: number;
      /**
       * 'exploration' (default): the training-time noise (std floor minSamplingDenoisingStd at every step);
       * 'eval': evaluation sampling (DDPM floor 1e-3, noiseless last step; Gaussian/GMM: the mean / top mode).
       */
      mode?: InspectMode;
    };

/**
 * Action samples of every denoising step for one state (Fig. 11): steps[k] holds n first-chunk actions
 * (raw units, flattened [n, Da]) after denoising step k, from k = 0 (pure noise x_K) to K (final action).
 */
export interface InspectResult {
  requestId: number;
  policy: PolicyRef;
  /** Labels of the steps: denoising index remaining, K … 0. */
  stepLabels: number[];
  steps: Float32Array[];
  actionDim: number;
  /** The fine-tuning iteration after which the sampled weights were taken (-1 = pre-trained, or none done yet). */
  itr: number;
  mode: InspectMode;
}

export type TrainResponse =
  | CheckpointResponse
  | { type: 'ready'; version: number; backend: BackendReport }
  | { type: 'backend'; backend: BackendReport }
  | { type: 'event'; runId: string; event: TrainEvent }
  /**
   * A fine-tuning run's training state after `itr` complete iterations and the checkpoint of the same weights
   * (safetensors bytes, transferred) — the page stores them (data/runs.ts). state null: this run cannot save
   * one (`reason`), sent once.
   */
  | { type: 'train-state'; runId: string; itr: number; state: ArrayBuffer | null; checkpoint: ArrayBuffer | null; reason?: string }
  | { type: 'inspect-result'; result: InspectResult }
  /** The followed env's executed actions (sim/liveFollow.ts), about 10 batches a second while a run steps its envs; transferred. */
  | { type: 'live-steps'; runId: string; steps: LiveSteps }
  | { type: 'bench-row'; requestId: number; row: BenchRow }
  | { type: 'bench-done'; requestId: number; backend: BackendReport }
  /** The backend report after 'set-workload' re-timed the candidates (not an answer to a backend request). */
  | { type: 'workload-timed'; backend: BackendReport }
  | { type: 'error'; runId: string | null; requestId?: number; message: string };

// ---------------------------------------------------------------- sim worker (viewer)

/** Plain description of a compiled model for the three.js viewer (defined in sim/sceneDesc.ts). */
export type { SceneDesc, SceneGeom, SceneMesh } from '../sim/sceneDesc';

export type SimRequest =
  /** `scene`: 'demo' (every geom type) or a task id whose family has a viewer driver. */
  | { type: 'load'; version: number; scene: string; seed: number }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'reset'; seed: number }
  /** Replay one env's trace path of the current iteration (flat, the task's trace dim per point). */
  | { type: 'follow'; targets: Float32Array }
  /** Replay one env of the running run live (its actions as they are executed, sim/liveFollow.ts). */
  | { type: 'follow-live'; steps: LiveSteps }
  /** The run ended: the scene goes back to its own motion. */
  | { type: 'end-live' };

export type SimResponse =
  | { type: 'loaded'; scene: SceneDesc; mujocoVersion: string }
  /** geom_xpos (ngeom×3) then geom_xmat (ngeom×9), transferred. */
  | { type: 'poses'; time: number; poses: Float32Array }
  | { type: 'error'; message: string };
