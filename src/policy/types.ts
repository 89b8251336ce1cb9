/**
 * The Policy contract shared by DPPO (diffusion), Gaussian-PPO and GMM-PPO (design/architecture.md §3).
 *
 * Shape legend: B batch, M minibatch items, Do obs dim, Ta horizon (chunk) steps, Da action dim,
 * K denoising steps, K' fine-tuned denoising steps, L = chainLength.
 * All observations and actions are NORMALISED (spec §6.2); tensors are float32.
 *
 * A "PPO item" is one (env sample j, step i) pair (spec §4.5). For diffusion i ∈ [0, K') is the denoising
 * index and the transition is chain[j][i] → chain[j][i+1]; for Gaussian/GMM there is one item per env
 * sample (i = 0) and the "chain" is just [action].
 */
import type * as tf from '@tensorflow/tfjs';
import type { ActorConfig } from '../config/model';
import type { Rng } from '../core/rng';

export interface SampleOptions {
  /** Eval mode (spec §2.4): 1e-3 std floor, noiseless last step; Gaussian: the mean. */
  deterministic: boolean;
  /** Return the chain the PPO update needs ([B, L, Ta, Da]). */
  recordChain: boolean;
  /** Source of the seeds for the noise draws. */
  rng: Rng;
  /** Exploration std floor σ_min^exp at every step (training mode only; spec §2.4). */
  minSamplingDenoisingStd?: number;
  /** Clamp of noise draws (`randn_clip_value`); default RANDN_CLIP_VALUE_DEFAULT (config/finetune.ts), the one default. */
  randnClipValue?: number;
  /** Record every intermediate x_k for the inspector: [K+1, B, Ta, Da] (x_K … x_0). */
  recordAllSteps?: boolean;
  /** Diffusion only: use the frozen base actor at every step (= the pre-trained policy). */
  useBaseActor?: boolean;
}

export interface SampleResult {
  /** [B, Ta, Da] */
  actions: tf.Tensor3D;
  /** [B, L, Ta, Da] when recordChain */
  chain?: tf.Tensor4D;
  /** [K+1, B, Ta, Da] when recordAllSteps (index 0 = pure noise x_K, last = final action x_0). */
  allSteps?: tf.Tensor4D;
}

export interface LogProbOptions {
  /** Std floor inside the log-prob (`min_logprob_denoising_std`). */
  minLogprobDenoisingStd: number;
  /** Rows of the chunk that count (`act_steps`, spec §2.8 step 2). */
  actSteps: number;
}

export interface Policy {
  readonly config: ActorConfig;
  /** PPO items per env sample: K' for diffusion, 1 otherwise. */
  readonly ppoStepsPerSample: number;
  /** Stored chain length per env sample: K'+1 for diffusion, 1 otherwise. */
  readonly chainLength: number;

  /** obs [B, Do] → actions [B, Ta, Da] (+ chain). Caller disposes the returned tensors. */
  sample(obs: tf.Tensor2D, opts: SampleOptions): SampleResult;

  /**
   * Reduced log-prob per PPO item (spec §2.8 / §4.6 step 1): element log-densities clamped to [−5, 2],
   * first actSteps rows kept, mean over (actSteps, Da).
   * obs [M, Do], prev [M, Ta, Da] (ignored by Gaussian/GMM), next [M, Ta, Da], stepIndex int32 [M] → [M].
   * Differentiable with respect to trainableVariables().
   */
  logProb(obs: tf.Tensor2D, prev: tf.Tensor3D, next: tf.Tensor3D, stepIndex: tf.Tensor1D, opts: LogProbOptions): tf.Tensor1D;

  /** Behaviour-cloning loss on a batch: obs [B, Do], actions [B, Ta, Da] → scalar (spec §2.2, §6.5). */
  bcLoss(obs: tf.Tensor2D, actions: tf.Tensor3D, rng: Rng): tf.Scalar;

  /** Variables updated by fine-tuning (diffusion: the actor_ft copy only). */
  trainableVariables(): tf.Variable[];
  /** Variables updated by BC pre-training. */
  pretrainVariables(): tf.Variable[];

  /**
   * Named weights in DPPO/PyTorch layout (Linear weights [out, in]) for checkpoints and export,
   * e.g. `network.mlp_mean.layers.0.weight`, `actor_ft.mlp_mean...` (spec §3.6).
   */
  namedWeights(): Map<string, { shape: number[]; data: Float32Array }>;
  /** Loads weights produced by namedWeights() (or a DPPO export); throws on missing/mis-shaped keys. */
  loadNamedWeights(weights: Map<string, { shape: number[]; data: Float32Array }>): void;

  /** Diffusion only: start fine-tuning (freeze the base actor, make actor_ft a trainable copy; spec §2.6). */
  prepareFinetune?(ftDenoisingSteps: number): void;

  dispose(): void;
}

/** V(s) critic. */
export interface Critic {
  /** obs [B, Do] → [B] */
  value(obs: tf.Tensor2D): tf.Tensor1D;
  trainableVariables(): tf.Variable[];
  namedWeights(): Map<string, { shape: number[]; data: Float32Array }>;
  loadNamedWeights(weights: Map<string, { shape: number[]; data: Float32Array }>): void;
  dispose(): void;
}
