/**
 * TF.js layers format (`model.json` + `weights.bin`; tfjs `io` ModelArtifacts, spec: tensorflow/tfjs
 * `tfjs-core/src/io/types.ts`) of the DiffusionMLP ε-network f(x_t, t, cond) (spec/dppo-reference.md §3.2).
 *
 * Built from built-in Keras layers plus one custom layer, `SinusoidalPosEmb` (no weights; spec §3.1), which
 * a loader must register (`registerSinusoidalPosEmb()`; tf.serialization.registerClass) before
 * tf.loadLayersModel. Inputs `x` [N, Ta, Da], `t` [N, 1] (step as float), `cond` [N, To, Do]; output
 * [N, Ta, Da]. Layer names are DPPO's module keys (`network.mlp_mean.layers.0`), so each Dense weight is
 * `<key>/kernel` ([in, out], the TF layout: the transpose of PyTorch's [out, in]) and `<key>/bias`. The
 * actor config, normalisation, ft_denoising_steps and provenance travel in `userDefinedMetadata`.
 *
 * Import reads model.json + the weight files directly (no tfjs needed), refuses duplicate weight names
 * (tfjs would silently keep the last) and maps back to DPPO keys in PyTorch layout.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation, DiffusionMlpConfig } from '../../config/model';
import { UserError } from '../../core/errors';
import type { Checkpoint } from '../../policy/checkpoint';
import type { NamedWeights } from '../../policy/nn';
import { denoiserWeights } from './onnx';

class SinusoidalPosEmb extends tf.layers.Layer {
  static className = 'SinusoidalPosEmb';
  readonly dim: number;

  constructor(args: { dim: number; name?: string }) {
    super(args);
    this.dim = args.dim;
  }

  override computeOutputShape(inputShape: tf.Shape): tf.Shape {
    return [inputShape[0], this.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const t = Array.isArray(inputs) ? inputs[0] : inputs;
      const half = this.dim / 2;
      const freqs = new Float32Array(half);
      for (let j = 0; j < half; j++) freqs[j] = Math.exp((-j * Math.log(10000)) / (half - 1));
      const arg = tf.mul(tf.reshape(t, [-1, 1]), tf.tensor2d(freqs, [1, half]));
      return tf.concat([tf.sin(arg), tf.cos(arg)], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim };
  }
}

let registered = false;
/** Registers the custom layer with tfjs (idempotent); needed before tf.loadLayersModel of our export. */
export function registerSinusoidalPosEmb(): void {
  if (registered) return;
  tf.serialization.registerClass(SinusoidalPosEmb);
  registered = true;
}

const TFJS_ACT: Record<Activation, string> = { relu: 'relu', mish: 'mish', tanh: 'tanh', elu: 'elu', gelu: 'gelu', silu: 'swish', identity: 'linear' };

function transpose(w: { shape: number[]; data: Float32Array }): tf.Tensor2D {
  const [o, i] = w.shape;
  const k = new Float32Array(i * o);
  for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) k[c * o + r] = w.data[r * i + c];
  return tf.tensor2d(k, [i, o]);
}

