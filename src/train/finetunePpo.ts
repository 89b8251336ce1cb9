/**
 * PPO fine-tuning — one readable loop for DPPO, Gaussian-PPO and GMM-PPO (cleanrl style; spec/dppo-reference.md
 * §4.9): setup → rollout → values/old log-probs → reward scaling → GAE → epochs of minibatches over
 * (env sample, denoising step) pairs → KL stop → emit. Generic over the Policy interface: a diffusion policy
 * has K′ PPO items per env sample, Gaussian/GMM one.
 *
 * Guards (issue 13): the divergence guard (divergence.ts) checks actions, values, losses, gradient norms and
 * parameters for non-finite values (halt with a DivergenceError carrying the last good weights) and warns
 * about collapses; time is counted only while the run is not paused; a stop abandons the iteration in
 * progress (no 'iteration' event, a partial update undone), so every recorded point is a whole iteration.
 *
 * Runs persist and resume (issue 10; trainingState.ts, docs/runs.md): every `stateEvery` complete iterations
 * the loop hands `onState` a TrainingState; `resume` starts from one, and the resumed iterations equal the
 * uninterrupted run's bit for bit (same backend), because everything the next iteration reads is in it.
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
import { cacheOnHost } from '../policy/tfSetup';
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
import { collapseSettingsFrom, DivergenceError, DivergenceGuard, type CollapseSettings, type CollapseWarning } from './divergence';
import { alwaysRun, type MetricKey, type RunControl, type TrainEventSink } from './events';
import { collectRollout, extractPaths } from './rollout';
import { assertCheckpointFitsTask } from './taskCheck';
import { computeValuesAndLogProbs, ppoMinibatchStepAsync, type MinibatchStats, type UpdateBatch } from './ppoUpdate';
import { restoreSnapshot, takeSnapshot, type WeightSnapshot } from './weightSnapshot';
import { configMismatch, type TrainingState } from './trainingState';
import { UserError } from '../core/errors';

export interface FinetuneHandles {
  /** The policy being fine-tuned (live weights). */
  policy: Policy;
  /** The pre-trained policy: the same object for diffusion (sample with useBaseActor), a frozen copy otherwise. */
  basePolicy: Policy;
  /** The critic being trained (live weights). */
  critic: Critic;
  normalizer: Normalizer;
  /** The iteration in progress; after the loop, the number of complete iterations. */
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
  /** Overrides the collapse detector's settings (default: COLLAPSE_DEFAULTS and any `collapse*` config keys). */
  collapse?: Partial<CollapseSettings>;
  /** Continue a run from its saved training state (same checkpoint and config; nTrainItr may differ). */
  resume?: TrainingState;
  /**
   * Receives the training state (and the checkpoint of the same weights) after every `stateEvery`-th complete
   * iteration and after the last one. When the state cannot be saved (envs that keep running across
   * iterations but cannot be snapshotted, e.g. the worker pool or a bridge) it is called once with state
   * null and the reason, and the run goes on.
   */
  onState?: (saved: SavedState) => void | Promise<void>;
  /** How often `onState` is called, in complete iterations (default 1). */
  stateEvery?: number;
}

export type SavedState = { state: TrainingState; checkpoint: () => Checkpoint } | { state: null; reason: string };

export interface FinetuneResult {
  summary: Record<string, number | boolean | string>;
  policy: Policy;
  critic: Critic;
  normalizer: Normalizer;
  /** The live weights (the last complete iteration's) as a checkpoint. */
  checkpoint(): Checkpoint;
  /** The iteration after which the last good weights were taken (divergence.ts; −1 = the starting weights). */
  lastGoodItr: number;
  /** The last good weights as a checkpoint (the live weights are left as they are). */
  lastGoodCheckpoint(): Promise<Checkpoint>;
  /** Releases the policies and critic. */
  dispose(): void;
}

/** Variable names without tfjs' unique numeric suffix (`…weight_36` → `…weight`), stable across processes. */
function varNames(vars: readonly { name: string }[]): string[] {
  return vars.map((v) => v.name.replace(/_\d+$/, ''));
}

/** Thrown at a checkpoint once stop was requested: the loop drops the iteration in progress. */
class StopRequested extends Error {}

