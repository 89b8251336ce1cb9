/**
 * PPO fine-tuning — one readable loop for DPPO, Gaussian-PPO and GMM-PPO (cleanrl style; spec/dppo-reference.md
 * §4.9): setup → rollout → values/old log-probs → reward scaling → GAE → epochs of minibatches over
 * (env sample, denoising step) pairs → KL stop → emit. Generic over the Policy interface: a diffusion policy
 * has K′ PPO items per env sample, Gaussian/GMM one.
 *
 * Legend: T nSteps, n nEnvs, N = T·n env samples, K′ ftDenoisingSteps, P = ppoStepsPerSample, M minibatch.
 */
import type { FinetuneConfig } from '../config/finetune';
import { criticConfigFor } from '../config/model';
import { Rng } from '../core/rng';
import type { Checkpoint } from '../policy/checkpoint';
import { CriticObs } from '../policy/critic';
import { AdamW } from '../policy/adamw';
import { policyFromCheckpoint } from '../policy/index';
import type { Normalizer } from '../policy/normalizer';
import type { Critic, Policy } from '../policy/types';
import { computeGae } from '../rl/gae';
import { CosineAnnealingWarmupRestarts } from '../rl/lrSchedule';
import { episodeMetrics } from '../rl/metrics';
import { clipCoefficients, explainedVariance } from '../rl/ppoLoss';
import { RunningRewardScaler } from '../rl/rewardScaling';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import { createVectorEnv } from '../sim/vectorEnv';
import { NormalizedVecEnv } from './normalizedVecEnv';
import { alwaysRun, type MetricKey, type RunControl, type TrainEventSink } from './events';
import { collectRollout, extractPaths } from './rollout';
import { assertCheckpointFitsTask } from './taskCheck';
import { computeValuesAndLogProbs, ppoMinibatchStep, type UpdateBatch } from './ppoUpdate';

export interface FinetuneHandles {
  /** The policy being fine-tuned (live weights). */
  policy: Policy;
  /** The pre-trained policy: the same object for diffusion (sample with useBaseActor), a frozen copy otherwise. */
  basePolicy: Policy;
  normalizer: Normalizer;
  currentItr(): number;
}

export interface FinetuneOptions {
  config: FinetuneConfig;
  checkpoint: Checkpoint;
  sink: TrainEventSink;
  control?: RunControl;
  onReady?: (h: FinetuneHandles) => void;
  /** Run one deterministic evaluation round after training (summary `eval_success_rate`). */
  finalEval?: boolean;
  /** Builds the envs (default: in-process; a worker pool or the bridge can stand in). */
  makeVecEnv?: (opts: VecEnvOptions) => Promise<VecEnv>;
}

export interface FinetuneResult {
  summary: Record<string, number | boolean | string>;
  policy: Policy;
  critic: Critic;
  normalizer: Normalizer;
  /** Releases the policies and critic. */
  dispose(): void;
}

