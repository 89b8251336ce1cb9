/**
 * ONNX export of the diffusion ε-network f(x_t, t, cond) — DiffusionMLP (spec/dppo-reference.md §3.2) and
 * Unet1D (§3.3, see unetGraph) — written straight
 * in the protobuf wire format (onnx/onnx.proto3 field numbers; protobuf.ts). The sampling loop stays
 * outside: a runtime calls this graph once per denoising step.
 *
 * Graph (opset 17, IR 8): inputs `x` float [N, Ta, Da], `t` float [N] (the integer step as a float, as
 * DPPO's SinusoidalPosEmb casts it), `cond` float [N, To, Do] (normalised observation); output `eps`
 * [N, Ta, Da].
 *   emb = concat(sin(t·freq), cos(t·freq)); temb = Gemm(Mish(Gemm(emb, time_embedding.1)), time_embedding.3)
 *   h   = concat(flatten(x), temb, flatten(cond)) → ResidualMLP / MLP head → reshape.
 * Mish is decomposed as x·tanh(softplus(x)) (no native Mish before opset 18). Initializers carry DPPO's
 * state-dict keys in PyTorch layout (`network.mlp_mean.layers.0.weight` [out, in]; Gemm transB = 1), so the
 * file maps back to a checkpoint by name; `metadata_props` hold the actor config, normalisation,
 * ft_denoising_steps and provenance like the safetensors metadata.
 */
import type { Activation, DiffusionMlpConfig, DiffusionUnetConfig } from '../../config/model';
import { UserError } from '../../core/errors';
import type { Checkpoint } from '../../policy/checkpoint';
import type { NamedWeights } from '../../policy/nn';
import { PbWriter, pbFields, pbInts, pbString, type PbField } from './protobuf';

const FLOAT = 1;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: { name: string; int?: number; float?: number; ints?: number[] }[];
}

function tensorProto(name: string, dims: number[], data: Float32Array | BigInt64Array): PbWriter {
  const t = new PbWriter();
  t.packedInts(1, dims);
  t.int(2, data instanceof Float32Array ? FLOAT : INT64);
  t.string(8, name);
  const raw = new Uint8Array(data.byteLength);
  const dv = new DataView(raw.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => dv.setFloat32(4 * i, v, true));
  else data.forEach((v, i) => dv.setBigInt64(8 * i, v, true));
  t.bytes(9, raw);
  return t;
}

function valueInfo(name: string, dims: (number | string)[]): PbWriter {
  const shape = new PbWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new PbWriter().int(1, d) : new PbWriter().string(2, d));
  const tensorType = new PbWriter().int(1, FLOAT).message(2, shape);
  return new PbWriter().string(1, name).message(2, new PbWriter().message(1, tensorType));
}

function nodeProto(n: Node, i: number): PbWriter {
  const w = new PbWriter();
  for (const x of n.inputs) w.string(1, x);
  for (const y of n.outputs) w.string(2, y);
  w.string(3, `${n.op}_${i}`);
  w.string(4, n.op);
  for (const a of n.attrs ?? []) {
    const at = new PbWriter().string(1, a.name);
    if (a.float !== undefined) at.float(2, a.float).int(20, ATTR_FLOAT);
    else if (a.ints !== undefined) at.packedInts(8, a.ints).int(20, ATTR_INTS);
    else at.int(3, a.int ?? 0).int(20, ATTR_INT);
    w.message(5, at);
  }
  return w;
}

/** The weights of the network to export: `actor_ft.*` for a fine-tuned checkpoint, else `network.*`. */
export function denoiserWeights(c: Checkpoint): { weights: NamedWeights; source: string } {
  const has = (p: string) => [...c.weights.keys()].some((k) => k.startsWith(p));
  const source = has('actor_ft.') ? 'actor_ft.' : has('network.') ? 'network.' : has('actor.') ? 'actor.' : null;
  if (!source) throw new UserError('This checkpoint holds no ε-network (no network.*, actor.* or actor_ft.* weights).');
  const weights: NamedWeights = new Map();
  for (const [k, v] of c.weights) if (k.startsWith(source)) weights.set(`network.${k.slice(source.length)}`, v);
  return { weights, source: source.slice(0, -1) };
}

