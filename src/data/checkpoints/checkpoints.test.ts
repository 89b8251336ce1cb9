/**
 * Export → import round trips reproduce the ε-network's outputs (safetensors, ONNX through onnxruntime-web,
 * TF.js through tf.loadLayersModel and through our reader), config inference from shapes, and the
 * restricted .pt reader: a torch.save-layout zip loads exactly; any other pickle global is refused.
 */
import { strToU8, zipSync } from 'fflate';
import * as ort from 'onnxruntime-web';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActorConfig, DiffusionMlpConfig, DiffusionUnetConfig } from '../../config/model';
import { UserError } from '../../core/errors';
import { Rng } from '../../core/rng';
import type { Checkpoint } from '../../policy/checkpoint';
import { DiffusionMlpPolicy, type DiffusionPolicy } from '../../policy/diffusion';
import type { Unet1DNet } from '../../policy/unet1d';
import { buildPolicy, policyFromCheckpoint } from '../../policy/index';
import type { DiffusionMlpNet } from '../../policy/mlpDenoiser';
import { initTf, tf } from '../../policy/tfSetup';
import { exportCheckpoint, importCheckpointBytes, importCheckpointFiles, inspectCheckpointBytes, sniffCheckpointFormat } from './index';
import { inferActorConfig } from './infer';
import { registerSinusoidalPosEmb } from './tfjsLayers';

beforeAll(async () => {
  await initTf('wasm');
  const require = createRequire(import.meta.url);
  ort.env.wasm.wasmPaths = join(dirname(require.resolve('onnxruntime-web')), '/');
  ort.env.wasm.numThreads = 1;
});

const AVOID: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 4, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4,
  denoisingSteps: 20, timeDim: 16, mlpDims: [64, 64, 64], activation: 'relu', residualStyle: true, denoisedClipValue: 1,
};
const NORM = {
  obsMin: Float32Array.of(0, 0, -1, -2),
  obsMax: Float32Array.of(1, 1, 1, 2),
  actionMin: Float32Array.of(-0.02, -0.01),
  actionMax: Float32Array.of(0.02, 0.03),
};
const N = 6;

/** Fixed probe inputs: x [N, Ta·Da], t [N] (steps spread over 0..K−1), obs [N, Do]. */
function probe(cfg: DiffusionMlpConfig): { x: Float32Array; t: number[]; obs: Float32Array } {
  const r = new Rng(7);
  const x = Float32Array.from({ length: N * cfg.horizonSteps * cfg.actionDim }, () => r.normal());
  const obs = Float32Array.from({ length: N * cfg.obsDim * cfg.condSteps }, () => 2 * r.uniform() - 1);
  const t = Array.from({ length: N }, (_, i) => Math.round((i * (cfg.denoisingSteps - 1)) / (N - 1)));
  return { x, t, obs };
}

/** ε of the policy's base network (or actor_ft) on the probe, through our own TF.js code. */
function eps(net: DiffusionMlpNet, cfg: DiffusionMlpConfig): Float32Array {
  const { x, t, obs } = probe(cfg);
  return tf.tidy(() => {
    const out = net.forward(tf.tensor2d(x, [N, cfg.horizonSteps * cfg.actionDim]), net.timeFeatures(t), tf.tensor2d(obs, [N, cfg.obsDim * cfg.condSteps]));
    return out.dataSync() as Float32Array;
  }).slice();
}

