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

export type ActorConfig = DiffusionMlpConfig | GaussianMlpConfig | GmmMlpConfig;

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
