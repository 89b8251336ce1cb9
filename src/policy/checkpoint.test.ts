import { beforeAll, describe, expect, it } from 'vitest';
import type { DiffusionMlpConfig } from '../config/model';
import { criticConfigFor } from '../config/model';
import { UserError } from '../core/errors';
import { Rng } from '../core/rng';
import { AdamW } from './adamw';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint';
import { CriticObs } from './critic';
import { DiffusionMlpPolicy } from './diffusion';
import { buildPolicy, policyFromCheckpoint } from './index';
import type { NamedWeights } from './nn';
import { initTf, tf } from './tfSetup';

beforeAll(async () => {
  await initTf('wasm');
});

/** Hopper actor (spec §3.6): obs 11, act 3, Ta 4, time 16, [512]×3 ReLU residual, K 20. */
const HOPPER: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 11, actionDim: 3, condSteps: 1, horizonSteps: 4, actSteps: 4,
  denoisingSteps: 20, timeDim: 16, mlpDims: [512, 512, 512], activation: 'relu', residualStyle: true, denoisedClipValue: 1,
};
const SMALL: DiffusionMlpConfig = { ...HOPPER, obsDim: 4, actionDim: 2, timeDim: 8, mlpDims: [32, 32, 32] };

const NORM = {
  obsMin: Float32Array.of(-1, -2, -3, -4),
  obsMax: Float32Array.of(1, 2, 3, 4),
  actionMin: Float32Array.of(-0.01, -0.01),
  actionMax: Float32Array.of(0.01, 0.02),
};

function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function shapes(w: NamedWeights): Record<string, number[]> {
  return Object.fromEntries([...w].map(([k, v]) => [k, v.shape]));
}

describe('Hopper key names and shapes (spec §3.6)', () => {
  it('pre-training state dict: network.*, 553,020 parameters', () => {
    const p = new DiffusionMlpPolicy(HOPPER, new Rng(0));
    const w = p.namedWeights();
    expect(shapes(w)).toEqual({
      'network.time_embedding.1.weight': [32, 16],
      'network.time_embedding.1.bias': [32],
      'network.time_embedding.3.weight': [16, 32],
      'network.time_embedding.3.bias': [16],
      'network.mlp_mean.layers.0.weight': [512, 39],
      'network.mlp_mean.layers.0.bias': [512],
      'network.mlp_mean.layers.1.l1.weight': [512, 512],
      'network.mlp_mean.layers.1.l1.bias': [512],
      'network.mlp_mean.layers.1.l2.weight': [512, 512],
      'network.mlp_mean.layers.1.l2.bias': [512],
      'network.mlp_mean.layers.2.weight': [12, 512],
      'network.mlp_mean.layers.2.bias': [12],
    });
    expect([...w.values()].reduce((n, v) => n + v.data.length, 0)).toBe(553_020);
    p.prepareFinetune(10);
    const keys = [...p.namedWeights().keys()];
    expect(keys.filter((k) => k.startsWith('actor.')).length).toBe(12);
    expect(keys).toContain('actor_ft.mlp_mean.layers.1.l2.weight');
    expect(keys.length).toBe(36);
    p.dispose();
  });

  it('critic: critic.Q1.layers.{0, 1.l1, 1.l2, 2}', () => {
    const c = new CriticObs(criticConfigFor(HOPPER), new Rng(0));
    expect(shapes(c.namedWeights())).toEqual({
      'critic.Q1.layers.0.weight': [256, 11], 'critic.Q1.layers.0.bias': [256],
      'critic.Q1.layers.1.l1.weight': [256, 256], 'critic.Q1.layers.1.l1.bias': [256],
      'critic.Q1.layers.1.l2.weight': [256, 256], 'critic.Q1.layers.1.l2.bias': [256],
      'critic.Q1.layers.2.weight': [1, 256], 'critic.Q1.layers.2.bias': [1],
    });
    c.dispose();
  });
});