class GraphBuilder {
  nodes: Node[] = [];
  inits: PbWriter[] = [];
  private n = 0;

  constructor(private readonly w: NamedWeights) {}

  tmp(prefix: string): string {
    this.n += 1;
    return `${prefix}_${this.n}`;
  }

  op(op: string, inputs: string[], attrs?: Node['attrs']): string {
    const out = this.tmp(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [out], attrs });
    return out;
  }

  weight(key: string): string {
    const v = this.w.get(key);
    if (!v) throw new UserError(`Checkpoint is missing weight "${key}".`);
    this.inits.push(tensorProto(key, v.shape, v.data));
    return key;
  }

  constF(name: string, dims: number[], data: Float32Array): string {
    this.inits.push(tensorProto(name, dims, data));
    return name;
  }

  constI(name: string, data: number[]): string {
    this.inits.push(tensorProto(name, [data.length], BigInt64Array.from(data.map((d) => BigInt(d)))));
    return name;
  }

  linear(x: string, key: string): string {
    return this.op('Gemm', [x, this.weight(`${key}.weight`), this.weight(`${key}.bias`)], [{ name: 'transB', int: 1 }]);
  }

  act(x: string, a: Activation): string {
    switch (a) {
      case 'relu':
        return this.op('Relu', [x]);
      case 'mish':
        return this.op('Mul', [x, this.op('Tanh', [this.op('Softplus', [x])])]);
      case 'tanh':
        return this.op('Tanh', [x]);
      case 'elu':
        return this.op('Elu', [x], [{ name: 'alpha', float: 1 }]);
      case 'silu':
        return this.op('Mul', [x, this.op('Sigmoid', [x])]);
      case 'gelu': {
        const half = this.constF(this.tmp('const_half'), [], Float32Array.of(0.5));
        const one = this.constF(this.tmp('const_one'), [], Float32Array.of(1));
        const rs2 = this.constF(this.tmp('const_rsqrt2'), [], Float32Array.of(Math.SQRT1_2));
        const erf = this.op('Erf', [this.op('Mul', [x, rs2])]);
        return this.op('Mul', [this.op('Mul', [x, half]), this.op('Add', [erf, one])]);
      }
      case 'identity':
        return x;
    }
  }
}

/** Sinusoidal embedding of `t` [N] → [N, dim] (spec §3.1): freq_j = exp(−j·ln(10000)/(half−1)), [sin | cos]. */
function timeEmbedding(g: GraphBuilder, dim: number): string {
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let j = 0; j < half; j++) freqs[j] = Math.exp((-j * Math.log(10000)) / (half - 1));
  const t2 = g.op('Unsqueeze', ['t', g.constI('const.axes1', [1])]);
  const arg = g.op('Mul', [t2, g.constF('const.freqs', [1, half], freqs)]);
  return g.op('Concat', [g.op('Sin', [arg]), g.op('Cos', [arg])], [{ name: 'axis', int: 1 }]);
}

