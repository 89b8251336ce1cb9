/**
 * `maxGradNorm` (DPPO's `max_grad_norm`): torch.nn.utils.clip_grad_norm_ on the actor's gradients before the
 * actor's AdamW step (reference: agent/finetune/train_ppo_diffusion_agent.py; spec §4.7). 0 = off.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CriticConfig, GaussianMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { AdamW, clipGradNorm, globalGradNorm } from '../policy/adamw';
import { CriticObs } from '../policy/critic';
import { GaussianMlpPolicy } from '../policy/gaussian';
import { initTf, tf } from '../policy/tfSetup';
import { computeValuesAndLogProbs, ppoMinibatchStep, type UpdateBatch, type UpdateSamples } from './ppoUpdate';

beforeAll(async () => {
  await initTf('wasm');
});

const norm = (xs: ArrayLike<number>) => Math.sqrt(Array.from(xs).reduce((s, x) => s + x * x, 0));

describe('clipGradNorm (torch.nn.utils.clip_grad_norm_)', () => {
  const grads = () => ({ a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) }); // ‖g‖₂ = 13

  it('scales the global norm down to ≤ maxNorm and returns the pre-clip norm', () => {
    const g = grads();
    const { grads: out, norm: n } = clipGradNorm(g, 5);
    expect(n.dataSync()[0]).toBeCloseTo(13, 5);
    const after = globalGradNorm(out);
    expect(after.dataSync()[0]).toBeLessThanOrEqual(5);
    expect(after.dataSync()[0]).toBeCloseTo(5, 4);
    // One factor for all tensors: the direction is kept.
    expect(Array.from(out.a.dataSync()).map((x) => x / (5 / 13))).toEqual([expect.closeTo(3, 4), expect.closeTo(4, 4)]);
    tf.dispose([g.a, g.b, out.a, out.b, n, after]);
  });

  it('leaves gradients below maxNorm exactly as they are', () => {
    const g = grads();
    const { grads: out, norm: n } = clipGradNorm(g, 20);
    expect(Array.from(out.a.dataSync())).toEqual([3, 4]);
    expect(Array.from(out.b.dataSync())).toEqual([12]);
    expect(globalGradNorm(out).dataSync()[0]).toBeCloseTo(13, 5);
    tf.dispose([g.a, g.b, out.a, out.b, n]);
  });
});

// A toy PPO batch: Gaussian-MLP actor (P = 1 item per sample, chain length 1) and an MLP critic.
const actorCfg: GaussianMlpConfig = {
  kind: 'gaussian-mlp', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 2, actSteps: 2,
  mlpDims: [16, 16], activation: 'mish', residualStyle: false, stdMin: 0.05, stdMax: 0.5, stdInit: 0.2,
};
const criticCfg: CriticConfig = { obsDim: 3, condSteps: 1, mlpDims: [16, 16], activation: 'mish', residualStyle: false };
const nSteps = 4;
const nEnvs = 8;
const N = nSteps * nEnvs;
const cfg = { vfCoef: 0.5, minLogprobDenoisingStd: 0.1, logprobBatchSize: 64, maxGradNorm: 0 };

function uniform(rng: Rng, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * (2 * rng.uniform() - 1);
  return out;
}

/** Actor, critic and optimisers built from fixed seeds, so two setups start bitwise equal. */
async function setup() {
  const policy = new GaussianMlpPolicy(actorCfg, new Rng(1));
  const critic = new CriticObs(criticCfg, new Rng(2));
  const rng = new Rng(3);
  const chunk = actorCfg.horizonSteps * actorCfg.actionDim;
  const buf: UpdateSamples = {
    nSteps, nEnvs, obsDim: 3, chainLength: 1, chunkSize: chunk,
    obs: uniform(rng, N * 3, 1), chains: uniform(rng, N * chunk, 1), finalObs: uniform(rng, nEnvs * 3, 1),
  };
  const { oldLogp } = await computeValuesAndLogProbs(policy, critic, buf, cfg);
  const batch: UpdateBatch = {
    buf, advantages: uniform(rng, N, 1), returns: uniform(rng, N, 5), oldLogp,
    clipCoefs: Float32Array.of(0.2), gammaDenoising: 1, P: 1, Ta: actorCfg.horizonSteps, Da: actorCfg.actionDim,
  };
  const actorOpt = new RecordingAdamW(policy.trainableVariables(), { lr: 1e-3, weightDecay: 0 });
  const criticOpt = new AdamW(critic.trainableVariables(), { lr: 1e-3, weightDecay: 0 });
  const dispose = () => { policy.dispose(); critic.dispose(); actorOpt.dispose(); criticOpt.dispose(); };
  return { policy, critic, batch, actorOpt, criticOpt, dispose };
}

/** Records the global norm of the gradients the actor's optimiser is actually stepped with. */
class RecordingAdamW extends AdamW {
  readonly seenNorms: number[] = [];
  override step(grads: tf.NamedTensorMap): void {
    const n = globalGradNorm(grads);
    this.seenNorms.push(n.dataSync()[0]);
    n.dispose();
    super.step(grads);
  }
}