function makeCheckpoint(cfg: DiffusionMlpConfig, seed: number, finetuned = false): { ckpt: Checkpoint; policy: DiffusionMlpPolicy } {
  const policy = new DiffusionMlpPolicy(cfg, new Rng(seed));
  if (finetuned) {
    policy.prepareFinetune(5);
    // Move actor_ft away from the base so the export must pick the right one.
    for (const v of policy.actorFt!.variables()) v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', 3)));
  }
  const ckpt: Checkpoint = { actorConfig: cfg, normalization: NORM, weights: policy.namedWeights(), provenance: { task: 'probe', ...(finetuned ? { ftDenoisingSteps: 5 } : {}) } };
  return { ckpt, policy };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** ε of a re-imported checkpoint through policyFromCheckpoint (the path evaluation uses). */
function epsOfImported(c: Checkpoint): Float32Array {
  const { policy } = policyFromCheckpoint(c);
  try {
    const p = policy as DiffusionMlpPolicy;
    return eps((p.actorFt ?? p.base) as DiffusionMlpNet, c.actorConfig as DiffusionMlpConfig);
  } finally {
    policy.dispose();
  }
}

async function onnxEps(bytes: Uint8Array, cfg: DiffusionMlpConfig): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const { x, t, obs } = probe(cfg);
  const out = await session.run({
    x: new ort.Tensor('float32', x, [N, cfg.horizonSteps, cfg.actionDim]),
    t: new ort.Tensor('float32', Float32Array.from(t), [N]),
    cond: new ort.Tensor('float32', obs, [N, cfg.condSteps, cfg.obsDim]),
  });
  expect(out.eps.dims).toEqual([N, cfg.horizonSteps, cfg.actionDim]);
  const data = out.eps.data as Float32Array;
  await session.release();
  return data;
}

describe.each([
  ['ReLU residual', AVOID],
  ['Mish residual', { ...AVOID, activation: 'mish' } as DiffusionMlpConfig],
  ['ReLU plain MLP', { ...AVOID, residualStyle: false, mlpDims: [32, 48] } as DiffusionMlpConfig],
])('round trips of a DiffusionMLP (%s) reproduce ε to 1e-5', (_name, cfg) => {
  let ckpt: Checkpoint;
  let ref: Float32Array;
  beforeAll(() => {
    const m = makeCheckpoint(cfg, 11);
    ckpt = m.ckpt;
    ref = eps(m.policy.base, cfg);
    m.policy.dispose();
  });

  it('safetensors', async () => {
    const [file] = await exportCheckpoint(ckpt, 'safetensors');
    expect(sniffCheckpointFormat(file.bytes)).toBe('safetensors');
    const back = importCheckpointBytes(file.bytes, file.name);
    expect(back.checkpoint.actorConfig).toEqual(cfg);
    expect(back.checkpoint.normalization.actionMax).toEqual(NORM.actionMax);
    expect(maxAbsDiff(epsOfImported(back.checkpoint), ref)).toBeLessThanOrEqual(1e-5);
  });

  it('ONNX: onnxruntime-web runs the exported graph; importing it gives the same network', async () => {
    const [file] = await exportCheckpoint(ckpt, 'onnx');
    expect(sniffCheckpointFormat(file.bytes)).toBe('onnx');
    expect(maxAbsDiff(await onnxEps(file.bytes, cfg), ref)).toBeLessThanOrEqual(1e-5);
    const back = importCheckpointBytes(file.bytes, file.name);
    expect(back.format).toBe('onnx');
    expect(back.checkpoint.actorConfig).toEqual(cfg);
    expect(maxAbsDiff(epsOfImported(back.checkpoint), ref)).toBeLessThanOrEqual(1e-5);
  });

  it('TF.js layers: tf.loadLayersModel runs model.json + weights.bin; importing them gives the same network', async () => {
    const files = await exportCheckpoint(ckpt, 'tfjs');
    expect(files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(new TextDecoder().decode(files[0].bytes));
    expect(json.format).toBe('layers-model');
    registerSinusoidalPosEmb();
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: files[1].bytes.slice().buffer }),
    );
    const { x, t, obs } = probe(cfg);
    const y = tf.tidy(() =>
      (model.predict([tf.tensor3d(x, [N, cfg.horizonSteps, cfg.actionDim]), tf.tensor2d(t, [N, 1]), tf.tensor3d(obs, [N, cfg.condSteps, cfg.obsDim])]) as tf.Tensor).dataSync(),
    ) as Float32Array;
    model.dispose();
    expect(maxAbsDiff(y, ref)).toBeLessThanOrEqual(1e-5);
    // A browser renames a second download of weights.bin; the manifest's single file still matches.
    const back = importCheckpointFiles([files[0], { name: 'weights (1).bin', bytes: files[1].bytes }]);
    expect(back.format).toBe('tfjs');
    expect(back.checkpoint.actorConfig).toEqual(cfg);
    expect(maxAbsDiff(epsOfImported(back.checkpoint), ref)).toBeLessThanOrEqual(1e-5);
  });
});

