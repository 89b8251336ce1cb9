/**
 * A learning test that cannot pass by accident (issue: DPPO core). "Two goals": demonstrations go to either
 * of two goals but only one pays. BC pre-training yields a bimodal diffusion policy with success ≈ ½; DPPO
 * fine-tuning must shift it to the paying mode (success ≥ 0.9) within a bounded number of iterations, with a
 * fixed seed. A policy that ignores the reward (or a sign error in the loss) stays near ½ or drops.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { DiffusionMlpConfig } from '../config/model';
import { taskFamily } from '../sim/registry';
import { resolveFinetuneConfig } from '../config/finetune';
import { Rng } from '../core/rng';
import { Normalizer } from '../policy/normalizer';
import { initTf } from '../policy/tfSetup';
import { twoGoalsDemos } from '../sim/tasks/twoGoals/twoGoalsEnv';
import { evaluate } from './evaluate';
import { finetunePpo } from './finetunePpo';
import { pretrainBc, BC_DEFAULTS } from './pretrainBc';

const actor: DiffusionMlpConfig = {
  kind: 'diffusion-mlp',
  obsDim: 2,
  actionDim: 2,
  condSteps: 1,
  horizonSteps: 4,
  actSteps: 4,
  denoisingSteps: 10,
  timeDim: 16,
  mlpDims: [128, 128, 128],
  activation: 'relu',
  residualStyle: true,
  denoisedClipValue: 1,
};

describe('DPPO learns the paying mode of a bimodal task', () => {
  beforeAll(async () => {
    await initTf('wasm');
  });

  it('pre-trained ≈ ½ success → fine-tuned ≥ 0.9', async () => {
    const rng = new Rng(7);
    const demos = twoGoalsDemos(200, rng);
    const norm = Normalizer.fit(demos.states, 2, demos.actions, 2);
    const { checkpoint } = await pretrainBc({
      ...BC_DEFAULTS,
      actorConfig: actor,
      dataset: { states: norm.normalizeObs(demos.states), actions: norm.normalizeAction(demos.actions), trajLengths: demos.trajLengths },
      normalization: norm.stats,
      epochs: 40,
      batchSize: 128,
      seed: 1,
    });
    const before = await evaluate({ task: 'two-goals', checkpoint, episodes: 64, seed: 3, deterministic: false });
    expect(before.success_rate).toBeGreaterThan(0.2);
    expect(before.success_rate).toBeLessThan(0.8);

    const tensorsBefore = tf.memory().numTensors;
    const config = resolveFinetuneConfig(taskFamily('two-goals').presets.reference('two-goals', 'dppo', 0), {
      nEnvs: 32,
      nSteps: 5,
      nTrainItr: 15,
      maxEpisodeSteps: 20,
      bestRewardThresholdForSuccess: 1,
      batchSize: 320,
      updateEpochs: 5,
      actorLr: 3e-4,
      actorMinLr: 3e-4,
      ftDenoisingSteps: 5,
      nCriticWarmupItr: 1,
    });
    const curve: number[] = [];
    const tensorsPerItr: number[] = [];
    const result = await finetunePpo({
      config,
      checkpoint,
      sink: (ev) => {
        if (ev.type === 'iteration') {
          curve.push(ev.metrics['charts/success_rate'] ?? NaN);
          tensorsPerItr.push(tf.memory().numTensors);
        }
      },
    });
    // Tensor count is flat across full fine-tuning iterations (no leak per iteration).
    expect(new Set(tensorsPerItr.slice(1)).size).toBe(1);
    result.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(curve.length).toBe(15);
    expect(curve[0]).toBeLessThan(0.8);
    expect(Math.max(...curve.slice(-3))).toBeGreaterThanOrEqual(0.9);
  });
});