export async function finetunePpo(opts: FinetuneOptions): Promise<FinetuneResult> {
  const { config: cfg, sink } = opts;
  const control = opts.control ?? alwaysRun;
  const t0 = performance.now();
  const wall = () => (performance.now() - t0) / 1000;

  // ---- setup
  const rng = new Rng(cfg.seed);
  assertCheckpointFitsTask(opts.checkpoint, cfg.task);
  const loaded = policyFromCheckpoint(opts.checkpoint, rng.fork());
  const policy = loaded.policy;
  const normalizer = loaded.normalizer;
  const critic: Critic = loaded.critic ?? new CriticObs(criticConfigFor(policy.config), rng.fork());
  policy.prepareFinetune?.(cfg.ftDenoisingSteps);
  const basePolicy = policy.prepareFinetune ? policy : policyFromCheckpoint(opts.checkpoint, rng.fork()).policy;
  const { horizonSteps: Ta, actionDim: Da, actSteps } = policy.config;
  const P = policy.ppoStepsPerSample;
  const rawEnv = await (opts.makeVecEnv ?? createVectorEnv)({ taskId: cfg.task, nEnvs: cfg.nEnvs, actSteps, seed: cfg.seed, maxEpisodeSteps: cfg.maxEpisodeSteps });
  const venv = new NormalizedVecEnv(rawEnv, normalizer);
  const actorOpt = new AdamW(policy.trainableVariables(), { lr: cfg.actorLr, weightDecay: cfg.actorWeightDecay });
  const criticOpt = new AdamW(critic.trainableVariables(), { lr: cfg.criticLr, weightDecay: cfg.criticWeightDecay });
  const actorSched = new CosineAnnealingWarmupRestarts({ firstCycleSteps: cfg.lrFirstCycleSteps, maxLr: cfg.actorLr, minLr: cfg.actorMinLr, warmupSteps: cfg.lrWarmupSteps });
  const criticSched = new CosineAnnealingWarmupRestarts({ firstCycleSteps: cfg.lrFirstCycleSteps, maxLr: cfg.criticLr, minLr: cfg.criticMinLr, warmupSteps: cfg.lrWarmupSteps });
  const scaler = new RunningRewardScaler(cfg.nEnvs, { gamma: 0.99 });
  const clipCoefs = clipCoefficients(P, cfg.clipPlossCoefBase, cfg.clipPlossCoef, cfg.clipPlossCoefRate);
  const envStepsPerItr = cfg.nEnvs * cfg.nSteps * actSteps;
  let itr = 0;
  opts.onReady?.({ policy, basePolicy, normalizer, currentItr: () => itr });
  sink({ type: 'start', runId: '', totalIterations: cfg.nTrainItr, envStepsPerIteration: envStepsPerItr });

  let obs = await venv.reset();
  let firsts = new Uint8Array(cfg.nEnvs).fill(1);
  let envSteps = 0;
  let pretrainedSuccess = NaN;
  let last: Partial<Record<MetricKey, number>> = {};
  try {
    for (itr = 0; itr < cfg.nTrainItr && !control.stopped; itr++) {
      const evalItr = !cfg.forceTrain && itr % cfg.valFreq === 0;
      if (cfg.resetAtIteration || evalItr) {
        obs = await venv.reset();
        firsts = new Uint8Array(cfg.nEnvs).fill(1);
      }
      actorOpt.lr = actorSched.lr;
      criticOpt.lr = criticSched.lr;

      // ---- rollout (spec §4.1)
      const tRollout = performance.now();
      const buf = await collectRollout(policy, venv, obs, firsts, cfg.nSteps, rng, {
        deterministic: evalItr,
        minSamplingDenoisingStd: cfg.minSamplingDenoisingStd,
        randnClipValue: cfg.randnClipValue,
        onStep: async (t) => {
          sink({ type: 'progress', phase: evalItr ? 'eval' : 'rollout', itr, fraction: (t + 1) / cfg.nSteps });
          await control.checkpoint();
        },
      });
      obs = buf.finalObs;
      const rolloutS = (performance.now() - tRollout) / 1000;
      firsts = buf.firsts.slice(cfg.nSteps * cfg.nEnvs);
      const ep = episodeMetrics({ rewards: buf.rewards, firsts: buf.firsts, nEnvs: cfg.nEnvs, actSteps, successThreshold: cfg.bestRewardThresholdForSuccess });
      if (itr === 0) pretrainedSuccess = ep.successRate;
      sink({ type: 'paths', itr, paths: extractPaths(buf, cfg.bestRewardThresholdForSuccess) });
      const metrics: Partial<Record<MetricKey, number>> = {
        'charts/success_rate': ep.successRate,
        'charts/avg_return': ep.avgReturn,
        'charts/avg_best_reward': ep.avgBestReward,
        'charts/num_episodes': ep.numEpisodes,
        'train/eval_iteration': evalItr ? 1 : 0,
        'time/rollout_s': rolloutS,
      };

      if (!evalItr && !control.stopped) {
        envSteps += envStepsPerItr;
        // ---- values and old log-probs under the pre-update actor (spec §4.3)
        sink({ type: 'progress', phase: 'values', itr, fraction: 0 });
        const tValues = performance.now();
        const { values, nextValues, oldLogp } = await computeValuesAndLogProbs(policy, critic, buf, cfg);
        metrics['time/values_s'] = (performance.now() - tValues) / 1000;
        const tUpdate = performance.now();
        // ---- reward scaling and GAE (spec §4.3, §4.4)
        const rewards = cfg.rewardScaleRunning ? scaler.scale(buf.rewards, buf.firsts.subarray(0, cfg.nSteps * cfg.nEnvs)) : buf.rewards;
        const { advantages, returns } = computeGae({
          rewards, values, nextValue: nextValues, terminated: buf.terminated,
          gamma: cfg.gamma, lambda: cfg.gaeLambda, rewardScaleConst: cfg.rewardScaleConst,
        });
        // ---- epochs of minibatches over N·P (env sample, denoising step) pairs (spec §4.5)
        const N = cfg.nSteps * cfg.nEnvs;
        const items = N * P;
        const mb = Math.min(cfg.batchSize, items);
        const numBatch = Math.max(1, Math.floor(items / cfg.batchSize));
        const trainActor = itr >= cfg.nCriticWarmupItr;
        const batch: UpdateBatch = { buf, advantages, returns, oldLogp, clipCoefs, gammaDenoising: cfg.gammaDenoising, P, Ta, Da };
        const acc = { pg: 0, v: 0, kl: 0, clipfrac: 0, actorGrad: 0, criticGrad: 0, n: 0 };
        let klStop = false;
        for (let epoch = 0; epoch < cfg.updateEpochs && !klStop && !control.stopped; epoch++) {
          const perm = rng.permutation(items);
          for (let b = 0; b < numBatch; b++) {
            const stats = ppoMinibatchStep(policy, critic, batch, perm.subarray(b * mb, (b + 1) * mb), cfg, trainActor ? actorOpt : null, criticOpt);
            acc.pg += stats.pgLoss; acc.v += stats.vLoss; acc.kl += stats.approxKl; acc.clipfrac += stats.clipfrac; acc.n++;
            acc.actorGrad += stats.actorGradNorm; acc.criticGrad += stats.criticGradNorm;
            sink({ type: 'progress', phase: 'update', itr, fraction: (epoch * numBatch + b + 1) / (cfg.updateEpochs * numBatch) });
            await control.checkpoint();
            if (stats.approxKl > cfg.targetKl) { klStop = true; break; }
          }
        }
        Object.assign(metrics, {
          'losses/policy_loss': acc.pg / acc.n,
          'losses/value_loss': acc.v / acc.n,
          'losses/approx_kl': acc.kl / acc.n,
          'losses/clipfrac': acc.clipfrac / acc.n,
          'losses/explained_variance': explainedVariance(values, returns),
          // Pre-clip gradient norms (mean over minibatches); compare with maxGradNorm.
          'losses/actor_grad_norm': acc.actorGrad / acc.n,
          'losses/critic_grad_norm': acc.criticGrad / acc.n,
          'time/update_s': (performance.now() - tUpdate) / 1000,
        });
      }
      // Schedulers step every iteration, eval ones included; the actor's only after critic warm-up (§4.7).
      criticSched.step();
      if (itr >= cfg.nCriticWarmupItr) actorSched.step();
      Object.assign(metrics, {
        'charts/env_steps': envSteps,
        'charts/wall_s': wall(),
        'charts/env_steps_per_s': envSteps / Math.max(wall(), 1e-9),
        'train/actor_lr': actorOpt.lr,
        'train/critic_lr': criticOpt.lr,
      });
      last = metrics;
      sink({ type: 'iteration', itr, envSteps, wallS: wall(), metrics });
    }
    const summary: Record<string, number | boolean | string> = {
      final: true,
      task: cfg.task,
      algo: cfg.algo,
      seed: cfg.seed,
      itr: itr,
      success_rate: last['charts/success_rate'] ?? NaN,
      avg_return: last['charts/avg_return'] ?? NaN,
      env_steps: envSteps,
      wall_s: wall(),
      pretrained_success_rate: pretrainedSuccess,
      clipfrac: last['losses/clipfrac'] ?? NaN,
      approx_kl: last['losses/approx_kl'] ?? NaN,
      v_loss: last['losses/value_loss'] ?? NaN,
      stopped: control.stopped,
    };
    if (opts.finalEval && !control.stopped) {
      sink({ type: 'progress', phase: 'eval', itr, fraction: 0 });
      const evalObs = await venv.reset();
      const evalBuf = await collectRollout(policy, venv, evalObs, new Uint8Array(cfg.nEnvs).fill(1), Math.ceil(cfg.maxEpisodeSteps / actSteps), rng, {
        deterministic: true, minSamplingDenoisingStd: cfg.minSamplingDenoisingStd, randnClipValue: cfg.randnClipValue,
      });
      const evalEp = episodeMetrics({ rewards: evalBuf.rewards, firsts: evalBuf.firsts, nEnvs: cfg.nEnvs, actSteps, successThreshold: cfg.bestRewardThresholdForSuccess });
      summary.eval_success_rate = evalEp.successRate;
      summary.wall_s = wall();
    }
    sink({ type: 'done', summary });
    return {
      summary,
      policy,
      critic,
      normalizer,
      dispose: () => {
        if (basePolicy !== policy) basePolicy.dispose();
        policy.dispose();
        critic.dispose();
      },
    };
  } catch (err) {
    if (basePolicy !== policy) basePolicy.dispose();
    policy.dispose();
    critic.dispose();
    throw err;
  } finally {
    await rawEnv.dispose();
    actorOpt.dispose();
    criticOpt.dispose();
  }
}
