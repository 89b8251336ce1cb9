/**
 * The fine-tuning loop builds its envs from the run's config: `maxEpisodeSteps` reaches the VecEnv (it
 * used to be dropped), and a custom env factory (a worker pool, the bridge) stands in for the in-process
 * one through the VecEnv interface alone.
 */
import { describe, expect, it } from 'vitest';
import { resolveFinetuneConfig } from '../config/finetune';
import type { DiffusionMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { decodeCheckpoint, encodeCheckpoint } from '../policy/checkpoint';
import { buildPolicy } from '../policy/index';
import { initTf } from '../policy/tfSetup';
import { taskFamily } from '../sim/registry';
import type { VecEnvOptions } from '../sim/types';
import { createVectorEnv } from '../sim/vectorEnv';
import { finetunePpo } from './finetunePpo';

const actor: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 2, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 4,
  timeDim: 8, mlpDims: [16, 16], activation: 'relu', residualStyle: false, denoisedClipValue: 1,
};

function checkpoint() {
  const policy = buildPolicy(actor, new Rng(1));
  const bytes = encodeCheckpoint({
    actorConfig: actor,
    normalization: { obsMin: Float32Array.of(-1, -1), obsMax: Float32Array.of(1, 1), actionMin: Float32Array.of(-0.1, -0.1), actionMax: Float32Array.of(0.1, 0.1) },
    weights: policy.namedWeights(),
    provenance: {},
  });
  policy.dispose();
  return decodeCheckpoint(bytes);
}

describe('finetunePpo env wiring', () => {
  it('passes maxEpisodeSteps to the env factory, so episodes are truncated there', async () => {
    await initTf('cpu');
    // two-goals episodes last 20 steps; with maxEpisodeSteps 8 and chunks of 4, each env finishes an
    // episode every 2 chunk steps, so 4 chunk steps hold 2 complete episodes per env (with 20: none).
    const config = resolveFinetuneConfig(taskFamily('two-goals').presets.reference('two-goals', 'dppo', 0), {
      nEnvs: 3, nSteps: 4, nTrainItr: 1, maxEpisodeSteps: 8, batchSize: 12, updateEpochs: 1, ftDenoisingSteps: 2,
      resetAtIteration: true,
    });
    const seen: VecEnvOptions[] = [];
    const episodes: number[] = [];
    const result = await finetunePpo({
      config,
      checkpoint: checkpoint(),
      makeVecEnv: (opts) => {
        seen.push(opts);
        return createVectorEnv(opts);
      },
      sink: (ev) => {
        if (ev.type === 'iteration') episodes.push(ev.metrics['charts/num_episodes'] ?? NaN);
      },
    });
    result.dispose();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ taskId: 'two-goals', nEnvs: 3, actSteps: 4, maxEpisodeSteps: 8 });
    expect(episodes).toEqual([6]);
  });
});
