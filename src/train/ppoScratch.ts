/**
 * From-scratch Gaussian PPO — one readable loop (cleanrl style; Schulman et al. 2017, "Proximal Policy
 * Optimization Algorithms", §3 clipped objective, §6.1 MuJoCo settings; cleanrl `ppo_continuous_action.py`).
 * It trains the "medium" experts whose noisy rollouts become our Gym datasets (docs/datasets-gym.md),
 * because D4RL's `*-medium-v2` files (spec/dppo-reference.md §6.3) cannot be downloaded here.
 *
 * Why not finetunePpo.ts: DPPO fine-tuning acts in chunks of Ta = 4 with a std held in [0.01, 0.2] and a
 * log-prob clamped and averaged over (Ta, Da); learning from nothing needs one action per step, a std that
 * starts near 1, running observation normalisation and the summed log-prob of the PPO paper. The pieces
 * are the engine's: VecEnv (worker pool via makeVecEnv), the Gaussian actor (policy/gaussian.ts, its
 * unclamped element log-densities), CriticObs, AdamW (weight decay 0 = Adam), rl/gae.ts and
 * rl/rewardScaling.ts.
 *
 * Per iteration: rollout nSteps env steps of nEnvs envs (actions a = μ + σ·z, clipped to [−1, 1] for the env
 * as Gymnasium's ClipAction; the unclipped a is what the log-prob scores) → V and old log-probs in one
 * no-grad pass → running reward scaling → GAE → updateEpochs epochs of minibatches: clipped surrogate
 * (− entCoef·entropy) for the actor, ½(V − R)² for the critic, each with its own Adam step and global-norm
 * clip → optional KL stop.
 *
 * Observation normalisation: running mean/var over every observation seen (Chan et al. update), obs_n =
 * clip((x − μ)/sqrt(var + 1e-8), ±obsNormClip). The checkpoint stores it as DPPO min–max stats (spec §6.2)
 * that reproduce the same affine map: obs_min = μ − s, obs_max = μ + s − 1e-6 give 2(x − min)/(max − min
 * + 1e-6) − 1 = (x − μ)/s (the ±clip is not representable and is dropped; it only bites beyond 10 σ).
 * Actions are normalised with min −1, max 1, i.e. not at all. So `dppo eval` and every loader run the expert
 * through NormalizedVecEnv like any checkpoint.
 *
 * Legend: n nEnvs, T nSteps, N = T·n samples of an iteration, Do obs dim, Da action dim, M minibatch.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExpertConfig } from '../config/expert';
import type { CriticConfig, GaussianMlpConfig } from '../config/model';
import { UserError } from '../core/errors';
import { Rng } from '../core/rng';
import { AdamW, clipGradNorm } from '../policy/adamw';
import type { Checkpoint } from '../policy/checkpoint';
import { CriticObs } from '../policy/critic';
import { GaussianMlpPolicy } from '../policy/gaussian';
import type { NormalizationStats } from '../policy/normalizer';
import { computeGae } from '../rl/gae';
import { explainedVariance } from '../rl/ppoLoss';
import { RunningRewardScaler } from '../rl/rewardScaling';
import { taskSpec } from '../sim/registry';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import { createVectorEnv } from '../sim/vectorEnv';

const HALF_LOG_2PI_E = 0.5 * Math.log(2 * Math.PI * Math.E);
/** ε inside the observation normaliser's sqrt(var + ε) (Gymnasium NormalizeObservation). */
const OBS_EPS = 1e-8;
/** The normaliser's own ε (policy/normalizer.ts, spec §6.2). */
const MINMAX_EPS = 1e-6;

/** Running per-dimension mean and variance with the parallel (Chan et al.) update, Float64 like NumPy. */
export class RunningObsStats {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count = 1e-4;

  constructor(readonly dim: number) {
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
  }