export async function finetunePpo(opts: FinetuneOptions): Promise<FinetuneResult> {
  const { config: cfg, sink } = opts;
  const control = opts.control ?? alwaysRun;
  const t0 = performance.now();
  const resume = opts.resume;
  // Running seconds: paused time is not work, so wall-clock, phase timings and throughput leave it out.
  // A resumed run continues the running seconds of the run it resumes.
  const paused = () => (control.pausedMs ?? 0) / 1000;
  const wallBefore = resume?.wallS ?? 0;
  const running = () => wallBefore + (performance.now() - t0) / 1000 - paused();
  const checkpoint = async () => {
    await control.checkpoint();
    if (control.stopped) throw new StopRequested();
  };

  // ---- setup
  if (resume) {
    const diff = configMismatch(resume.config, cfg);
    if (diff.length) throw new UserError(`The saved training state belongs to a run with other settings (${diff.join(', ')}); resume with the run's own config.`);
    if (resume.itr > cfg.nTrainItr) throw new UserError(`The saved training state is after iteration ${resume.itr - 1}, beyond nTrainItr = ${cfg.nTrainItr}.`);
  }
  const stateEvery = opts.stateEvery ?? 1;
  if (!Number.isInteger(stateEvery) || stateEvery < 1) throw new UserError(`stateEvery must be a positive integer, got ${stateEvery}.`);
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
  const actorVars = policy.trainableVariables();
  const criticVars = critic.trainableVariables();
  /** Every weight a checkpoint holds (cacheOnHost before checkpointOf's synchronous reads). */
  const allWeights = () => [...new Set([...policy.pretrainVariables(), ...actorVars, ...criticVars])];
  const checkpointOf = (itr: number): Checkpoint => ({
    actorConfig: policy.config,
    criticConfig: loaded.critic && opts.checkpoint.criticConfig ? opts.checkpoint.criticConfig : criticConfigFor(policy.config),
    normalization: normalizer.stats,
    weights: new Map([...policy.namedWeights(), ...critic.namedWeights()]),
    provenance: { command: 'finetune', task: cfg.task, algo: cfg.algo, itr, ftDenoisingSteps: cfg.ftDenoisingSteps, config: cfg },
  });
  const rawEnv = await (opts.makeVecEnv ?? createVectorEnv)({ taskId: cfg.task, nEnvs: cfg.nEnvs, actSteps, seed: cfg.seed, maxEpisodeSteps: cfg.maxEpisodeSteps });
  const venv = new NormalizedVecEnv(rawEnv, normalizer);
  const actorOpt = new AdamW(actorVars, { lr: cfg.actorLr, weightDecay: cfg.actorWeightDecay });
  const criticOpt = new AdamW(criticVars, { lr: cfg.criticLr, weightDecay: cfg.criticWeightDecay });
  const actorSched = new CosineAnnealingWarmupRestarts({ firstCycleSteps: cfg.lrFirstCycleSteps, maxLr: cfg.actorLr, minLr: cfg.actorMinLr, warmupSteps: cfg.lrWarmupSteps });
  const criticSched = new CosineAnnealingWarmupRestarts({ firstCycleSteps: cfg.lrFirstCycleSteps, maxLr: cfg.criticLr, minLr: cfg.criticMinLr, warmupSteps: cfg.lrWarmupSteps });
  const scaler = new RunningRewardScaler(cfg.nEnvs, { gamma: 0.99 });
  const clipCoefs = clipCoefficients(P, cfg.clipPlossCoefBase, cfg.clipPlossCoef, cfg.clipPlossCoefRate);
  const envStepsPerItr = cfg.nEnvs * cfg.nSteps * actSteps;
  const guard = new DivergenceGuard(collapseSettingsFrom(cfg, opts.collapse), cfg.targetKl, cfg);
  const checkStats = (s: MinibatchStats, itr: number) => {
    guard.checkFinite('policy loss', s.pgLoss, itr);
    guard.checkFinite('value loss', s.vLoss, itr);
    guard.checkFinite('approx KL', s.approxKl, itr);
    guard.checkFinite('actor gradient norm', s.actorGradNorm, itr);
    guard.checkFinite('critic gradient norm', s.criticGradNorm, itr);
  };
  // Weights after the last complete iteration, the last good ones, and those awaiting the next rollout's
  // verdict (divergence.ts: W_k is good once rollout k+1, which samples it, passes the checks).
  let obs: Float32Array;
  let firsts: Uint8Array;
  let envSteps = 0;
  let completed = 0;
  let pretrainedSuccess = NaN;
  let pretrainedReturn = NaN;
  let warningCount = 0;
  let last: Partial<Record<MetricKey, number>> = {};
  if (resume) {
    try {
      ({ obs, firsts } = await applyTrainingState(resume));
    } catch (err) {
      await rawEnv.dispose();
      actorOpt.dispose();
      criticOpt.dispose();
      if (basePolicy !== policy) basePolicy.dispose();
      policy.dispose();
      critic.dispose();
      throw err;
    }
    envSteps = resume.envSteps;
    completed = resume.itr;
    pretrainedSuccess = resume.pretrainedSuccess;
    pretrainedReturn = resume.pretrainedReturn ?? NaN;
    warningCount = resume.warningCount;
    last = { ...resume.last };
  } else {
    obs = await venv.reset();
    firsts = new Uint8Array(cfg.nEnvs).fill(1);
  }
  // After a resume the last good weights are the resumed ones (the earlier ones are not saved).
  let latest: WeightSnapshot = await takeSnapshot(completed - 1, actorVars, criticVars);
  let lastGood = latest;
  let candidate: WeightSnapshot | null = latest;
  let itr = completed;
  opts.onReady?.({ policy, basePolicy, critic, normalizer, currentItr: () => itr });
  sink({ type: 'start', runId: '', totalIterations: cfg.nTrainItr, envStepsPerIteration: envStepsPerItr, config: cfg });

  /** Everything the next iteration reads (trainingState.ts); weights = `latest`, the last complete iteration's. */
  let stateUnavailable = false;
  async function captureState(): Promise<TrainingState | null> {
    const env = rawEnv.snapshot ? await rawEnv.snapshot() : null;
    if (!env && !cfg.resetAtIteration) return null;
    return {
      itr: completed,
      config: cfg,
      envSteps,
      wallS: running(),
      pretrainedSuccess,
      pretrainedReturn,
      warningCount,
      last: { ...last },
      rng: rng.getState(),
      actorSchedSteps: actorSched.stepsTaken,
      criticSchedSteps: criticSched.stepsTaken,
      scaler: scaler.getState(),
      guard: guard.exportState(),
      actorOpt: await actorOpt.exportState(),
      criticOpt: await criticOpt.exportState(),
      actor: latest.actor.map((x) => x.slice()),
      critic: latest.critic.map((x) => x.slice()),
      actorNames: varNames(actorVars),
      criticNames: varNames(criticVars),
      obs: obs.slice(),
      firsts: firsts.slice(),
      env,
    };
  }

  async function applyTrainingState(s: TrainingState): Promise<{ obs: Float32Array; firsts: Uint8Array }> {
    const sizes = (vars: typeof actorVars) => vars.map((v) => v.size).join(',');
    if (s.actor.length !== actorVars.length || s.critic.length !== criticVars.length || s.actor.map((x) => x.length).join(',') !== sizes(actorVars) || s.critic.map((x) => x.length).join(',') !== sizes(criticVars)) {
      throw new UserError('The saved training state does not fit this checkpoint (its weights have other shapes); resume from the checkpoint the run started with.');
    }
    if (s.actorNames.join() !== varNames(actorVars).join() || s.criticNames.join() !== varNames(criticVars).join()) {
      throw new UserError('The saved training state names other weights than this checkpoint has; resume from the checkpoint the run started with.');
    }
    if (s.obs.length !== cfg.nEnvs * rawEnv.spec.obsDim || s.firsts.length !== cfg.nEnvs) throw new UserError('The saved training state has observations of another shape than this run.');
    restoreSnapshot({ itr: s.itr - 1, actor: s.actor, critic: s.critic, nonFinite: null }, actorVars, criticVars);
    actorOpt.importState(s.actorOpt);
    criticOpt.importState(s.criticOpt);
    actorSched.fastForward(s.actorSchedSteps);
    criticSched.fastForward(s.criticSchedSteps);
    scaler.loadState(s.scaler);
    guard.importState(s.guard);
    rng.setState(s.rng);
    if (s.env && rawEnv.restore) {
      await rawEnv.restore(s.env);
    } else if (!cfg.resetAtIteration) {
      throw new UserError('The saved training state has no env snapshot, which a run that does not reset its envs at each iteration needs.');
    } else {
      await venv.reset(); // the envs are reset before the next rollout anyway
    }
    return { obs: s.obs.slice(), firsts: s.firsts.slice() };
  }

  try {
    for (; itr < cfg.nTrainItr && !control.stopped; itr++) {
      const evalItr = !cfg.forceTrain && itr % cfg.valFreq === 0;
      const tItr = running();
      const pausedBefore = paused();
      let updating = false;
      try {
        if (cfg.resetAtIteration || evalItr) {
          obs = await venv.reset();
          firsts = new Uint8Array(cfg.nEnvs).fill(1);
        }
        actorOpt.lr = actorSched.lr;
        criticOpt.lr = criticSched.lr;

        // ---- rollout (spec §4.1); actions are checked before the env sees them
        const tRollout = running();
        const buf = await collectRollout(policy, venv, obs, firsts, cfg.nSteps, rng, {
          deterministic: evalItr,
          minSamplingDenoisingStd: cfg.minSamplingDenoisingStd,
          randnClipValue: cfg.randnClipValue,
          checkActions: (a) => guard.checkFinite('sampled action', a, itr),
          onStep: async (t) => {
            sink({ type: 'progress', phase: evalItr ? 'eval' : 'rollout', itr, fraction: (t + 1) / cfg.nSteps });
            await checkpoint();
          },
        });
        obs = buf.finalObs;
        firsts = buf.firsts.slice(cfg.nSteps * cfg.nEnvs);
        const ep = episodeMetrics({ rewards: buf.rewards, firsts: buf.firsts, nEnvs: cfg.nEnvs, actSteps, successThreshold: cfg.bestRewardThresholdForSuccess });
        const metrics: Partial<Record<MetricKey, number>> = {
          'charts/success_rate': ep.successRate,
          'charts/avg_return': ep.avgReturn,
          'charts/avg_best_reward': ep.avgBestReward,
          'charts/num_episodes': ep.numEpisodes,
          'train/eval_iteration': evalItr ? 1 : 0,
          'time/rollout_s': running() - tRollout,
        };
        const seen = guard.observeRollout(itr, { successRate: ep.successRate, avgReturn: ep.avgReturn, numEpisodes: ep.numEpisodes, evalItr });
        const warnings: CollapseWarning[] = [...seen.warnings];

        if (!evalItr) {
          // ---- values and old log-probs under the pre-update actor (spec §4.3)
          sink({ type: 'progress', phase: 'values', itr, fraction: 0 });
          const tValues = running();
          const { values, nextValues, oldLogp } = await computeValuesAndLogProbs(policy, critic, buf, cfg);
          guard.checkFinite('value estimate', values, itr);
          guard.checkFinite('value estimate', nextValues, itr);
          guard.checkFinite('old log-probability', oldLogp, itr);
          metrics['time/values_s'] = running() - tValues;
          await checkpoint();
          // The rollout sampled the previous iteration's weights without trouble: they are good.
          if (candidate && !seen.flagged) lastGood = candidate;
          const tUpdate = running();
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
          updating = true;
          for (let epoch = 0; epoch < cfg.updateEpochs && !klStop; epoch++) {
            const perm = rng.permutation(items);
            for (let b = 0; b < numBatch; b++) {
              const stats = await ppoMinibatchStepAsync(policy, critic, batch, perm.subarray(b * mb, (b + 1) * mb), cfg, trainActor ? actorOpt : null, criticOpt);
              checkStats(stats, itr);
              acc.pg += stats.pgLoss; acc.v += stats.vLoss; acc.kl += stats.approxKl; acc.clipfrac += stats.clipfrac; acc.n++;
              acc.actorGrad += stats.actorGradNorm; acc.criticGrad += stats.criticGradNorm;
              sink({ type: 'progress', phase: 'update', itr, fraction: (epoch * numBatch + b + 1) / (cfg.updateEpochs * numBatch) });
              await checkpoint();
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
            'time/update_s': running() - tUpdate,
          });
          const upd = guard.observeUpdate(itr, { approxKl: acc.kl / acc.n, clipfrac: acc.clipfrac / acc.n });
          warnings.push(...upd.warnings);
          const snap = await takeSnapshot(itr, actorVars, criticVars);
          if (snap.nonFinite) guard.checkFinite(snap.nonFinite, NaN, itr);
          latest = snap;
          candidate = upd.flagged ? null : snap;
          envSteps += envStepsPerItr;
        } else {
          // An eval iteration changes no weights: the previous ones stay the candidate if this rollout passed.
          const confirmed: boolean = candidate !== null && !seen.flagged;
          if (confirmed) lastGood = candidate!;
          candidate = confirmed ? latest : null;
        }
        // Schedulers step every iteration, eval ones included; the actor's only after critic warm-up (§4.7).
        criticSched.step();
        if (itr >= cfg.nCriticWarmupItr) actorSched.step();
        const wallS = running();
        Object.assign(metrics, {
          'charts/env_steps': envSteps,
          'charts/wall_s': wallS,
          'charts/env_steps_per_s': envSteps / Math.max(wallS, 1e-9),
          'train/actor_lr': actorOpt.lr,
          'train/critic_lr': criticOpt.lr,
          'time/iteration_s': wallS - tItr,
          'time/paused_s': paused() - pausedBefore,
        });
        // ---- emit: the iteration is complete (paths first so the trajectory panel and the point agree)
        if (itr === 0) {
          pretrainedSuccess = ep.successRate;
          pretrainedReturn = metrics['charts/avg_return'] ?? NaN;
        }
        last = metrics;
        completed = itr + 1;
        sink({ type: 'paths', itr, paths: extractPaths(buf, cfg.bestRewardThresholdForSuccess) });
        sink({ type: 'iteration', itr, envSteps, wallS, metrics });
        for (const w of warnings) {
          warningCount++;
          sink({ type: 'warning', ...w });
          const halt = guard.haltFor(w);
          if (halt) throw halt;
        }
        if (opts.onState && !stateUnavailable && (completed % stateEvery === 0 || completed === cfg.nTrainItr)) {
          const state = await captureState();
          if (state) {
            const at = completed - 1;
            await cacheOnHost(allWeights()); // the state's checkpoint() reads synchronously (unsafe on WebGPU otherwise)
            await opts.onState({ state, checkpoint: () => checkpointOf(at) });
          } else {
            stateUnavailable = true;
            await opts.onState({ state: null, reason: 'its envs keep running across iterations (resetAtIteration off) and these envs cannot be snapshotted (only the in-process envs can)' });
          }
        }
      } catch (err) {
        if (!(err instanceof StopRequested)) throw err;
        // Stop mid-iteration: drop it, undoing a partial update so the weights match the last point.
        if (updating) restoreSnapshot(latest, actorVars, criticVars);
        break;
      }
    }
    const summary: Record<string, number | boolean | string> = {
      final: true,
      task: cfg.task,
      algo: cfg.algo,
      seed: cfg.seed,
      // The last complete iteration (−1: none) and how many there were.
      itr: completed - 1,
      iterations: completed,
      success_rate: last['charts/success_rate'] ?? NaN,
      avg_return: last['charts/avg_return'] ?? NaN,
      env_steps: envSteps,
      wall_s: running(),
      paused_s: paused(),
      pretrained_success_rate: pretrainedSuccess,
      // Iteration 0 is the pre-trained policy sampling with the run's exploration noise (no update yet).
      pretrained_avg_return: pretrainedReturn,
      clipfrac: last['losses/clipfrac'] ?? NaN,
      approx_kl: last['losses/approx_kl'] ?? NaN,
      v_loss: last['losses/value_loss'] ?? NaN,
      stopped: control.stopped,
      collapse_warnings: warningCount,
      last_good_itr: lastGood.itr,
    };
    if (opts.finalEval && !control.stopped) {
      sink({ type: 'progress', phase: 'eval', itr, fraction: 0 });
      const evalObs = await venv.reset();
      const evalBuf = await collectRollout(policy, venv, evalObs, new Uint8Array(cfg.nEnvs).fill(1), Math.ceil(cfg.maxEpisodeSteps / actSteps), rng, {
        deterministic: true, minSamplingDenoisingStd: cfg.minSamplingDenoisingStd, randnClipValue: cfg.randnClipValue,
        checkActions: (a) => guard.checkFinite('sampled action', a, itr),
      });
      const evalEp = episodeMetrics({ rewards: evalBuf.rewards, firsts: evalBuf.firsts, nEnvs: cfg.nEnvs, actSteps, successThreshold: cfg.bestRewardThresholdForSuccess });
      summary.eval_success_rate = evalEp.successRate;
      summary.eval_avg_return = evalEp.avgReturn;
      summary.wall_s = running();
    }
    await cacheOnHost(allWeights()); // checkpoint() reads synchronously (unsafe on WebGPU otherwise)
    sink({ type: 'done', summary });
    const good = lastGood;
    return {
      summary,
      policy,
      critic,
      normalizer,
      checkpoint: () => checkpointOf(completed - 1),
      lastGoodItr: good.itr,
      lastGoodCheckpoint: async () => {
        const now = await takeSnapshot(completed - 1, actorVars, criticVars);
        restoreSnapshot(good, actorVars, criticVars);
        try {
          return checkpointOf(good.itr);
        } finally {
          restoreSnapshot(now, actorVars, criticVars);
        }
      },
      dispose: () => {
        if (basePolicy !== policy) basePolicy.dispose();
        policy.dispose();
        critic.dispose();
      },
    };
  } catch (err) {
    if (err instanceof DivergenceError) {
      // Keep the last good weights for the caller (CLI --out, the worker's session checkpoint).
      restoreSnapshot(lastGood, actorVars, criticVars);
      await cacheOnHost(allWeights());
      err.lastGood = { itr: lastGood.itr, checkpoint: checkpointOf(lastGood.itr) };
      err.message += lastGood.itr < 0
        ? ' No iteration passed the checks: the last good weights are the ones the run started from.'
        : ` The last good weights are those after iteration ${lastGood.itr}.`;
    }
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
