/**
 * Policy architecture configs, stored inside every checkpoint (spec/dppo-reference.md §3).
 * Names follow DPPO's YAML keys in camelCase.
 */

export type Activation = 'relu' | 'mish' | 'tanh' | 'elu' | 'gelu' | 'silu' | 'identity';

export type PolicyKind = 'diffusion-mlp' | 'diffusion-unet' | 'gaussian-mlp' | 'gmm-mlp';

interface CommonModelConfig {
  /** Do: observation dimension (per condition step). */
  obsDim: number;
  /** Da: action dimension. */
  actionDim: number;
  /** To: observation history length (always 1 in the paper). */
  condSteps: number;
  /** Ta: predicted action-chunk length (`horizon_steps`). */
  horizonSteps: number;
  /** Ta_exec: executed prefix of the chunk (`act_steps`). */
  actSteps: number;
}

export interface DiffusionMlpConfig extends CommonModelConfig {
  kind: 'diffusion-mlp';
  /** K: denoising steps used in pre-training and fine-tuning (`denoising_steps`). */
  denoisingSteps: number;
  /** Width of the sinusoidal time embedding (`time_dim`). */
  timeDim: number;
  /** Hidden widths of the residual MLP head (`mlp_dims`). */
  mlpDims: number[];
  /** Head activation (`activation_type`); the time MLP always uses Mish (§3.2). */
  activation: Activation;
  /** Residual MLP head (`residual_style`; true in every config). */
  residualStyle: boolean;
  /** x0 prediction clamp (`denoised_clip_value`). */
  denoisedClipValue: number;
  /** DDIM sampling with this many steps (`ddim_steps`); absent = DDPM over all K steps (spec §2.5). */
  ddimSteps?: number;
  /** DDIM η during training sampling and in the log-prob (EtaFixed `base_eta`, default 1); eval uses η = 0. */
  ddimEta?: number;
}

/**
 * DPPO's Unet1D ε-network (Diffusion-Policy style, conv over the chunk axis; spec §3.3). Only the "larger"
 * FiLM cond encoder without `cond_mlp` (every reference config) and Mish are supported.
 */
export interface DiffusionUnetConfig extends CommonModelConfig {
  kind: 'diffusion-unet';
  /** K: denoising steps used in pre-training and fine-tuning (`denoising_steps`). */
  denoisingSteps: number;
  /** x0 prediction clamp (`denoised_clip_value`). */
  denoisedClipValue: number;
  /** Width of the sinusoidal time embedding and of the time MLP output (`diffusion_step_embed_dim`, dsed). */
  diffusionStepEmbedDim: number;
  /** Base channel width (`dim`). */
  dim: number;
  /** Channel multipliers per level (`dim_mults`); Ta must be divisible by 2^(len − 1). */
  dimMults: number[];
  /** Conv kernel width (`kernel_size`, odd). */
  kernelSize: number;
  /** GroupNorm groups (`n_groups`); must divide every channel count. */
  nGroups: number;
  /** GroupNorm ε (`groupnorm_eps`: 1e-5, Furniture 1e-4). */
  groupNormEps: number;
  /** FiLM predicts scale and bias (`cond_predict_scale`), else bias only. */
  condPredictScale: boolean;
  /** DDIM sampling with this many steps (`ddim_steps`); absent = DDPM over all K steps (spec §2.5). */
  ddimSteps?: number;
  /** DDIM η during training sampling and in the log-prob (EtaFixed `base_eta`, default 1); eval uses η = 0. */
  ddimEta?: number;
}

/** Configs of the diffusion actors (they share the sampler, log-prob and fine-tuning logic). */
export type DiffusionConfig = DiffusionMlpConfig | DiffusionUnetConfig;

export interface GaussianMlpConfig extends CommonModelConfig {
  kind: 'gaussian-mlp';
  mlpDims: number[];
  activation: Activation;
  residualStyle: boolean;
  /** Learnable per-dim std clamp (`std_min`, `std_max`) and initial std. */
  stdMin: number;
  stdMax: number;
  stdInit: number;
}

export interface GmmMlpConfig extends CommonModelConfig {
  kind: 'gmm-mlp';
  mlpDims: number[];
  activation: Activation;
  residualStyle: boolean;
  /** Number of mixture components (`num_modes`). */
  numModes: number;
  stdMin: number;
  stdMax: number;
  stdInit: number;
}

export type ActorConfig = DiffusionMlpConfig | DiffusionUnetConfig | GaussianMlpConfig | GmmMlpConfig;

/** V(s): residual MLP [To·Do, ...mlpDims, 1] with Mish (spec §3.4). */
export interface CriticConfig {
  obsDim: number;
  condSteps: number;
  mlpDims: number[];
  activation: Activation;
  residualStyle: boolean;
}

/** The reference critic for an actor: [256]×3 Mish residual on the actor's observation (spec §3.4, §3.6). */
export function criticConfigFor(actor: { obsDim: number; condSteps: number }): CriticConfig {
  return { obsDim: actor.obsDim, condSteps: actor.condSteps, mlpDims: [256, 256, 256], activation: 'mish', residualStyle: true };
}