describe('checkpoint file (safetensors + metadata)', () => {
  it('round-trips weights bitwise and restores a fine-tuned policy that samples identically', () => {
    const p = new DiffusionMlpPolicy(SMALL, new Rng(1));
    p.prepareFinetune(10);
    const opt = new AdamW(p.trainableVariables(), { lr: 1e-2, weightDecay: 0 });
    opt.minimize(() => tf.mean(tf.square(p.actorFt!.timeFeatures([1, 2]))) as tf.Scalar).dispose();
    const critic = new CriticObs(criticConfigFor(SMALL), new Rng(2));
    const weights = new Map([...p.namedWeights(), ...critic.namedWeights()]);
    const ckpt: Checkpoint = { actorConfig: SMALL, criticConfig: criticConfigFor(SMALL), normalization: NORM, weights, provenance: { task: 'avoid-m2', ftDenoisingSteps: 10, itr: 3 } };
    const bytes = encodeCheckpoint(ckpt);
    const back = decodeCheckpoint(bytes);
    expect(back.actorConfig).toEqual(SMALL);
    expect(back.criticConfig).toEqual(criticConfigFor(SMALL));
    expect(back.provenance).toEqual(ckpt.provenance);
    expect(Array.from(back.normalization.actionMax)).toEqual(Array.from(NORM.actionMax));
    expect([...back.weights.keys()]).toEqual([...weights.keys()]);
    for (const [k, w] of weights) {
      const b = back.weights.get(k)!;
      expect(b.shape).toEqual(w.shape);
      expect(bitwiseEqual(b.data, w.data), k).toBe(true);
    }
    // Header is 8-byte aligned per the safetensors convention.
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);

    const loaded = policyFromCheckpoint(back, new Rng(99));
    expect(loaded.policy.ppoStepsPerSample).toBe(10);
    expect(loaded.critic).toBeDefined();
    const obs = tf.randomUniform([5, 4], -1, 1, 'float32', 3) as tf.Tensor2D;
    const a = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(4) });
    const b = loaded.policy.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(4) });
    expect(Array.from(b.chain!.dataSync())).toEqual(Array.from(a.chain!.dataSync()));
    const va = critic.value(obs);
    const vb = loaded.critic!.value(obs);
    expect(Array.from(vb.dataSync())).toEqual(Array.from(va.dataSync()));
    tf.dispose([obs, a.actions, a.chain!, b.actions, b.chain!, va, vb]);
    opt.dispose();
    [p, critic, loaded.policy, loaded.critic!].forEach((x) => x.dispose());
  });

  it('reads bytes that sit inside a larger buffer (a Node Buffer from readFileSync is a view into a pool)', () => {
    const p = new DiffusionMlpPolicy(SMALL, new Rng(4));
    const weights = p.namedWeights();
    const bytes = encodeCheckpoint({ actorConfig: SMALL, normalization: NORM, weights, provenance: {} });
    const pool = Buffer.alloc(bytes.length + 24, 0x7f);
    pool.set(bytes, 24);
    const back = decodeCheckpoint(pool.subarray(24));
    for (const [k, w] of weights) expect(bitwiseEqual(back.weights.get(k)!.data, w.data), k).toBe(true);
  });

  it('a pre-training checkpoint (network.*) loads, and prepareFinetune copies it into actor_ft', () => {
    const pre = buildPolicy(SMALL, new Rng(5));
    const ckpt = decodeCheckpoint(encodeCheckpoint({ actorConfig: SMALL, normalization: NORM, weights: pre.namedWeights(), provenance: {} }));
    const { policy, critic } = policyFromCheckpoint(ckpt);
    expect(critic).toBeUndefined();
    policy.prepareFinetune!(10);
    const w = policy.namedWeights();
    for (const [k, v] of pre.namedWeights()) {
      const rest = k.slice('network.'.length);
      expect(Array.from(w.get(`actor.${rest}`)!.data)).toEqual(Array.from(v.data));
      expect(Array.from(w.get(`actor_ft.${rest}`)!.data)).toEqual(Array.from(v.data));
    }
    pre.dispose();
    policy.dispose();
  });

  it('rejects wrong or corrupt bytes with a UserError', () => {
    const p = buildPolicy(SMALL, new Rng(6));
    const good = encodeCheckpoint({ actorConfig: SMALL, normalization: NORM, weights: p.namedWeights(), provenance: {} });
    p.dispose();
    const bad: Uint8Array[] = [
      new Uint8Array(3),
      good.slice(0, good.length - 10),
      new TextEncoder().encode('PK\u0003\u0004 this is a zip file, not safetensors'),
      (() => {
        const b = good.slice();
        b[9] = 0x7b; // break the JSON header
        b[10] = 0x7b;
        return b;
      })(),
    ];
    const otherFormat = encodeCheckpoint({ actorConfig: SMALL, normalization: NORM, weights: new Map(), provenance: {} });
    const txt = new TextDecoder().decode(otherFormat).replace('dppo-workbench-ckpt/1', 'something-else/1');
    bad.push(new TextEncoder().encode(txt));
    for (const b of bad) expect(() => decodeCheckpoint(b)).toThrow(UserError);
    const mismatched = decodeCheckpoint(good);
    mismatched.actorConfig = { ...SMALL, mlpDims: [16, 16, 16] };
    expect(() => policyFromCheckpoint(mismatched)).toThrow(UserError);
  });
});