  /** Pools the rows of `x` [m, dim] as one batch. */
  update(x: Float32Array): void {
    const d = this.dim;
    const m = x.length / d;
    if (m === 0) return;
    const bMean = new Float64Array(d);
    const bVar = new Float64Array(d);
    for (let i = 0; i < x.length; i++) bMean[i % d] += x[i] / m;
    for (let i = 0; i < x.length; i++) bVar[i % d] += (x[i] - bMean[i % d]) ** 2 / m;
    const n = this.count;
    const tot = n + m;
    for (let j = 0; j < d; j++) {
      const delta = bMean[j] - this.mean[j];
      this.mean[j] += (delta * m) / tot;
      this.var[j] = (this.var[j] * n + bVar[j] * m + (delta * delta * n * m) / tot) / tot;
    }
    this.count = tot;
  }

  /** Rows of raw obs → clip((x − μ)/sqrt(var + ε), ±clip). */
  normalize(x: Float32Array, clip: number, out = new Float32Array(x.length)): Float32Array {
    const d = this.dim;
    for (let i = 0; i < x.length; i++) {
      const j = i % d;
      const z = (x[i] - this.mean[j]) / Math.sqrt(this.var[j] + OBS_EPS);
      out[i] = z < -clip ? -clip : z > clip ? clip : z;
    }
    return out;
  }

  /** The same affine map as DPPO min–max stats (see the file comment); actions pass through unchanged. */
  toMinMax(actDim: number): NormalizationStats {
    const obsMin = new Float32Array(this.dim);
    const obsMax = new Float32Array(this.dim);
    for (let j = 0; j < this.dim; j++) {
      const s = Math.sqrt(this.var[j] + OBS_EPS);
      obsMin[j] = this.mean[j] - s;
      obsMax[j] = this.mean[j] + s - MINMAX_EPS;
    }
    return { obsMin, obsMax, actionMin: new Float32Array(actDim).fill(-1), actionMax: new Float32Array(actDim).fill(1) };
  }
}

/** The expert's actor: one action per step (Ta = Ta_exec = 1), two tanh layers, tanh mean, learnable std. */
export function expertActorConfig(cfg: ExpertConfig, obsDim: number, actionDim: number): GaussianMlpConfig {
  return {
    kind: 'gaussian-mlp',
    obsDim,
    actionDim,
    condSteps: 1,
    horizonSteps: 1,
    actSteps: 1,
    mlpDims: [cfg.hiddenSize, cfg.hiddenSize],
    activation: 'tanh',
    residualStyle: false,
    stdMin: cfg.stdMin,
    stdMax: cfg.stdMax,
    stdInit: cfg.stdInit,
  };
}

export function expertCriticConfig(cfg: ExpertConfig, obsDim: number): CriticConfig {
  return { obsDim, condSteps: 1, mlpDims: [cfg.hiddenSize, cfg.hiddenSize], activation: 'tanh', residualStyle: false };
}

/** One iteration's figures (the CLI prints them as a JSON line). */
export interface ExpertIteration {
  itr: number;
  iterations: number;
  env_steps: number;
  wall_s: number;
  /** Mean return / length of the episodes that ended during this iteration (NaN if none). */
  avg_return: number;
  avg_length: number;
  num_episodes: number;
  /** Mean return of the last `returnWindow` episodes of the run. */
  recent_return: number;
  std: number;
  policy_loss: number;
  value_loss: number;
  approx_kl: number;
  clipfrac: number;
  explained_variance: number;
  actor_lr: number;
  rollout_s: number;
  update_s: number;
}

export interface ExpertOptions {
  config: ExpertConfig;
  /** Builds the envs (default in-process; the CLI passes the worker pool for --workers). */
  makeVecEnv?: (opts: VecEnvOptions) => Promise<VecEnv>;
  onIteration?: (it: ExpertIteration, checkpoint: () => Checkpoint) => void | Promise<void>;
  /** Stop once the mean return of the last `returnWindow` episodes reaches this (a "medium" policy). */
  stopAtReturn?: number;
  /** Stop after this many iterations (the LR schedule still spans totalSteps), e.g. to rebuild a checkpoint saved mid-run. */
  maxIterations?: number;
  /** Episodes in the recent-return window (default 20). */
  returnWindow?: number;
  /** Extra provenance stored in checkpoints. */
  provenance?: Record<string, unknown>;
}

export interface ExpertResult {
  summary: Record<string, number | boolean | string>;
  /** The final weights with their normalisation, as a checkpoint (gaussian-mlp). */
  checkpoint(): Checkpoint;
  dispose(): void;
}

