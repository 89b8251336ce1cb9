/**
 * Actor config from a DPPO state dict's tensor shapes (files that carry no config: DPPO's `.pt`, a foreign
 * safetensors). What the shapes fix (spec/dppo-reference.md §3.2, §3.3, §3.6):
 *   DiffusionMLP — time_dim (time_embedding.1.weight [2·td, td]), head widths, input width
 *     Ta·Da + td + To·Do and output width Ta·Da (so To·Do = in − out − td);
 *   Unet1D — dsed (time_mlp.1.weight [4·dsed, dsed]), Da and kernel (first conv [C, Da, k]), channel
 *     widths per level, the cond width dsed + To·Do, cond_predict_scale (FiLM output 2·C);
 *   Gaussian/GMM MLP — head widths, std bounds from logvar_min/logvar_max.
 * What they do not fix comes from `hints` (the CLI/worker pass the matching task's defaults) or DPPO's
 * defaults, and every such choice is listed in `notes`: the split of Ta·Da into Ta and Da for MLPs, the
 * head activation, K, DDIM steps, the UNet's n_groups and GroupNorm ε, Ta for the UNet.
 */
import type { Activation, ActorConfig, DiffusionMlpConfig, DiffusionUnetConfig, GaussianMlpConfig, GmmMlpConfig } from '../../config/model';
import { UserError } from '../../core/errors';
import type { NamedWeights } from '../../policy/nn';

/** Settings the shapes cannot tell; each optional. */
export interface ConfigHints {
  obsDim?: number;
  actionDim?: number;
  horizonSteps?: number;
  actSteps?: number;
  condSteps?: number;
  activation?: Activation;
  denoisingSteps?: number;
  ddimSteps?: number;
  denoisedClipValue?: number;
  nGroups?: number;
  groupNormEps?: number;
}

export interface InferredConfig {
  config: ActorConfig;
  /** The weights prefix the network was read from ('network.' or 'actor.'). */
  prefix: string;
  /** Choices not fixed by the shapes (defaults or hints), one sentence each. */
  notes: string[];
}

function shapeOf(w: NamedWeights, key: string): number[] | undefined {
  return w.get(key)?.shape;
}

/** Indices i with `${prefix}${i}${suffix}` present, sorted. */
function indices(w: NamedWeights, prefix: string, suffix: string): number[] {
  const out = new Set<number>();
  for (const k of w.keys()) {
    if (!k.startsWith(prefix) || !k.endsWith(suffix)) continue;
    const mid = k.slice(prefix.length, k.length - suffix.length);
    if (/^\d+$/.test(mid)) out.add(Number(mid));
  }
  return [...out].sort((a, b) => a - b);
}

/** The head under `${p}mlp_mean.`: residual or plain, its widths [in, ...hidden, out]. */
function headDims(w: NamedWeights, p: string, module = 'mlp_mean'): { residual: boolean; dims: number[] } | null {
  const res = indices(w, `${p}${module}.layers.`, '.weight');
  if (res.length > 0) {
    const first = shapeOf(w, `${p}${module}.layers.0.weight`);
    const lastIdx = res[res.length - 1];
    const last = shapeOf(w, `${p}${module}.layers.${lastIdx}.weight`);
    if (!first || !last || first.length !== 2 || last.length !== 2) return null;
    const blocks = indices(w, `${p}${module}.layers.`, '.l1.weight').length;
    const h = first[0];
    return { residual: true, dims: [first[1], ...new Array<number>(2 * blocks + 1).fill(h), last[0]] };
  }
  const plain = indices(w, `${p}${module}.moduleList.`, '.linear_1.weight');
  if (plain.length > 0) {
    const shapes = plain.map((i) => shapeOf(w, `${p}${module}.moduleList.${i}.linear_1.weight`) as number[]);
    return { residual: false, dims: [shapes[0][1], ...shapes.map((s) => s[0])] };
  }
  return null;
}

function posInt(x: number | undefined): x is number {
  return x !== undefined && Number.isInteger(x) && x > 0;
}

/**
 * Splits a flat chunk width Ta·Da: from hints (actionDim or horizonSteps), else Ta = 4 (DPPO's Gym, D3IL and
 * Robomimic chunk) when it divides the width, else Ta = 1.
 */
function splitChunk(flat: number, hints: ConfigHints, notes: string[]): { ta: number; da: number } {
  if (posInt(hints.actionDim)) {
    if (flat % hints.actionDim !== 0) throw new UserError(`The network's output width ${flat} (Ta·Da) is not a multiple of the action dimension ${hints.actionDim}.`);
    return { ta: flat / hints.actionDim, da: hints.actionDim };
  }
  if (posInt(hints.horizonSteps)) {
    if (flat % hints.horizonSteps !== 0) throw new UserError(`The network's output width ${flat} (Ta·Da) is not a multiple of the horizon ${hints.horizonSteps}.`);
    return { ta: hints.horizonSteps, da: flat / hints.horizonSteps };
  }
  const ta = flat % 4 === 0 ? 4 : 1;
  notes.push(`The output width ${flat} = Ta·Da was split as Ta = ${ta}, Da = ${flat / ta} (DPPO's usual chunk; pass the action dimension if that is wrong).`);
  return { ta, da: flat / ta };
}

