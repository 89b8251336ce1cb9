/**
 * The train worker streams the env the viewer follows (issue 9, "The viewer follows one env of the pool
 * live"): a fine-tuning run posts 'live-steps' for env 0 by default, with each episode's reset seed and its
 * actions in order; 'follow-env' switches the env (its episode so far comes first, from action 0); a
 * 'follow-env' for another run changes nothing. Driven in Node exactly as train.worker.ts drives it, on the
 * tiny two-goals task.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { resolveFinetuneConfig } from '../config/finetune';
import type { DiffusionMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { encodeCheckpoint } from '../policy/checkpoint';
import { buildPolicy } from '../policy/index';
import { initTf } from '../policy/tfSetup';
import type { LiveSteps } from '../sim/liveFollow';
import { taskFamily } from '../sim/registry';
import type { TrainResponse } from './protocol';
import { handleRunMessage } from './trainRuns';

const actor: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 2, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 4,
  timeDim: 8, mlpDims: [16, 16, 16], activation: 'relu', residualStyle: true, denoisedClipValue: 1,
};

function checkpointBytes(): ArrayBuffer {
  const policy = buildPolicy(actor, new Rng(1));
  const bytes = encodeCheckpoint({
    actorConfig: actor,
    normalization: { obsMin: Float32Array.from([-1, -1]), obsMax: Float32Array.from([1, 1]), actionMin: Float32Array.from([-0.5, -0.5]), actionMax: Float32Array.from([0.5, 0.5]) },
    weights: policy.namedWeights(),
    provenance: {},
  });
  policy.dispose();
  return bytes.slice().buffer;
}

describe('train worker: live steps of the followed env', () => {
  beforeAll(async () => {
    await initTf('cpu');
  });

  it('streams env 0, then the env asked for, with reset seeds and contiguous actions', async () => {
    const config = resolveFinetuneConfig(taskFamily('two-goals').presets.reference('two-goals', 'dppo', 7), {
      nEnvs: 3, nSteps: 40, nTrainItr: 2, maxEpisodeSteps: 12, batchSize: 60, updateEpochs: 1, ftDenoisingSteps: 2, logprobBatchSize: 200,
    });
    const live: LiveSteps[] = [];
    let switched = false;
    const done = new Promise<void>((resolve, reject) => {
      handleRunMessage({ type: 'start-finetune', runId: 'lf', config, checkpoint: checkpointBytes() }, (r: TrainResponse) => {
        if (r.type === 'live-steps') {
          expect(r.runId).toBe('lf');
          live.push(r.steps);
          if (!switched && live.length >= 3) {
            switched = true;
            handleRunMessage({ type: 'follow-env', runId: 'other', env: 1 }, () => reject(new Error('answered a follow-env of another run')));
            handleRunMessage({ type: 'follow-env', runId: 'lf', env: 2 }, () => reject(new Error('follow-env has no answer')));
          }
        }
        if (r.type === 'event' && r.event.type === 'done') resolve();
        if (r.type === 'event' && r.event.type === 'error') reject(new Error(r.event.message));
      });
    });
    await done;
    const at = live.findIndex((s) => s.env === 2);
    expect(at).toBeGreaterThan(0);
    expect(live.slice(0, at).every((s) => s.env === 0)).toBe(true);
    expect(live.slice(at).every((s) => s.env === 2)).toBe(true);
    expect(live[at].from).toBe(0); // the new env's episode so far, from its start
    for (const env of [0, 2]) {
      const mine = live.filter((s) => s.env === env);
      for (const k of new Set(mine.map((s) => s.episode))) {
        const eps = mine.filter((s) => s.episode === k);
        expect(eps.every((s) => s.seed === config.seed + env + k * config.nEnvs)).toBe(true);
        // Within an episode the batches continue each other (after the switch's resend from 0).
        const start = eps.findIndex((s) => s.from === 0);
        if (start < 0) continue;
        for (let j = start + 1; j < eps.length; j++) expect(eps[j].from).toBe(eps[j - 1].from + eps[j - 1].actions.length / 2);
      }
    }
    expect(live.reduce((n, s) => n + s.actions.length, 0)).toBeGreaterThan(0);
    // Episodes of 12 steps over 2 × 40 chunk steps × 4: env 2 reached many episodes, each ended once.
    expect(new Set(live.filter((s) => s.env === 2 && s.ended).map((s) => s.episode)).size).toBeGreaterThanOrEqual(3);
  });
});