function mlpGraph(g: GraphBuilder, cfg: DiffusionMlpConfig): void {
  const td = cfg.timeDim;
  const actFlat = cfg.horizonSteps * cfg.actionDim;
  const obsFlat = cfg.condSteps * cfg.obsDim;
  const emb = timeEmbedding(g, td);
  const temb = g.linear(g.act(g.linear(emb, 'network.time_embedding.1'), 'mish'), 'network.time_embedding.3');
  const xf = g.op('Reshape', ['x', g.constI('const.shape_x', [-1, actFlat])]);
  const cf = g.op('Reshape', ['cond', g.constI('const.shape_cond', [-1, obsFlat])]);
  let h = g.op('Concat', [xf, temb, cf], [{ name: 'axis', int: 1 }]);
  const dims = [actFlat + td + obsFlat, ...cfg.mlpDims, actFlat];
  if (cfg.residualStyle) {
    // ResidualMLP (spec §3.1): layers.0 → blocks y = x + l2(act(l1(act(x)))) → layers.last.
    const nBlocks = (dims.length - 3) / 2;
    h = g.linear(h, 'network.mlp_mean.layers.0');
    for (let b = 1; b <= nBlocks; b++) {
      const u = g.linear(g.act(h, cfg.activation), `network.mlp_mean.layers.${b}.l1`);
      const v = g.linear(g.act(u, cfg.activation), `network.mlp_mean.layers.${b}.l2`);
      h = g.op('Add', [h, v]);
    }
    h = g.linear(h, `network.mlp_mean.layers.${nBlocks + 1}`);
  } else {
    const n = dims.length - 1;
    for (let i = 0; i < n; i++) {
      h = g.linear(h, `network.mlp_mean.moduleList.${i}.linear_1`);
      if (i < n - 1) h = g.act(h, cfg.activation);
    }
  }
  g.nodes.push({ op: 'Reshape', inputs: [h, g.constI('const.shape_out', [-1, cfg.horizonSteps, cfg.actionDim])], outputs: ['eps'] });

}

/**
 * Unet1D (spec §3.3) in channels-first layout [N, C, L]: x is transposed to [N, Da, Ta]; Conv1d/ConvTranspose1d
 * weights are PyTorch's [O, I, k] / [I, O, k], which is ONNX's layout too; GroupNorm = Reshape [N, G, −1] →
 * InstanceNormalization (statistics per (row, group), biased variance) → Reshape back → ·weight + bias;
 * FiLM from the global condition [time_mlp(t), flatten(cond)] through the "larger" cond encoder.
 */