function splitObs(flat: number, hints: ConfigHints, notes: string[]): { to: number; doo: number } {
  if (flat <= 0) throw new UserError(`The network's input is narrower than its action and time parts; the observation width comes out as ${flat}.`);
  const to = posInt(hints.condSteps) ? hints.condSteps : 1;
  if (flat % to !== 0) throw new UserError(`The observation width ${flat} is not a multiple of condSteps ${to}.`);
  if (posInt(hints.obsDim) && hints.obsDim * to !== flat) {
    throw new UserError(`The network takes ${flat} observation values, but the task's observation has ${hints.obsDim}×${to}.`);
  }
  if (!posInt(hints.condSteps)) notes.push('One observation step (To = 1, as in every DPPO state config).');
  return { to, doo: flat / to };
}

function activationOf(hints: ConfigHints, notes: string[]): Activation {
  if (hints.activation) return hints.activation;
  notes.push("The head activation is not stored in the weights: Mish assumed (DPPO's default activation_type; Gym and D3IL configs use ReLU).");
  return 'mish';
}

function diffusionSteps(w: NamedWeights, hints: ConfigHints, notes: string[]): { denoisingSteps: number; ddimSteps?: number } {
  const ddim = [...w.keys()].some((k) => k.endsWith('eta.eta_logit'));
  if (ddim) {
    const k = hints.denoisingSteps ?? 100;
    const s = hints.ddimSteps ?? 5;
    if (hints.denoisingSteps === undefined || hints.ddimSteps === undefined) notes.push(`DDIM weights (eta.eta_logit): K = ${k}, ${s} DDIM steps assumed (DPPO's pixel/Furniture configs).`);
    return { denoisingSteps: k, ddimSteps: s };
  }
  const k = hints.denoisingSteps ?? 20;
  if (hints.denoisingSteps === undefined) notes.push(`K = ${k} denoising steps assumed (not stored in the weights; DPPO's state configs use 20).`);
  return hints.ddimSteps !== undefined ? { denoisingSteps: k, ddimSteps: hints.ddimSteps } : { denoisingSteps: k };
}

function inferDiffusionMlp(w: NamedWeights, p: string, hints: ConfigHints, notes: string[]): DiffusionMlpConfig {
  const t1 = shapeOf(w, `${p}time_embedding.1.weight`) as number[];
  const td = t1[1];
  if ([...w.keys()].some((k) => k.startsWith(`${p}cond_mlp.`))) {
    throw new UserError('This DiffusionMLP has an observation encoder (cond_mlp, as in Robomimic square or Kitchen), which the workbench does not implement.');
  }
  const head = headDims(w, p);
  if (!head) throw new UserError(`This DiffusionMLP has no head under ${p}mlp_mean.* (layers.N or moduleList.N.linear_1).`);
  const out = head.dims[head.dims.length - 1];
  const { ta, da } = splitChunk(out, hints, notes);
  const { to, doo } = splitObs(head.dims[0] - out - td, hints, notes);
  return {
    kind: 'diffusion-mlp',
    obsDim: doo,
    actionDim: da,
    condSteps: to,
    horizonSteps: ta,
    actSteps: Math.min(hints.actSteps ?? ta, ta),
    ...diffusionSteps(w, hints, notes),
    timeDim: td,
    mlpDims: head.dims.slice(1, -1),
    activation: activationOf(hints, notes),
    residualStyle: head.residual,
    denoisedClipValue: hints.denoisedClipValue ?? 1,
  };
}

function inferUnet(w: NamedWeights, p: string, hints: ConfigHints, notes: string[]): DiffusionUnetConfig {
  const t1 = shapeOf(w, `${p}time_mlp.1.weight`) as number[];
  const dsed = t1[1];
  const levels = indices(w, `${p}down_modules.`, '.0.blocks.0.block.0.weight');
  if (levels.length === 0) throw new UserError(`This Unet1D has no down_modules.0 under ${p}.`);
  const outs = levels.map((l) => (shapeOf(w, `${p}down_modules.${l}.0.blocks.0.block.0.weight`) as number[])[0]);
  const first = shapeOf(w, `${p}down_modules.0.0.blocks.0.block.0.weight`) as number[];
  const [dim, da, k] = first;
  const enc0 = shapeOf(w, `${p}down_modules.0.0.cond_encoder.0.weight`);
  const enc4 = shapeOf(w, `${p}down_modules.0.0.cond_encoder.4.weight`);
  if (!enc0 || !enc4) throw new UserError('This Unet1D has no "larger" FiLM cond encoder (cond_encoder.0/.4), the only variant the workbench implements.');
  if ([...w.keys()].some((key) => key.startsWith(`${p}cond_mlp.`))) throw new UserError('This Unet1D has an observation encoder (cond_mlp), which the workbench does not implement.');
  const { to, doo } = splitObs(enc0[1] - dsed, hints, notes);
  let ta = hints.horizonSteps;
  if (!posInt(ta)) {
    ta = 2 ** (levels.length - 1) * 4;
    notes.push(`Horizon Ta = ${ta} assumed (the UNet's weights do not depend on it).`);
  }
  if (posInt(hints.actionDim) && hints.actionDim !== da) throw new UserError(`This Unet1D acts in ${da} dimensions, but the task's action has ${hints.actionDim}.`);
  const nGroups = hints.nGroups ?? 8;
  const eps = hints.groupNormEps ?? 1e-5;
  if (hints.nGroups === undefined || hints.groupNormEps === undefined) notes.push(`GroupNorm: n_groups ${nGroups}, ε ${eps} assumed (not stored in the weights).`);
  return {
    kind: 'diffusion-unet',
    obsDim: doo,
    actionDim: da,
    condSteps: to,
    horizonSteps: ta,
    actSteps: Math.min(hints.actSteps ?? ta, ta),
    ...diffusionSteps(w, hints, notes),
    denoisedClipValue: hints.denoisedClipValue ?? 1,
    diffusionStepEmbedDim: dsed,
    dim,
    dimMults: outs.map((o) => o / dim),
    kernelSize: k,
    nGroups,
    groupNormEps: eps,
    condPredictScale: enc4[0] === 2 * outs[0],
  };
}