describe('Unet1D ε-network (spec §3.3)', () => {
  it.each([
    ['FiLM scale+bias, 2 levels', { condPredictScale: true, dimMults: [1, 2] }],
    ['FiLM bias only, 3 levels', { condPredictScale: false, dimMults: [1, 2, 2], horizonSteps: 8, actSteps: 8 }],
  ] as [string, Partial<DiffusionUnetConfig>][])('%s: ONNX runs in onnxruntime-web and matches to 1e-5; import gives the same network', async (_n, over) => {
    const cfg: DiffusionUnetConfig = {
      kind: 'diffusion-unet', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 20, denoisedClipValue: 1,
      diffusionStepEmbedDim: 8, dim: 8, kernelSize: 5, nGroups: 4, groupNormEps: 1e-5, condPredictScale: true, dimMults: [1, 2], ...over,
    } as DiffusionUnetConfig;
    const policy = buildPolicy(cfg, new Rng(4)) as DiffusionPolicy<Unet1DNet>;
    const ckpt: Checkpoint = { actorConfig: cfg, normalization: { obsMin: new Float32Array(3).fill(-1), obsMax: new Float32Array(3).fill(1), actionMin: NORM.actionMin, actionMax: NORM.actionMax }, weights: policy.namedWeights(), provenance: {} };
    const r = new Rng(8);
    const x = Float32Array.from({ length: N * cfg.horizonSteps * 2 }, () => r.normal());
    const obs = Float32Array.from({ length: N * 3 }, () => 2 * r.uniform() - 1);
    const t = [0, 3, 7, 11, 15, 19];
    const ref = tf.tidy(() => policy.base.forward(tf.tensor2d(x, [N, cfg.horizonSteps * 2]), policy.base.timeFeatures(t), tf.tensor2d(obs, [N, 3])).dataSync() as Float32Array).slice();
    policy.dispose();
    const [file] = await exportCheckpoint(ckpt, 'onnx');
    const session = await ort.InferenceSession.create(file.bytes);
    const out = await session.run({
      x: new ort.Tensor('float32', x, [N, cfg.horizonSteps, 2]),
      t: new ort.Tensor('float32', Float32Array.from(t), [N]),
      cond: new ort.Tensor('float32', obs, [N, 1, 3]),
    });
    await session.release();
    expect(out.eps.dims).toEqual([N, cfg.horizonSteps, 2]);
    expect(maxAbsDiff(out.eps.data as Float32Array, ref)).toBeLessThanOrEqual(1e-5);
    const back = importCheckpointBytes(file.bytes);
    expect(back.checkpoint.actorConfig).toEqual(cfg);
    const { policy: p2 } = policyFromCheckpoint(back.checkpoint);
    const again = tf.tidy(() => (p2 as DiffusionPolicy<Unet1DNet>).base.forward(tf.tensor2d(x, [N, cfg.horizonSteps * 2]), (p2 as DiffusionPolicy<Unet1DNet>).base.timeFeatures(t), tf.tensor2d(obs, [N, 3])).dataSync() as Float32Array).slice();
    p2.dispose();
    expect(maxAbsDiff(again, ref)).toBeLessThanOrEqual(1e-5);
  });
});