function unetGraph(g: GraphBuilder, cfg: DiffusionUnetConfig): void {
  const { actionDim: Da, dim, dimMults, kernelSize: k, nGroups, groupNormEps: eps } = cfg;
  const dsed = cfg.diffusionStepEmbedDim;
  const obsFlat = cfg.condSteps * cfg.obsDim;
  const temb = g.linear(g.act(g.linear(timeEmbedding(g, dsed), 'network.time_mlp.1'), 'mish'), 'network.time_mlp.3');
  const cf = g.op('Reshape', ['cond', g.constI('const.shape_cond', [-1, obsFlat])]);
  const glob = g.op('Concat', [temb, cf], [{ name: 'axis', int: 1 }]);
  const ones = g.constF('const.gn_ones', [nGroups], new Float32Array(nGroups).fill(1));
  const zeros = g.constF('const.gn_zeros', [nGroups], new Float32Array(nGroups));
  const groupShape = g.constI('const.gn_shape', [0, nGroups, -1]);
  const axis1 = g.constI('const.axis_c', [1]);
  const axis2 = g.constI('const.axis_l', [2]);
  const conv = (x: string, key: string, stride = 1, pad = 0) =>
    g.op('Conv', [x, g.weight(`${key}.weight`), g.weight(`${key}.bias`)], [
      { name: 'strides', ints: [stride] },
      { name: 'pads', ints: [pad, pad] },
    ]);
  const convBlock = (x: string, key: string) => {
    const h = conv(x, `${key}.block.0`, 1, Math.floor(k / 2));
    const n = g.op('InstanceNormalization', [g.op('Reshape', [h, groupShape]), ones, zeros], [{ name: 'epsilon', float: eps }]);
    const back = g.op('Reshape', [n, g.op('Shape', [h])]);
    const w = g.op('Unsqueeze', [g.weight(`${key}.block.2.weight`), axis1]);
    const b = g.op('Unsqueeze', [g.weight(`${key}.block.2.bias`), axis1]);
    return g.act(g.op('Add', [g.op('Mul', [back, w]), b]), 'mish');
  };
  const slice = (x: string, from: number, to: number) => g.op('Slice', [x, g.constI(g.tmp('const.from'), [from]), g.constI(g.tmp('const.to'), [to]), axis1]);
  const resBlock = (x: string, key: string, cin: number, cout: number) => {
    let h = convBlock(x, `${key}.blocks.0`);
    const film = g.linear(g.act(g.linear(g.act(g.linear(glob, `${key}.cond_encoder.0`), 'mish'), `${key}.cond_encoder.2`), 'mish'), `${key}.cond_encoder.4`);
    if (cfg.condPredictScale) {
      const scale = g.op('Unsqueeze', [slice(film, 0, cout), axis2]);
      const bias = g.op('Unsqueeze', [slice(film, cout, 2 * cout), axis2]);
      h = g.op('Add', [g.op('Mul', [h, scale]), bias]);
    } else {
      h = g.op('Add', [h, g.op('Unsqueeze', [film, axis2])]);
    }
    h = convBlock(h, `${key}.blocks.1`);
    const residual = cin !== cout ? conv(x, `${key}.residual_conv`) : x;
    return g.op('Add', [h, residual]);
  };
  const dims = [Da, ...dimMults.map((m) => dim * m)];
  const inOut = dims.slice(0, -1).map((d, i) => [d, dims[i + 1]] as const);
  let h = g.op('Transpose', ['x'], [{ name: 'perm', ints: [0, 2, 1] }]);
  const skips: string[] = [];
  inOut.forEach(([i, o], level) => {
    const p = `network.down_modules.${level}`;
    h = resBlock(h, `${p}.0`, i, o);
    h = resBlock(h, `${p}.1`, o, o);
    skips.push(h);
    if (level < inOut.length - 1) h = conv(h, `${p}.2.conv`, 2, 1);
  });
  const mid = dims[dims.length - 1];
  h = resBlock(h, 'network.mid_modules.0', mid, mid);
  h = resBlock(h, 'network.mid_modules.1', mid, mid);
  [...inOut.slice(1)].reverse().forEach(([i, o], level) => {
    const p = `network.up_modules.${level}`;
    h = g.op('Concat', [h, skips.pop() as string], [{ name: 'axis', int: 1 }]);
    h = resBlock(h, `${p}.0`, 2 * o, i);
    h = resBlock(h, `${p}.1`, i, i);
    h = g.op('ConvTranspose', [h, g.weight(`${p}.2.conv.weight`), g.weight(`${p}.2.conv.bias`)], [
      { name: 'strides', ints: [2] },
      { name: 'pads', ints: [1, 1] },
    ]);
  });
  h = conv(convBlock(h, 'network.final_conv.0'), 'network.final_conv.1');
  g.nodes.push({ op: 'Transpose', inputs: [h], outputs: ['eps'], attrs: [{ name: 'perm', ints: [0, 2, 1] }] });
}
/** ONNX bytes of the ε-network held by `c` (DiffusionMLP or Unet1D). */
export function exportOnnx(c: Checkpoint): Uint8Array {
  const cfg = c.actorConfig;
  if (cfg.kind !== 'diffusion-mlp' && cfg.kind !== 'diffusion-unet') {
    throw new UserError(`ONNX export covers the diffusion ε-networks (DiffusionMLP, Unet1D); this checkpoint is a ${cfg.kind}. Export it as safetensors or TF.js instead.`);
  }
  const { weights, source } = denoiserWeights(c);
  const g = new GraphBuilder(weights);
  if (cfg.kind === 'diffusion-mlp') mlpGraph(g, cfg);
  else unetGraph(g, cfg);
  const graph = new PbWriter();
  g.nodes.forEach((n, i) => graph.message(1, nodeProto(n, i)));
  graph.string(2, cfg.kind === 'diffusion-mlp' ? 'dppo_diffusion_mlp_eps' : 'dppo_unet1d_eps');
  for (const t of g.inits) graph.message(5, t);
  graph.message(11, valueInfo('x', ['N', cfg.horizonSteps, cfg.actionDim]));
  graph.message(11, valueInfo('t', ['N']));
  graph.message(11, valueInfo('cond', ['N', cfg.condSteps, cfg.obsDim]));
  graph.message(12, valueInfo('eps', ['N', cfg.horizonSteps, cfg.actionDim]));

  const model = new PbWriter();
  model.int(1, IR_VERSION);
  model.string(2, 'dppo-workbench');
  model.string(3, '1');
  model.message(7, graph);
  model.message(8, new PbWriter().string(1, '').int(2, ONNX_OPSET));
  const meta: Record<string, string> = {
    format: 'dppo-workbench-onnx/1',
    network: source,
    actor_config: JSON.stringify(cfg),
    normalization: JSON.stringify({
      obs_min: Array.from(c.normalization.obsMin),
      obs_max: Array.from(c.normalization.obsMax),
      action_min: Array.from(c.normalization.actionMin),
      action_max: Array.from(c.normalization.actionMax),
    }),
    provenance: JSON.stringify(c.provenance ?? {}),
  };
  const ft = c.provenance?.ftDenoisingSteps;
  if (ft !== undefined) meta.ft_denoising_steps = String(ft);
  for (const [k, v] of Object.entries(meta)) model.message(14, new PbWriter().string(1, k).string(2, v));
  return model.finish();
}