export async function trainExpertPpo(opts: ExpertOptions): Promise<ExpertResult> {
  const cfg = opts.config;
  const t0 = performance.now();
  const wall = () => (performance.now() - t0) / 1000;
  const spec = taskSpec(cfg.task);
  const { obsDim: Do, actDim: Da } = spec;
  if (spec.actLow.some((x) => x !== -1) || spec.actHigh.some((x) => x !== 1)) {
    throw new UserError(`dppo expert assumes actions in [−1, 1]; task ${cfg.task} has other bounds.`);
  }
  const n = cfg.nEnvs;
  const T = cfg.nSteps;
  const N = n * T;
  const iterations = Math.ceil(cfg.totalSteps / N);
  const window = opts.returnWindow ?? 20;

  // ---- setup
  const rng = new Rng(cfg.seed);
  const policy = new GaussianMlpPolicy(expertActorConfig(cfg, Do, Da), rng.fork());
  const critic = new CriticObs(expertCriticConfig(cfg, Do), rng.fork());
  const actorVars = policy.trainableVariables();
  const criticVars = critic.trainableVariables();
  const actorOpt = new AdamW(actorVars, { lr: cfg.actorLr, weightDecay: 0, epsilon: 1e-5 });
  const criticOpt = new AdamW(criticVars, { lr: cfg.criticLr, weightDecay: 0, epsilon: 1e-5 });
  const rms = new RunningObsStats(Do);
  const scaler = new RunningRewardScaler(n, { gamma: cfg.gamma });
  let env: VecEnv;
  try {
    env = await (opts.makeVecEnv ?? createVectorEnv)({ taskId: cfg.task, nEnvs: n, actSteps: 1, seed: cfg.seed, maxEpisodeSteps: cfg.maxEpisodeSteps });
  } catch (e) {
    policy.dispose();
    critic.dispose();
    actorOpt.dispose();
    criticOpt.dispose();
    throw e;
  }
  const checkpoint = (itr: number): Checkpoint => ({
    actorConfig: policy.config,
    criticConfig: critic.config,
    normalization: rms.toMinMax(Da),
    weights: new Map([...policy.namedWeights(), ...critic.namedWeights()]),
    provenance: { command: 'dppo expert', task: cfg.task, itr, envSteps: (itr + 1) * N, config: cfg, ...opts.provenance },
  });

  // ---- buffers [T, n, ·] (row t·n + e), reused every iteration
  const obsBuf = new Float32Array(N * Do);
  const actBuf = new Float32Array(N * Da);
  const rewBuf = new Float32Array(N);
  const termBuf = new Uint8Array(N);
  const firstBuf = new Uint8Array(N);
  const envAct = new Float32Array(n * Da);
  const epRet = new Float64Array(n);
  const epLen = new Int32Array(n);
  const recent: number[] = [];

  let rawObs = await env.reset();
  rms.update(rawObs);
  let obs = rms.normalize(rawObs, cfg.obsNormClip);
  let firsts = new Uint8Array(n).fill(1);
  let envSteps = 0;
  let last: ExpertIteration | null = null;
  let completed = 0;
  let reached = false;

  try {
    const lastItr = Math.min(iterations, opts.maxIterations ?? iterations);
    for (let itr = 0; itr < lastItr && !reached; itr++) {
      const lrFrac = cfg.annealLr ? 1 - itr / iterations : 1;
      actorOpt.lr = cfg.actorLr * lrFrac;
      criticOpt.lr = cfg.criticLr * lrFrac;

      // ---- rollout
      const tRollout = wall();
      const std = tf.tidy(() => tf.exp(policy.logStd()).dataSync() as Float32Array);
      let epSum = 0;
      let epLenSum = 0;
      let epCount = 0;
      for (let t = 0; t < T; t++) {
        obsBuf.set(obs, t * n * Do);
        firstBuf.set(firsts, t * n);
        const mu = tf.tidy(() => policy.mean(tf.tensor2d(obs, [n, Do])).dataSync() as Float32Array);
        for (let i = 0; i < n * Da; i++) {
          const a = mu[i] + std[i % Da] * rng.normal();
          actBuf[t * n * Da + i] = a;
          envAct[i] = a < -1 ? -1 : a > 1 ? 1 : a;
        }
        const res = await env.stepChunk(envAct, 1);
        for (let e = 0; e < n; e++) {
          const i = t * n + e;
          rewBuf[i] = res.reward[e];
          termBuf[i] = res.terminated[e];
          epRet[e] += res.reward[e];
          epLen[e] += res.executed[e];
          const done = res.terminated[e] === 1 || res.truncated[e] === 1;
          firsts[e] = done ? 1 : 0;
          if (done) {
            epSum += epRet[e];
            epLenSum += epLen[e];
            epCount++;
            recent.push(epRet[e]);
            if (recent.length > window) recent.shift();
            epRet[e] = 0;
            epLen[e] = 0;
          }
        }
        rawObs = res.obs;
        rms.update(rawObs);
        obs = rms.normalize(rawObs, cfg.obsNormClip);
      }
      envSteps += N;
      const rolloutS = wall() - tRollout;

      // ---- values and old log-probs (no grad, one pass), reward scaling, GAE
      const tUpdate = wall();
      const { values, nextValue, oldLogp } = tf.tidy(() => {
        const o = tf.tensor2d(obsBuf, [N, Do]);
        return {
          values: critic.value(o).dataSync() as Float32Array,
          nextValue: critic.value(tf.tensor2d(obs, [n, Do])).dataSync() as Float32Array,
          oldLogp: tf.sum(policy.elementLogProb(o, tf.tensor3d(actBuf, [N, 1, Da])), [1, 2]).dataSync() as Float32Array,
        };
      });
      firsts = firsts.slice();
      const rewards = cfg.rewardScaleRunning ? scaler.scale(rewBuf, firstBuf) : rewBuf;
      const { advantages, returns } = computeGae({
        rewards, values, nextValue, terminated: termBuf, gamma: cfg.gamma, lambda: cfg.gaeLambda, rewardScaleConst: 1,
      });

      // ---- epochs of minibatches
      const M = cfg.batchSize;
      const numBatch = Math.max(1, Math.floor(N / M));
      const mbObs = new Float32Array(M * Do);
      const mbAct = new Float32Array(M * Da);
      const mbOld = new Float32Array(M);
      const mbAdv = new Float32Array(M);
      const mbRet = new Float32Array(M);
      const acc = { pg: 0, v: 0, kl: 0, clipfrac: 0, n: 0 };
      let klStop = false;
      for (let epoch = 0; epoch < cfg.updateEpochs && !klStop; epoch++) {
        const perm = rng.permutation(N);
        for (let b = 0; b < numBatch; b++) {
          let advMean = 0;
          for (let k = 0; k < M; k++) {
            const i = perm[b * M + k];
            mbObs.set(obsBuf.subarray(i * Do, (i + 1) * Do), k * Do);
            mbAct.set(actBuf.subarray(i * Da, (i + 1) * Da), k * Da);
            mbOld[k] = oldLogp[i];
            mbAdv[k] = advantages[i];
            mbRet[k] = returns[i];
            advMean += advantages[i] / M;
          }
          if (cfg.normAdv && M > 1) {
            let ss = 0;
            for (let k = 0; k < M; k++) ss += (mbAdv[k] - advMean) ** 2;
            const sd = Math.sqrt(ss / (M - 1));
            for (let k = 0; k < M; k++) mbAdv[k] = (mbAdv[k] - advMean) / (sd + 1e-8);
          }
          let kept: tf.Tensor | null = null;
          tf.tidy(() => {
            const o = tf.tensor2d(mbObs, [M, Do]);
            const a = tf.tensor3d(mbAct, [M, 1, Da]);
            const old = tf.tensor1d(mbOld);
            const adv = tf.tensor1d(mbAdv);
            const ret = tf.tensor1d(mbRet);
            // One backward pass for both losses (the critic's does not reach the actor's weights and vice
            // versa), then each network's own global-norm clip and Adam step.
            const { grads } = tf.variableGrads(() => {
              const logp = tf.sum(policy.elementLogProb(o, a), [1, 2]);
              const logRatio = tf.sub(logp, old);
              const ratio = tf.exp(logRatio);
              const clipped = tf.clipByValue(ratio, 1 - cfg.clipPlossCoef, 1 + cfg.clipPlossCoef);
              const pgLoss = tf.mean(tf.maximum(tf.mul(tf.neg(adv), ratio), tf.mul(tf.neg(adv), clipped)));
              // http://joschu.net/blog/kl-approx.html: KL ≈ mean((r − 1) − log r)
              const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
              const clipfrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipPlossCoef), 'float32'));
              const vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(critic.value(o), ret))));
              kept = tf.keep(tf.stack([pgLoss, approxKl, clipfrac, vLoss]));
              const actorLoss = cfg.entCoef === 0 ? pgLoss : tf.sub(pgLoss, tf.mul(cfg.entCoef, tf.sum(tf.add(policy.logStd(), HALF_LOG_2PI_E))));
              return tf.add(actorLoss, vLoss) as tf.Scalar;
            }, [...actorVars, ...criticVars]);
            const stepOn = (opt: AdamW, vars: tf.Variable[]) => {
              let g: tf.NamedTensorMap = {};
              for (const x of vars) g[x.name] = grads[x.name];
              if (cfg.maxGradNorm > 0) g = clipGradNorm(g, cfg.maxGradNorm).grads;
              opt.step(g);
            };
            stepOn(actorOpt, actorVars);
            stepOn(criticOpt, criticVars);
          });
          const s = (kept as tf.Tensor | null)!.dataSync();
          (kept as tf.Tensor | null)?.dispose();
          pgCheck(s, itr);
          acc.pg += s[0];
          acc.kl += s[1];
          acc.clipfrac += s[2];
          acc.v += s[3];
          acc.n++;
          if (cfg.targetKl > 0 && s[1] > cfg.targetKl) {
            klStop = true;
            break;
          }
        }
      }
      const recentReturn = recent.length ? recent.reduce((x, y) => x + y, 0) / recent.length : NaN;
      last = {
        itr,
        iterations,
        env_steps: envSteps,
        wall_s: wall(),
        avg_return: epCount ? epSum / epCount : NaN,
        avg_length: epCount ? epLenSum / epCount : NaN,
        num_episodes: epCount,
        recent_return: recentReturn,
        std: std.reduce((x, y) => x + y, 0) / Da,
        policy_loss: acc.pg / acc.n,
        value_loss: acc.v / acc.n,
        approx_kl: acc.kl / acc.n,
        clipfrac: acc.clipfrac / acc.n,
        explained_variance: explainedVariance(values, returns),
        actor_lr: actorOpt.lr,
        rollout_s: rolloutS,
        update_s: wall() - tUpdate,
      };
      completed = itr + 1;
      reached = opts.stopAtReturn !== undefined && recent.length >= window && recentReturn >= opts.stopAtReturn;
      await opts.onIteration?.(last, () => checkpoint(itr));
    }
    const summary: Record<string, number | boolean | string> = {
      final: true,
      task: cfg.task,
      seed: cfg.seed,
      iterations: completed,
      env_steps: envSteps,
      avg_return: last?.avg_return ?? NaN,
      recent_return: last?.recent_return ?? NaN,
      reached_target: reached,
      wall_s: wall(),
    };
    return {
      summary,
      checkpoint: () => checkpoint(completed - 1),
      dispose: () => {
        policy.dispose();
        critic.dispose();
      },
    };
  } catch (err) {
    policy.dispose();
    critic.dispose();
    throw err;
  } finally {
    await env.dispose();
    actorOpt.dispose();
    criticOpt.dispose();
  }
}

/** A non-finite loss ends the run with a message that says what to change. */
function pgCheck(s: ArrayLike<number>, itr: number): void {
  for (let i = 0; i < s.length; i++) {
    if (!Number.isFinite(s[i])) {
      throw new UserError(`dppo expert diverged at iteration ${itr}: a ${['policy loss', 'approx KL', 'clip fraction', 'value loss'][i]} became non-finite. Try a smaller actorLr/criticLr or maxGradNorm.`);
    }
  }
}