/** The ε-network as a tf.LayersModel holding the checkpoint's weights. Caller disposes it. */
export function buildLayersModel(c: Checkpoint): tf.LayersModel {
  if (c.actorConfig.kind !== 'diffusion-mlp') {
    throw new UserError(`TF.js export covers the DiffusionMLP ε-network; this checkpoint is a ${c.actorConfig.kind}. Export it as safetensors instead.`);
  }
  registerSinusoidalPosEmb();
  const cfg: DiffusionMlpConfig = c.actorConfig;
  const { weights } = denoiserWeights(c);
  const td = cfg.timeDim;
  const actFlat = cfg.horizonSteps * cfg.actionDim;
  const act = TFJS_ACT[cfg.activation];
  const dense: { layer: tf.layers.Layer; key: string }[] = [];
  const mk = (key: string, units: number, activation = 'linear') => {
    const layer = tf.layers.dense({ units, activation: activation as 'linear', name: key });
    dense.push({ layer, key });
    return layer;
  };
  const x = tf.input({ shape: [cfg.horizonSteps, cfg.actionDim], name: 'x' });
  const t = tf.input({ shape: [1], name: 't' });
  const cond = tf.input({ shape: [cfg.condSteps, cfg.obsDim], name: 'cond' });
  const emb = new SinusoidalPosEmb({ dim: td, name: 'network.time_embedding.0' }).apply(t) as tf.SymbolicTensor;
  let temb = mk('network.time_embedding.1', 2 * td, 'mish').apply(emb) as tf.SymbolicTensor;
  temb = mk('network.time_embedding.3', td).apply(temb) as tf.SymbolicTensor;
  const xf = tf.layers.flatten({ name: 'flatten_x' }).apply(x) as tf.SymbolicTensor;
  const cf = tf.layers.flatten({ name: 'flatten_cond' }).apply(cond) as tf.SymbolicTensor;
  let h = tf.layers.concatenate({ axis: 1, name: 'concat_input' }).apply([xf, temb, cf]) as tf.SymbolicTensor;
  const dims = [actFlat + td + cfg.condSteps * cfg.obsDim, ...cfg.mlpDims, actFlat];
  if (cfg.residualStyle) {
    const nBlocks = (dims.length - 3) / 2;
    h = mk('network.mlp_mean.layers.0', dims[1]).apply(h) as tf.SymbolicTensor;
    for (let b = 1; b <= nBlocks; b++) {
      const a = tf.layers.activation({ activation: act as 'relu', name: `act_${b}` }).apply(h) as tf.SymbolicTensor;
      const u = mk(`network.mlp_mean.layers.${b}.l1`, dims[1], act).apply(a) as tf.SymbolicTensor;
      const v = mk(`network.mlp_mean.layers.${b}.l2`, dims[1]).apply(u) as tf.SymbolicTensor;
      h = tf.layers.add({ name: `residual_${b}` }).apply([h, v]) as tf.SymbolicTensor;
    }
    h = mk(`network.mlp_mean.layers.${nBlocks + 1}`, actFlat).apply(h) as tf.SymbolicTensor;
  } else {
    const n = dims.length - 1;
    for (let i = 0; i < n; i++) h = mk(`network.mlp_mean.moduleList.${i}.linear_1`, dims[i + 1], i < n - 1 ? act : 'linear').apply(h) as tf.SymbolicTensor;
  }
  const out = tf.layers.reshape({ targetShape: [cfg.horizonSteps, cfg.actionDim], name: 'eps' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [x, t, cond], outputs: out, name: 'dppo_diffusion_mlp_eps' });
  try {
    for (const { layer, key } of dense) {
      const w = weights.get(`${key}.weight`);
      const b = weights.get(`${key}.bias`);
      if (!w || !b) throw new UserError(`Checkpoint is missing weight "${key}.${w ? 'bias' : 'weight'}".`);
      const kernel = transpose(w);
      const bias = tf.tensor1d(b.data);
      layer.setWeights([kernel, bias]);
      kernel.dispose();
      bias.dispose();
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

export interface TfjsFiles {
  modelJson: Uint8Array;
  weightsBin: Uint8Array;
}

/** Weights file name written into model.json's manifest. */
export const TFJS_WEIGHTS_NAME = 'weights.bin';

/** model.json + weights.bin of the ε-network (see the file comment). */
export async function exportTfjs(c: Checkpoint): Promise<TfjsFiles> {
  const model = buildLayersModel(c);
  let artifacts: tf.io.ModelArtifacts | null = null;
  try {
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    model.dispose();
  }
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const data = a.weightData as ArrayBuffer | ArrayBuffer[];
  const bin = new Uint8Array(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data);
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [TFJS_WEIGHTS_NAME], weights: a.weightSpecs }],
    userDefinedMetadata: {
      format: 'dppo-workbench-tfjs/1',
      network: denoiserWeights(c).source,
      actor_config: c.actorConfig,
      normalization: {
        obs_min: Array.from(c.normalization.obsMin),
        obs_max: Array.from(c.normalization.obsMax),
        action_min: Array.from(c.normalization.actionMin),
        action_max: Array.from(c.normalization.actionMax),
      },
      ft_denoising_steps: c.provenance?.ftDenoisingSteps,
      provenance: c.provenance ?? {},
    },
  };
  return { modelJson: new TextEncoder().encode(JSON.stringify(json)), weightsBin: bin };
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

export interface TfjsModelJson {
  format?: string;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Parses model.json; UserError when it is not a TF.js layers model. */
export function parseModelJson(bytes: Uint8Array): TfjsModelJson {
  let j: unknown;
  try {
    j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new UserError('This model.json is not valid JSON.');
  }
  const m = j as TfjsModelJson;
  if (typeof j !== 'object' || j === null || !Array.isArray(m.weightsManifest) || m.modelTopology === undefined) {
    throw new UserError('This JSON file is not a TF.js model.json (no modelTopology / weightsManifest).');
  }
  if (m.format !== undefined && m.format !== 'layers-model') {
    throw new UserError(`This TF.js model is a "${m.format}"; only the layers format (format "layers-model") is read.`);
  }
  return m;
}

/** The weight files model.json names, in manifest order. */
export function weightPaths(m: TfjsModelJson): string[] {
  return (m.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
}

/**
 * model.json + its weight files (by base name) → DPPO-keyed weights in PyTorch layout: `<key>/kernel`
 * [in, out] → `<key>.weight` [out, in], `<key>/bias` → `<key>.bias`; other names kept as they are.
 */
export function readTfjs(m: TfjsModelJson, files: Map<string, Uint8Array>): NamedWeights {
  const out: NamedWeights = new Map();
  const seen = new Set<string>();
  for (const group of m.weightsManifest ?? []) {
    const parts: Uint8Array[] = [];
    for (const p of group.paths ?? []) {
      const base = p.split('/').pop() as string;
      const b = files.get(base);
      if (!b) throw new UserError(`model.json names the weight file "${base}", which was not given; drop it together with model.json.`);
      parts.push(b);
    }
    const total = parts.reduce((n, b) => n + b.length, 0);
    const buf = new Uint8Array(total);
    let pos = 0;
    for (const b of parts) {
      buf.set(b, pos);
      pos += b.length;
    }
    const dv = new DataView(buf.buffer);
    let off = 0;
    for (const spec of group.weights ?? []) {
      if (spec.dtype !== undefined && spec.dtype !== 'float32') throw new UserError(`TF.js weight "${spec.name}" is ${spec.dtype}; only float32 weights are read.`);
      if (seen.has(spec.name)) throw new UserError(`TF.js weight name "${spec.name}" appears twice in model.json; tfjs would silently keep the last one, so the file is refused.`);
      seen.add(spec.name);
      const n = spec.shape.reduce((a, b) => a * b, 1);
      if (off + 4 * n > total) throw new UserError(`TF.js weight "${spec.name}" [${spec.shape.join(', ')}] runs past the end of the weight files (${total} bytes); the .bin is truncated or belongs to another model.`);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(off + 4 * i, true);
      off += 4 * n;
      const slash = spec.name.lastIndexOf('/');
      const layer = spec.name.slice(0, slash);
      const leaf = spec.name.slice(slash + 1);
      if (slash > 0 && leaf === 'kernel' && spec.shape.length === 2) {
        const [i, o] = spec.shape;
        const w = new Float32Array(n);
        for (let r = 0; r < i; r++) for (let c = 0; c < o; c++) w[c * i + r] = data[r * o + c];
        out.set(`${layer}.weight`, { shape: [o, i], data: w });
      } else if (slash > 0 && leaf === 'bias') out.set(`${layer}.bias`, { shape: spec.shape, data });
      else out.set(spec.name, { shape: spec.shape, data });
    }
    if (off !== total) throw new UserError(`The weight files hold ${total} bytes but model.json describes ${off}; the .bin belongs to another model.`);
  }
  return out;
}
