/**
 * Behaviour-cloning pre-training (spec/dppo-reference.md §6.5): AdamW (weight decay 1e-6), cosine LR stepped
 * per epoch, EMA of the weights (decay 0.995, updated every 10 gradient steps; a plain copy for the first
 * `epochStartEma` epochs). The returned checkpoint holds the EMA weights, which fine-tuning loads (§6.4).
 *
 * Items follow StitchedSequenceDataset (§6.1): one per start index s with s + Ta ≤ episode end;
 * obs = states[s] (To = 1), actions = actions[s : s + Ta].
 * Legend: B batch, Do obs dim, Ta horizon, Da action dim.
 */
import * as tf from '@tensorflow/tfjs';
import type { ActorConfig } from '../config/model';
import { UserError } from '../core/errors';
import { Rng } from '../core/rng';
import { AdamW } from '../policy/adamw';
import type { Checkpoint } from '../policy/checkpoint';
import { buildPolicy } from '../policy/index';
import { cacheOnHost } from '../policy/tfSetup';
import type { NormalizationStats } from '../policy/normalizer';
import { CosineAnnealingWarmupRestarts } from '../rl/lrSchedule';
import { alwaysRun, type RunControl, type TrainEventSink } from './events';

export interface BcDataset {
  /** [T, Do] normalised. */
  states: Float32Array;
  /** [T, Da] normalised. */
  actions: Float32Array;
  /** Episode lengths; sum = T. */
  trajLengths: ArrayLike<number>;
}

export interface PretrainOptions {
  actorConfig: ActorConfig;
  dataset: BcDataset;
  normalization: NormalizationStats;
  epochs: number;
  batchSize: number;
  /** Max LR (cosine from lr to minLr over the epochs). */
  lr: number;
  minLr: number;
  warmupEpochs: number;
  weightDecay: number;
  emaDecay: number;
  /** Gradient steps between EMA updates. */
  emaEvery: number;
  /** Before this epoch the EMA is a copy of the model. */
  epochStartEma: number;
  seed: number;
  /** Cap on gradient steps per epoch (default: one pass over the items). For quick tests and smoke runs. */
  batchesPerEpoch?: number;
  provenance?: Record<string, unknown>;
  sink?: TrainEventSink;
  /**
   * Checked after every epoch and, within an epoch, about every YIELD_MS (so a worker sees pause/stop
   * messages during long epochs); a stop mid-epoch ends training with the weights so far.
   */
  control?: RunControl;
}

/** Longest stretch of gradient steps between yields to the event loop (and `progress` events). */
const YIELD_MS = 250;

export const BC_DEFAULTS = {
  batchSize: 128,
  lr: 1e-3,
  minLr: 1e-4,
  warmupEpochs: 1,
  weightDecay: 1e-6,
  emaDecay: 0.995,
  emaEvery: 10,
  epochStartEma: 20,
} as const;

/** Valid chunk start indices (§6.1). */
export function chunkStarts(trajLengths: ArrayLike<number>, horizon: number): Int32Array {
  const starts: number[] = [];
  let offset = 0;
  for (let e = 0; e < trajLengths.length; e++) {
    const len = trajLengths[e];
    for (let s = 0; s + horizon <= len; s++) starts.push(offset + s);
    offset += len;
  }
  return Int32Array.from(starts);
}

