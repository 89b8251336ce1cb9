/**
 * The train worker checks a run's settings at start with the schema the form and the CLI use, and against
 * the checkpoint it loaded (K′ ≤ K): a bad request ends in an error event with that message, not deep in
 * the loop.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveFinetuneConfig, type FinetuneConfig } from '../config/finetune';
import type { DiffusionMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { encodeCheckpoint } from '../policy/checkpoint';
import { buildPolicy } from '../policy/index';
import { initTf } from '../policy/tfSetup';
import { taskFamily } from '../sim/registry';
import type { TrainResponse } from './protocol';
import { handleRunMessage } from './trainRuns';

const actor: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 2, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 6,
  timeDim: 8, mlpDims: [16], activation: 'relu', residualStyle: true, denoisedClipValue: 1,
};

function checkpointBytes(): ArrayBuffer {
  const policy = buildPolicy(actor, new Rng(1));
  const bytes = encodeCheckpoint({
    actorConfig: actor,
    normalization: { obsMin: Float32Array.from([-1, -1]), obsMax: Float32Array.from([1, 1]), actionMin: Float32Array.from([-1, -1]), actionMax: Float32Array.from([1, 1]) },
    weights: policy.namedWeights(),
    provenance: {},
  });
  policy.dispose();
  return bytes.slice().buffer;
}

function startAndGetError(runId: string, config: FinetuneConfig): Promise<string> {
  return new Promise((resolve) => {
    handleRunMessage({ type: 'start-finetune', runId, config, checkpoint: checkpointBytes() }, (r: TrainResponse) => {
      if (r.type === 'event' && r.runId === runId && r.event.type === 'error') resolve(r.event.message);
      if (r.type === 'event' && r.runId === runId && r.event.type === 'iteration') resolve('started training');
    });
  });
}

describe('train worker: settings checked at run start', () => {
  beforeAll(async () => {
    await initTf('cpu');
  });
  const base = () => resolveFinetuneConfig(taskFamily('two-goals').presets.reference('two-goals', 'dppo', 0), { nEnvs: 2, nSteps: 2, ftDenoisingSteps: 3 });

  it("refuses K′ above the checkpoint's K with the form's message", async () => {
    expect(await startAndGetError('k', { ...base(), ftDenoisingSteps: 8 })).toBe(
      "ftDenoisingSteps (ft_denoising_steps) must be an integer from 1 to 6, the checkpoint's denoising steps K; got 8.",
    );
  });

  it('refuses a value the schema refuses, even when the request skipped the form', async () => {
    expect(await startAndGetError('lr', { ...base(), actorLr: -1 })).toBe('actorLr (actor_lr) must be a number > 0; got -1.');
  });
});