describe('foreign dtypes', () => {
  it('reads F64, F16 and BF16 tensors as float32', () => {
    const meta = { format: 'dppo-workbench-ckpt/1', actor_config: JSON.stringify(SMALL), normalization: JSON.stringify({ obs_min: [0], obs_max: [1], action_min: [0], action_max: [1] }) };
    const f64 = new Float64Array([1.5, -2.25]);
    const f16 = Uint16Array.of(0x3c00, 0xc000, 0x3555); // 1, −2, ≈0.333
    const bf16 = Uint16Array.of(0x3f80, 0xc040); // 1, −3
    const data = new Uint8Array(16 + 6 + 4);
    data.set(new Uint8Array(f64.buffer), 0);
    data.set(new Uint8Array(f16.buffer), 16);
    data.set(new Uint8Array(bf16.buffer), 22);
    const header = JSON.stringify({
      __metadata__: meta,
      a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      b: { dtype: 'F16', shape: [3], data_offsets: [16, 22] },
      c: { dtype: 'BF16', shape: [2, 1], data_offsets: [22, 26] },
    });
    const hb = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + hb.length + data.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(hb.length), true);
    bytes.set(hb, 8);
    bytes.set(data, 8 + hb.length);
    const c = decodeCheckpoint(bytes);
    expect(Array.from(c.weights.get('a')!.data)).toEqual([1.5, -2.25]);
    const b = c.weights.get('b')!.data;
    expect([b[0], b[1]]).toEqual([1, -2]);
    expect(b[2]).toBeCloseTo(1 / 3, 3);
    expect(Array.from(c.weights.get('c')!.data)).toEqual([1, -3]);
    expect(c.weights.get('c')!.shape).toEqual([2, 1]);
  });
});

describe('resources', () => {
  it('keeps tf.memory().numTensors flat across sample + logProb + AdamW steps', () => {
    const p = new DiffusionMlpPolicy(SMALL, new Rng(7));
    p.prepareFinetune(10);
    const critic = new CriticObs(criticConfigFor(SMALL), new Rng(8));
    const actorOpt = new AdamW(p.trainableVariables(), { lr: 1e-4, weightDecay: 0 });
    const criticOpt = new AdamW(critic.trainableVariables(), { lr: 1e-3, weightDecay: 0 });
    const obs = tf.randomUniform([8, 4], -1, 1, 'float32', 1) as tf.Tensor2D;
    const rng = new Rng(9);
    const iteration = () => {
      for (const deterministic of [false, true]) {
        const r = p.sample(obs, { deterministic, recordChain: true, recordAllSteps: true, rng });
        tf.dispose([r.actions, r.chain!, r.allSteps!]);
      }
      const r = p.sample(obs, { deterministic: false, recordChain: true, rng });
      const chain = r.chain!;
      const prev = tf.tidy(() => tf.reshape(tf.slice(chain, [0, 2, 0, 0], [8, 1, 4, 2]), [8, 4, 2]) as tf.Tensor3D);
      const next = tf.tidy(() => tf.reshape(tf.slice(chain, [0, 3, 0, 0], [8, 1, 4, 2]), [8, 4, 2]) as tf.Tensor3D);
      const idx = tf.fill([8], 2, 'int32') as tf.Tensor1D;
      const old = p.logProb(obs, prev, next, idx, { minLogprobDenoisingStd: 0.1, actSteps: 4 });
      actorOpt.minimize(() => tf.mean(tf.exp(tf.sub(p.logProb(obs, prev, next, idx, { minLogprobDenoisingStd: 0.1, actSteps: 4 }), old))) as tf.Scalar).dispose();
      criticOpt.minimize(() => tf.mean(tf.square(critic.value(obs))) as tf.Scalar).dispose();
      const bc = p.bcLoss(obs, r.actions, rng);
      tf.dispose([r.actions, chain, prev, next, idx, old, bc]);
    };
    iteration();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) iteration();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(obs);
    actorOpt.dispose();
    criticOpt.dispose();
    critic.dispose();
    p.dispose();
  });
});