/** True when the bytes parse as an ONNX ModelProto with a graph (cheap check on the first field). */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  // ModelProto starts with ir_version (field 1, varint: 0x08); exporters write it first.
  if (bytes.length < 16 || bytes[0] !== 0x08) return false;
  try {
    return pbFields(bytes).some((f) => f.field === 7 && f.wire === 2);
  } catch {
    return false;
  }
}

/** The initializers (float tensors by name) and metadata_props of an ONNX model. */
export function readOnnx(bytes: Uint8Array): { tensors: NamedWeights; metadata: Record<string, string>; opset: number } {
  const model = pbFields(bytes);
  const graphField = model.find((f) => f.field === 7 && f.wire === 2);
  if (!graphField?.bytes) throw new UserError('This ONNX file has no graph.');
  const metadata: Record<string, string> = {};
  for (const f of model.filter((x) => x.field === 14 && x.bytes)) {
    const kv = pbFields(f.bytes as Uint8Array);
    metadata[pbString(kv.find((x) => x.field === 1))] = pbString(kv.find((x) => x.field === 2));
  }
  let opset = 0;
  for (const f of model.filter((x) => x.field === 8 && x.bytes)) {
    const o = pbFields(f.bytes as Uint8Array);
    const v = o.find((x) => x.field === 2)?.int;
    if (v !== undefined && pbString(o.find((x) => x.field === 1)) === '') opset = Number(v);
  }
  const tensors: NamedWeights = new Map();
  for (const f of pbFields(graphField.bytes).filter((x) => x.field === 5 && x.bytes)) {
    const t: PbField[] = pbFields(f.bytes as Uint8Array);
    const name = pbString(t.find((x) => x.field === 8));
    const dims = pbInts(t, 1).map(Number);
    const type = Number(t.find((x) => x.field === 2)?.int ?? 0n);
    if (type !== FLOAT) continue;
    const n = dims.reduce((a, b) => a * b, 1);
    const raw = t.find((x) => x.field === 9)?.bytes;
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0) || n > bytes.length) throw new UserError(`ONNX initializer "${name}" has shape [${dims.join(', ')}], larger than the file.`);
    const data = new Float32Array(n);
    if (raw) {
      if (raw.length !== 4 * n) throw new UserError(`ONNX initializer "${name}" holds ${raw.length} bytes for shape [${dims.join(', ')}].`);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(4 * i, true);
    } else {
      // float_data (field 4): packed fixed32.
      const packed = t.find((x) => x.field === 4)?.bytes;
      if (!packed || packed.length !== 4 * n) throw new UserError(`ONNX initializer "${name}" has no data for shape [${dims.join(', ')}].`);
      const dv = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(4 * i, true);
    }
    tensors.set(name, { shape: dims, data });
  }
  return { tensors, metadata, opset };
}