/** `epochsDone` < `opts.epochs` when stopped early; `finalLoss` is the mean loss of the last full epoch (NaN if none). */
export async function pretrainBc(opts: PretrainOptions): Promise<{ checkpoint: Checkpoint; finalLoss: number; epochsDone: number }> {
  const { actorConfig: cfg, dataset } = opts;
  const control = opts.control ?? alwaysRun;
  const { obsDim: Do, actionDim: Da, horizonSteps: Ta } = cfg;
  const T = dataset.states.length / Do;
  if (!Number.isInteger(T) || dataset.actions.length !== T * Da) {
    throw new UserError(`Dataset shapes do not match the policy: states ${dataset.states.length} values for obs dim ${Do}, actions ${dataset.actions.length} for action dim ${Da}.`);
  }
  const starts = chunkStarts(dataset.trajLengths, Ta);
  if (starts.length === 0) throw new UserError(`No episode is at least ${Ta} steps long; nothing to pre-train on.`);
  const t0 = performance.now();
  const rng = new Rng(opts.seed);
  const policy = buildPolicy(cfg, rng.fork());
  const vars = policy.pretrainVariables();
  const ema = vars.map((v) => {
    const copy = v.clone();
    const e = tf.variable(copy, false);
    copy.dispose(); // the variable holds its own reference to the data
    return e;
  });
  const opt = new AdamW(vars, { lr: opts.lr, weightDecay: opts.weightDecay });
  // A run shorter than the warm-up (e.g. a 1-epoch smoke run) skips it: the schedule needs warmup < cycle.
  const warmupSteps = Math.max(0, Math.min(opts.warmupEpochs, opts.epochs - 1));
  const sched = new CosineAnnealingWarmupRestarts({ firstCycleSteps: opts.epochs, maxLr: opts.lr, minLr: opts.minLr, warmupSteps });
  const B = Math.min(opts.batchSize, starts.length);
  const fullEpoch = Math.max(1, Math.floor(starts.length / B));
  const perEpoch = opts.batchesPerEpoch ? Math.max(1, Math.min(fullEpoch, Math.floor(opts.batchesPerEpoch))) : fullEpoch;
  const obsBatch = new Float32Array(B * Do);
  const actBatch = new Float32Array(B * Ta * Da);
  let step = 0;
  let finalLoss = NaN;
  let epochsDone = 0;
  let emaStarted = false;
  let lastYield = performance.now();
  try {
    for (let epoch = 0; epoch < opts.epochs && !control.stopped; epoch++) {
      opt.lr = sched.lr;
      const perm = rng.permutation(starts.length);
      let lossSum = 0;
      let b = 0;
      for (; b < perEpoch; b++) {
        if (performance.now() - lastYield > YIELD_MS) {
          opts.sink?.({ type: 'progress', phase: 'pretrain', itr: epoch, fraction: b / perEpoch });
          await control.checkpoint();
          lastYield = performance.now();
          if (control.stopped) break;
        }
        for (let m = 0; m < B; m++) {
          const s = starts[perm[b * B + m]];
          obsBatch.set(dataset.states.subarray(s * Do, (s + 1) * Do), m * Do);
          actBatch.set(dataset.actions.subarray(s * Da, (s + Ta) * Da), m * Ta * Da);
        }
        const loss = tf.tidy(() => {
          const obs = tf.tensor2d(obsBatch, [B, Do]);
          const act = tf.tensor3d(actBatch, [B, Ta, Da]);
          const { value, grads } = tf.variableGrads(() => policy.bcLoss(obs, act, rng), vars);
          opt.step(grads);
          return value;
        });
        lossSum += (await loss.data())[0];
        loss.dispose();
        step++;
        if (step % opts.emaEvery === 0) {
          const decay = epoch < opts.epochStartEma ? 0 : opts.emaDecay;
          updateEma(ema, vars, decay);
          emaStarted ||= decay > 0;
        }
      }
      if (b < perEpoch) break; // stopped mid-epoch
      finalLoss = lossSum / perEpoch;
      epochsDone = epoch + 1;
      if (!Number.isFinite(finalLoss)) throw new UserError(`Pre-training diverged at epoch ${epoch} (loss ${finalLoss}); lower the learning rate.`);
      opts.sink?.({ type: 'pretrain-epoch', epoch, totalEpochs: opts.epochs, loss: finalLoss, lr: sched.lr, wallS: (performance.now() - t0) / 1000 });
      sched.step();
      await control.checkpoint();
      lastYield = performance.now();
    }
    // Export the EMA weights (what fine-tuning loads, §6.4); before the EMA started they are the model's.
    if (!emaStarted) updateEma(ema, vars, 0);
    vars.forEach((v, i) => v.assign(ema[i]));
    await cacheOnHost(vars); // namedWeights reads synchronously (unsafe on WebGPU otherwise)
    return {
      checkpoint: {
        actorConfig: cfg,
        normalization: opts.normalization,
        weights: policy.namedWeights(),
        provenance: { ...opts.provenance, epochs: epochsDone, final_loss: finalLoss, steps: step, seed: opts.seed },
      },
      finalLoss,
      epochsDone,
    };
  } finally {
    ema.forEach((v) => v.dispose());
    opt.dispose();
    policy.dispose();
  }
}

/** ema ← decay·ema + (1 − decay)·w (decay 0 = copy). */
function updateEma(ema: tf.Variable[], vars: tf.Variable[], decay: number): void {
  tf.tidy(() => {
    ema.forEach((e, i) => e.assign(decay === 0 ? vars[i] : e.mul(decay).add(vars[i].mul(1 - decay))));
  });
}