function stdBounds(w: NamedWeights, p: string, notes: string[]): { stdMin: number; stdMax: number } {
  const lo = w.get(`${p}logvar_min`)?.data[0];
  const hi = w.get(`${p}logvar_max`)?.data[0];
  // Stored as float32 log-variances: round back to 6 significant digits (0.05, not 0.0499999983).
  const std = (lv: number) => Number(Math.sqrt(Math.exp(lv)).toPrecision(6));
  if (lo !== undefined && hi !== undefined) return { stdMin: std(lo), stdMax: std(hi) };
  notes.push('Std bounds [0.01, 0.2] assumed (no logvar_min/logvar_max in the weights).');
  return { stdMin: 0.01, stdMax: 0.2 };
}

function inferGaussianOrGmm(w: NamedWeights, p: string, hints: ConfigHints, notes: string[]): GaussianMlpConfig | GmmMlpConfig {
  const head = headDims(w, p);
  if (!head) throw new UserError('This Gaussian/GMM actor has no mlp_mean head.');
  const logvar = shapeOf(w, `${p}logvar`) as number[];
  const logits = headDims(w, p, 'mlp_weights');
  const out = head.dims[head.dims.length - 1];
  const numModes = logits ? logits.dims[logits.dims.length - 1] : 1;
  const lv = logvar.reduce((a, b) => a * b, 1);
  if (lv % numModes !== 0) throw new UserError(`logvar holds ${lv} values, not a multiple of the ${numModes} mixture modes.`);
  const { ta, da } = splitChunk(out / numModes, { ...hints, actionDim: hints.actionDim ?? lv / numModes }, notes);
  const { to, doo } = splitObs(head.dims[0], hints, notes);
  const common = {
    obsDim: doo,
    actionDim: da,
    condSteps: to,
    horizonSteps: ta,
    actSteps: Math.min(hints.actSteps ?? ta, ta),
    mlpDims: head.dims.slice(1, -1),
    activation: activationOf(hints, notes),
    residualStyle: head.residual,
    ...stdBounds(w, p, notes),
    stdInit: 0.1,
  };
  if (logits) return { kind: 'gmm-mlp', ...common, numModes };
  return { kind: 'gaussian-mlp', ...common };
}

/**
 * Infers the actor from DPPO-keyed weights (`network.*`, or `actor.*` in a fine-tuning file). UserError
 * when no known actor is found.
 */
export function inferActorConfig(w: NamedWeights, hints: ConfigHints = {}): InferredConfig {
  const notes: string[] = [];
  for (const p of ['network.', 'actor.']) {
    if (w.has(`${p}time_embedding.1.weight`)) return { config: inferDiffusionMlp(w, p, hints, notes), prefix: p, notes };
    if (w.has(`${p}time_mlp.1.weight`)) return { config: inferUnet(w, p, hints, notes), prefix: p, notes };
    if (w.has(`${p}logvar`)) return { config: inferGaussianOrGmm(w, p, hints, notes), prefix: p, notes };
  }
  const sample = [...w.keys()].slice(0, 5).join(', ');
  throw new UserError(
    `No DPPO actor found in these weights: expected network.time_embedding.* (DiffusionMLP), network.time_mlp.* (Unet1D) or network.logvar (Gaussian/GMM); the first keys are [${sample}].`,
  );
}

/** Hints from a task's default actor (what the caller's task registry says); shapes still win. */
export function hintsFromActorConfig(c: ActorConfig): ConfigHints {
  const h: ConfigHints = { obsDim: c.obsDim, actionDim: c.actionDim, horizonSteps: c.horizonSteps, actSteps: c.actSteps, condSteps: c.condSteps };
  if ('activation' in c) h.activation = c.activation;
  if ('denoisingSteps' in c) h.denoisingSteps = c.denoisingSteps;
  if ('denoisedClipValue' in c) h.denoisedClipValue = c.denoisedClipValue;
  return h;
}