const ids = Int32Array.from({ length: N }, (_, i) => i);
const flat = (vars: tf.Variable[]) => vars.flatMap((v) => Array.from(v.dataSync()));

describe('ppoMinibatchStep applies maxGradNorm to the actor', () => {
  it('steps the actor with ‖g‖ ≤ maxGradNorm when above it, with the raw gradients when below, and reports the pre-clip norm', async () => {
    const off = await setup();
    const raw = ppoMinibatchStep(off.policy, off.critic, off.batch, ids, cfg, off.actorOpt, off.criticOpt);
    expect(raw.actorGradNorm).toBeGreaterThan(0);
    expect(raw.criticGradNorm).toBeGreaterThan(0);
    expect(raw.actorGradClipped).toBe(0);
    expect(off.actorOpt.seenNorms[0]).toBeCloseTo(raw.actorGradNorm, 5);

    const max = raw.actorGradNorm / 10;
    const tight = await setup();
    const clipped = ppoMinibatchStep(tight.policy, tight.critic, tight.batch, ids, { ...cfg, maxGradNorm: max }, tight.actorOpt, tight.criticOpt);
    expect(clipped.actorGradNorm).toBeCloseTo(raw.actorGradNorm, 5); // pre-clip, same weights and batch
    expect(clipped.actorGradClipped).toBe(1);
    expect(tight.actorOpt.seenNorms[0]).toBeLessThanOrEqual(max);
    expect(tight.actorOpt.seenNorms[0]).toBeCloseTo(max, 5);

    const loose = await setup();
    const below = ppoMinibatchStep(loose.policy, loose.critic, loose.batch, ids, { ...cfg, maxGradNorm: raw.actorGradNorm * 10 }, loose.actorOpt, loose.criticOpt);
    expect(below.actorGradClipped).toBe(0);
    expect(loose.actorOpt.seenNorms[0]).toBe(off.actorOpt.seenNorms[0]); // untouched: factor exactly 1
    expect(flat(loose.policy.trainableVariables())).toEqual(flat(off.policy.trainableVariables()));
    for (const s of [off, tight, loose]) s.dispose();
  });

  it('a clipped step moves the actor less than an unclipped one; the critic is not clipped', async () => {
    // Adam's first step is lr·g/(|g| + ε) ≈ lr·sign(g) whatever the gradient's scale, so clipping shows once
    // the moments hold history: one identical unclipped step, then one step clipped (factor ≈ 1/100) or not.
    // With a steady gradient the clipped step is ≈ (β1(1−β1) + (1−β1)/100)/(1−β1²) / √(β2(1−β2)/(1−β2²)) ≈ 0.68
    // of the unclipped one.
    const a = await setup();
    const b = await setup();
    ppoMinibatchStep(a.policy, a.critic, a.batch, ids, cfg, a.actorOpt, a.criticOpt);
    ppoMinibatchStep(b.policy, b.critic, b.batch, ids, cfg, b.actorOpt, b.criticOpt);
    const before = flat(a.policy.trainableVariables());
    expect(flat(b.policy.trainableVariables())).toEqual(before);
    const sa = ppoMinibatchStep(a.policy, a.critic, a.batch, ids, cfg, a.actorOpt, a.criticOpt);
    const sb = ppoMinibatchStep(b.policy, b.critic, b.batch, ids, { ...cfg, maxGradNorm: sa.actorGradNorm / 100 }, b.actorOpt, b.criticOpt);
    expect(sb.actorGradClipped).toBe(1);
    const moved = (after: number[]) => norm(after.map((x, i) => x - before[i]));
    const unclippedMove = moved(flat(a.policy.trainableVariables()));
    const clippedMove = moved(flat(b.policy.trainableVariables()));
    expect(unclippedMove).toBeGreaterThan(0);
    expect(clippedMove).toBeLessThan(0.8 * unclippedMove);
    expect(flat(b.critic.trainableVariables())).toEqual(flat(a.critic.trainableVariables()));
    a.dispose();
    b.dispose();
  });

  it('leaves no tensors behind, clipped or not', async () => {
    const s = await setup();
    ppoMinibatchStep(s.policy, s.critic, s.batch, ids, { ...cfg, maxGradNorm: 1e-3 }, s.actorOpt, s.criticOpt);
    const n0 = tf.memory().numTensors;
    ppoMinibatchStep(s.policy, s.critic, s.batch, ids, { ...cfg, maxGradNorm: 1e-3 }, s.actorOpt, s.criticOpt);
    ppoMinibatchStep(s.policy, s.critic, s.batch, ids, cfg, s.actorOpt, s.criticOpt);
    ppoMinibatchStep(s.policy, s.critic, s.batch, ids, cfg, null, s.criticOpt);
    expect(tf.memory().numTensors).toBe(n0);
    s.dispose();
  });
});