describe('fine-tuned checkpoints', () => {
  it('ONNX exports actor_ft (the fine-tuned ε-network), safetensors keeps K′ in the metadata', async () => {
    const { ckpt, policy } = makeCheckpoint(AVOID, 5, true);
    const ref = eps(policy.actorFt as DiffusionMlpNet, AVOID);
    const base = eps(policy.base, AVOID);
    policy.dispose();
    expect(maxAbsDiff(ref, base)).toBeGreaterThan(1e-3);
    const [onnx] = await exportCheckpoint(ckpt, 'onnx');
    expect(maxAbsDiff(await onnxEps(onnx.bytes, AVOID), ref)).toBeLessThanOrEqual(1e-5);
    const [st] = await exportCheckpoint(ckpt, 'safetensors');
    const headerLen = Number(new DataView(st.bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(st.bytes.subarray(8, 8 + headerLen)));
    expect(header.__metadata__.ft_denoising_steps).toBe('5');
    const back = importCheckpointBytes(st.bytes);
    expect(back.checkpoint.provenance.ftDenoisingSteps).toBe(5);
    expect(maxAbsDiff(epsOfImported(back.checkpoint), ref)).toBeLessThanOrEqual(1e-5);
  });
});

describe('config inference from DPPO shapes (spec §3.6)', () => {
  it('Hopper: Ta·Da = 12 split by the action dim hint; K, activation noted when assumed', () => {
    const hopper: DiffusionMlpConfig = { ...AVOID, obsDim: 11, actionDim: 3, mlpDims: [512, 512, 512] };
    const p = new DiffusionMlpPolicy(hopper, new Rng(0));
    const w = p.namedWeights();
    p.dispose();
    const a = inferActorConfig(w, { actionDim: 3, activation: 'relu', denoisingSteps: 20 });
    expect(a.config).toEqual(hopper);
    expect(a.notes).toEqual(['One observation step (To = 1, as in every DPPO state config).']);
    const b = inferActorConfig(w);
    expect(b.config).toMatchObject({ obsDim: 11, actionDim: 3, horizonSteps: 4, timeDim: 16, activation: 'mish' });
    expect(b.notes.join(' ')).toMatch(/Ta = 4, Da = 3/);
    expect(b.notes.join(' ')).toMatch(/Mish assumed/);
    expect(() => inferActorConfig(w, { obsDim: 10 })).toThrow(/11 observation values, but the task's observation has 10/);
  });

  it.each([
    ['Unet1D', { kind: 'diffusion-unet', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 20, denoisedClipValue: 1, diffusionStepEmbedDim: 8, dim: 8, dimMults: [1, 2], kernelSize: 5, nGroups: 4, groupNormEps: 1e-5, condPredictScale: true }],
    ['Gaussian MLP', { kind: 'gaussian-mlp', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, mlpDims: [8, 8, 8], activation: 'mish', residualStyle: true, stdMin: 0.05, stdMax: 0.5, stdInit: 0.1 }],
    ['GMM MLP', { kind: 'gmm-mlp', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, numModes: 3, mlpDims: [8, 8, 8], activation: 'mish', residualStyle: true, stdMin: 0.05, stdMax: 0.5, stdInit: 0.1 }],
  ] as [string, ActorConfig][])('%s: the config comes back from the shapes (+ the hints shapes cannot give)', (_n, cfg) => {
    const p = buildPolicy(cfg, new Rng(1));
    const w = p.namedWeights();
    p.dispose();
    const hints = cfg.kind === 'diffusion-unet' ? { horizonSteps: 4, nGroups: 4, groupNormEps: 1e-5, denoisingSteps: 20 } : { activation: 'mish' as const };
    expect(inferActorConfig(w, hints).config).toEqual(cfg);
  });

  it('weights without a DPPO actor are refused by name', () => {
    expect(() => inferActorConfig(new Map([['encoder.weight', { shape: [2, 2], data: new Float32Array(4) }]]))).toThrow(/No DPPO actor found.*encoder\.weight/);
  });
});

// ---- .pt: a zip in torch.save's layout, built here byte for byte (pickle protocol 2) ----

/** A tiny pickle protocol-2 writer for the opcodes torch.save emits. */
class Pkl {
  private out: number[] = [0x80, 2];
  private memo = 0;
  op(...b: number[]): this {
    this.out.push(...b);
    return this;
  }
  put(): this {
    return this.op(0x71, this.memo++); // BINPUT
  }
  global(module: string, name: string): this {
    this.op(0x63, ...strToU8(`${module}\n${name}\n`));
    return this.put();
  }
  str(s: string): this {
    const b = strToU8(s);
    this.op(0x58, b.length & 255, (b.length >> 8) & 255, 0, 0, ...b); // BINUNICODE
    return this.put();
  }
  int(v: number): this {
    return v < 256 ? this.op(0x4b, v) : this.op(0x4a, v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
  }
  tuple(items: (() => void)[]): this {
    this.op(0x28); // MARK
    for (const f of items) f();
    return this.op(0x74).put(); // TUPLE
  }
  bytes(): Uint8Array {
    return Uint8Array.from([...this.out, 0x2e]);
  }
  /** torch._utils._rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict()) */
  tensor(key: string, numel: number, offset: number, size: number[], stride: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.op(0x28); // MARK (args tuple)
    this.tuple([() => this.str('storage'), () => this.global('torch', 'FloatStorage'), () => this.str(key), () => this.str('cpu'), () => this.int(numel)]);
    this.op(0x51); // BINPERSID
    this.int(offset);
    this.tuple(size.map((d) => () => this.int(d)));
    this.tuple(stride.map((d) => () => this.int(d)));
    this.op(0x89); // False
    this.global('collections', 'OrderedDict').op(0x29, 0x52).put(); // OrderedDict()
    this.op(0x74).put(); // TUPLE
    return this.op(0x52).put(); // REDUCE
  }
}

function f32(xs: Float32Array): Uint8Array {
  return new Uint8Array(xs.buffer.slice(xs.byteOffset, xs.byteOffset + xs.byteLength));
}

/** {epoch, model, ema} with the two state dicts `weights` (ema = weights + 1, model = weights). */
function torchZip(weights: Map<string, { shape: number[]; data: Float32Array }>, opts: { transposeFirst?: boolean } = {}): Uint8Array {
  const p = new Pkl();
  const files: Record<string, Uint8Array> = {};
  let storage = 0;
  const stateDict = (delta: number) => {
    p.global('collections', 'OrderedDict').op(0x29, 0x52).put(); // OrderedDict()
    p.op(0x28); // MARK for SETITEMS
    let first = true;
    for (const [k, w] of weights) {
      p.str(k);
      const key = String(storage++);
      const data = Float32Array.from(w.data, (v) => v + delta);
      if (opts.transposeFirst && first && w.shape.length === 2) {
        // Store the matrix transposed and describe it with swapped strides (a non-contiguous view).
        const [r, c] = w.shape;
        const tdata = new Float32Array(r * c);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) tdata[j * r + i] = data[i * c + j];
        files[`archive/data/${key}`] = f32(tdata);
        p.tensor(key, r * c, 0, [r, c], [1, r]);
      } else {
        files[`archive/data/${key}`] = f32(data);
        p.tensor(key, data.length, 0, w.shape, w.shape.map((_, i) => w.shape.slice(i + 1).reduce((a, b) => a * b, 1)));
      }
      first = false;
    }
    p.op(0x75); // SETITEMS
  };
  p.op(0x7d).put(); // EMPTY_DICT
  p.op(0x28); // MARK
  p.str('epoch').int(300);
  p.str('model');
  stateDict(0);
  p.str('ema');
  stateDict(1);
  p.op(0x75); // SETITEMS
  files['archive/data.pkl'] = p.bytes();
  files['archive/byteorder'] = strToU8('little');
  files['archive/version'] = strToU8('3\n');
  return zipSync(files, { level: 0 });
}

describe('PyTorch .pt import (restricted unpickler)', () => {
  it('a torch.save-layout {epoch, model, ema} loads; ema is used, tensors equal bit for bit, strided views are gathered', async () => {
    const { ckpt } = makeCheckpoint(AVOID, 3);
    const pt = torchZip(ckpt.weights, { transposeFirst: true });
    expect(sniffCheckpointFormat(pt)).toBe('pt');
    const r = importCheckpointBytes(pt, 'state_300.pt', { actionDim: 2, activation: 'relu', denoisingSteps: 20 });
    expect(r.format).toBe('pt');
    expect(r.sourceKey).toBe('ema');
    expect(r.checkpoint.actorConfig).toEqual(AVOID);
    for (const [k, w] of ckpt.weights) {
      const got = r.checkpoint.weights.get(k);
      expect(got?.shape).toEqual(w.shape);
      expect(Array.from(got!.data)).toEqual(Array.from(w.data, (v) => Math.fround(v + 1)));
    }
    // Exported to safetensors, the tensors are still exactly the .pt tensors.
    const [st] = await exportCheckpoint(r.checkpoint, 'safetensors');
    const again = importCheckpointBytes(st.bytes);
    for (const [k, w] of r.checkpoint.weights) expect(again.checkpoint.weights.get(k)?.data).toEqual(w.data);
    const s = inspectCheckpointBytes(pt, { actionDim: 2 });
    expect(s).toMatchObject({ format: 'pt', obs_dim: 4, act_dim: 2, horizon: 4, source_key: 'ema', params: [...ckpt.weights.values()].reduce((n, w) => n + w.data.length, 0) });
  });

  it.each([
    ['os.system', (p: Pkl) => p.global('os', 'system').tuple([() => p.str('echo pwned')]).op(0x52)],
    ['builtins.eval', (p: Pkl) => p.global('builtins', 'eval').tuple([() => p.str('1+1')]).op(0x52)],
    ['__main__.Policy', (p: Pkl) => p.global('__main__', 'Policy').op(0x29, 0x52)],
  ])('a pickle naming %s is refused with its name, never run', (name, build) => {
    const p = new Pkl();
    build(p);
    const zip = zipSync({ 'archive/data.pkl': p.bytes(), 'archive/version': strToU8('3\n') }, { level: 0 });
    let err: unknown;
    try {
      importCheckpointBytes(zip, 'evil.pt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(`"${name}"`);
    expect((err as Error).message).toMatch(/nothing in the file is ever executed/);
  });

  it('NEWOBJ (object construction) and truncated pickles give specific errors', () => {
    const p = new Pkl();
    p.global('collections', 'OrderedDict').op(0x29, 0x81);
    expect(() => importCheckpointBytes(zipSync({ 'a/data.pkl': p.bytes() }))).toThrow(/object constructor/);
    const good = torchZip(new Map([['network.x', { shape: [2], data: Float32Array.of(1, 2) }]]));
    const files = { 'archive/data.pkl': new Uint8Array(0) };
    expect(() => importCheckpointBytes(zipSync(files))).toThrow(/corrupt/);
    expect(() => importCheckpointBytes(good.subarray(0, good.length - 30))).toThrow(UserError);
  });

  it('other files get a specific message', () => {
    expect(() => importCheckpointBytes(strToU8('hello world, not a checkpoint'), 'notes.txt')).toThrow(/notes\.txt is not a checkpoint/);
    expect(() => importCheckpointBytes(zipSync({ 'states.npy': new Uint8Array(10) }), 'train.npz')).toThrow(/zip archive without data\.pkl/);
    expect(() => importCheckpointBytes(Uint8Array.of(0x80, 2, 0x7d, 0x2e), 'old.pt')).toThrow(/legacy/);
    expect(() => importCheckpointFiles([{ name: 'model.json', bytes: strToU8('{"modelTopology":{},"weightsManifest":[{"paths":["w.bin"],"weights":[]}]}') }])).toThrow(/w\.bin/);
  });
});

describe('malformed files: a specific UserError, never a crash or a hang', () => {
  it('300 mutated, truncated and random variants of each format', async () => {
    const { ckpt } = makeCheckpoint({ ...AVOID, mlpDims: [16, 16, 16] }, 9);
    const [st] = await exportCheckpoint(ckpt, 'safetensors');
    const [onnx] = await exportCheckpoint(ckpt, 'onnx');
    const tfjs = await exportCheckpoint(ckpt, 'tfjs');
    const pt = torchZip(ckpt.weights);
    const r = new Rng(123);
    const t0 = performance.now();
    let refused = 0;
    for (const [name, base] of [['st', st.bytes], ['onnx', onnx.bytes], ['pt', pt], ['json', tfjs[0].bytes]] as const) {
      for (let i = 0; i < 75; i++) {
        let b: Uint8Array;
        const mode = i % 3;
        if (mode === 0) b = base.slice(0, Math.floor(r.uniform() * base.length));
        else if (mode === 1) {
          b = base.slice();
          for (let k = 0; k < 1 + Math.floor(r.uniform() * 8); k++) b[Math.floor(r.uniform() * Math.min(b.length, 400))] = Math.floor(r.uniform() * 256);
        } else b = Uint8Array.from({ length: 1 + Math.floor(r.uniform() * 300) }, () => Math.floor(r.uniform() * 256));
        const files = name === 'json' ? [{ name: 'model.json', bytes: b }, tfjs[1]] : [{ name: `${name}-${i}`, bytes: b }];
        try {
          importCheckpointFiles(files);
        } catch (e) {
          expect(e).toBeInstanceOf(UserError);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(150);
    expect(performance.now() - t0).toBeLessThan(60_000);
  });
});
