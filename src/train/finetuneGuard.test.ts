/**
 * The fine-tuning loop's guards (issue 13), on the tiny "two-goals" task:
 * - a huge actor lr halts with a DivergenceError naming the iteration, and the error carries the last good
 *   weights: finite, and exactly the weights after the last good iteration;
 * - a NaN in the policy is caught at the sampled action, before the env sees it;
 * - a pause is not work: it stays out of wall_s and the phase timings, and is recorded as time/paused_s;
 * - a stop mid-iteration leaves no partial iteration (no paths, no point) and undoes a partial update.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveFinetuneConfig } from '../config/finetune';
import type { DiffusionMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../policy/checkpoint';
import type { NamedWeights } from '../policy/nn';
import { buildPolicy, policyFromCheckpoint } from '../policy/index';
import { initTf } from '../policy/tfSetup';
import { taskFamily } from '../sim/registry';
import { PausableControl } from './control';
import { DivergenceError } from './divergence';
import type { TrainEvent } from './events';
import { finetunePpo, type FinetuneHandles } from './finetunePpo';

const actor: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 2, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 4,
  timeDim: 8, mlpDims: [16, 16], activation: 'relu', residualStyle: false, denoisedClipValue: 1,
};

function checkpoint(edit?: (w: NamedWeights) => void): Checkpoint {
  const policy = buildPolicy(actor, new Rng(1));
  const weights = policy.namedWeights();
  edit?.(weights);
  const bytes = encodeCheckpoint({
    actorConfig: actor,
    normalization: { obsMin: Float32Array.of(-1, -1), obsMax: Float32Array.of(1, 1), actionMin: Float32Array.of(-0.1, -0.1), actionMax: Float32Array.of(0.1, 0.1) },
    weights,
    provenance: {},
  });
  policy.dispose();
  return decodeCheckpoint(bytes);
}

/** 3 envs × 4 chunk steps, K′ = 2: 24 PPO items in 2 minibatches per epoch. */
const config = (o: Record<string, unknown>) =>
  resolveFinetuneConfig(taskFamily('two-goals').presets.reference('two-goals', 'dppo', 0), {
    nEnvs: 3, nSteps: 4, maxEpisodeSteps: 8, batchSize: 12, updateEpochs: 1, ftDenoisingSteps: 2, resetAtIteration: true, valFreq: 1000, ...o,
  });

/** Copies of the live actor and critic weights (what a checkpoint of them would hold). */
function weightsOf(h: FinetuneHandles): Map<string, Float32Array> {
  return new Map([...h.policy.namedWeights(), ...h.critic.namedWeights()].map(([k, v]) => [k, Float32Array.from(v.data)]));
}

const points = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 'iteration' ? [e] : []));

describe('fine-tuning guards', () => {
  beforeAll(async () => {
    await initTf('cpu');
  });

  it('a huge actor lr halts with a DivergenceError and returns the weights after the last good iteration', async () => {
    const events: TrainEvent[] = [];
    const after = new Map<number, Map<string, Float32Array>>();
    let handles: FinetuneHandles | null = null;
    // Two critic warm-up iterations (the actor is not updated), then actor steps of ~1e30.
    const run = finetunePpo({
      config: config({ nTrainItr: 6, actorLr: 1e30, actorMinLr: 1e30, nCriticWarmupItr: 2 }),
      checkpoint: checkpoint(),
      onReady: (h) => (handles = h),
      sink: (e) => {
        if (e.type !== 'progress') events.push(e);
        if (e.type === 'iteration') after.set(e.itr, weightsOf(handles!));
      },
    });
    const err = await run.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d.reason).toBe('non-finite');
    expect(d.itr).toBe(2);
    expect(d.message).toMatch(/^Training diverged at iteration 2: the .+ became non-finite/);
    expect(d.message).toMatch(/Try a lower actorLr \(now 1e\+30\)/);
    expect(d.message).toMatch(/The last good weights are those after iteration 1\./);
    // No point for the iteration that diverged.
    expect(points(events).map((p) => p.itr)).toEqual([0, 1]);
    expect(events.some((e) => e.type === 'done')).toBe(false);

    const good = d.lastGood!;
    expect(good.itr).toBe(1);
    const expected = after.get(1)!;
    expect([...good.checkpoint.weights.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, w] of good.checkpoint.weights) {
      expect(w.data.every(Number.isFinite), k).toBe(true);
      expect(Array.from(w.data), k).toEqual(Array.from(expected.get(k)!));
    }
    // The kept checkpoint loads as a fine-tuned policy (what `dppo eval --ckpt` and `session:` refs do).
    const loaded = policyFromCheckpoint(good.checkpoint);
    expect(loaded.critic).toBeDefined();
    loaded.policy.dispose();
    loaded.critic?.dispose();
  });

  it('a NaN in the policy is reported at the sampled action, before the env sees it', async () => {
    const poisoned = checkpoint((w) => {
      for (const [k, v] of w) if (k.endsWith('bias')) v.data.fill(NaN);
    });
    const err = (await finetunePpo({ config: config({ nTrainItr: 2 }), checkpoint: poisoned, sink: () => undefined }).then(() => null, (e: unknown) => e)) as DivergenceError;
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.quantity).toBe('sampled action');
    expect(err.itr).toBe(0);
    expect(err.message).toMatch(/^Training diverged at iteration 0: the sampled action became non-finite \(NaN at index 0\)/);
    expect(err.message).toMatch(/No iteration passed the checks/);
    expect(err.lastGood?.itr).toBe(-1);
  });

  it('a pause of ~1 s stays out of wall_s and the phase timings, and is recorded as time/paused_s', async () => {
    const control = new PausableControl();
    let paused = false;
    const events: TrainEvent[] = [];
    const t = performance.now();
    const result = await finetunePpo({
      config: config({ nTrainItr: 3 }),
      checkpoint: checkpoint(),
      control,
      sink: (e) => {
        events.push(e);
        if (!paused && e.type === 'progress' && e.phase === 'update' && e.itr === 1) {
          paused = true;
          control.pause();
          setTimeout(() => control.resume(), 1000);
        }
      },
    });
    const elapsed = (performance.now() - t) / 1000;
    result.dispose();
    const s = result.summary;
    expect(Number(s.paused_s)).toBeGreaterThan(0.95);
    expect(Number(s.paused_s)).toBeLessThan(1.2);
    expect(Math.abs(Number(s.wall_s) - (elapsed - 1))).toBeLessThan(0.2);
    const pts = points(events);
    expect(pts.map((p) => p.metrics['time/paused_s']! > 0.9)).toEqual([false, true, false]);
    const p1 = pts[1].metrics;
    // Compared with the unpaused iterations (not absolute times), so a loaded machine does not fail it:
    // the 1 s pause would show as ≥ 1 s more in the paused iteration's update and wall-clock step.
    const otherUpdate = Math.max(pts[0].metrics['time/update_s']!, pts[2].metrics['time/update_s']!);
    expect(p1['time/update_s']!).toBeLessThan(otherUpdate + 0.5);
    expect(p1['time/iteration_s']!).toBeLessThan(pts[1].wallS - pts[0].wallS + 1e-6);
    // wall-clock advances by running time only: no 1 s jump at the paused iteration.
    expect(pts[1].wallS - pts[0].wallS).toBeLessThan(pts[2].wallS - pts[1].wallS + 0.5);
  });

  for (const phase of ['rollout', 'update'] as const) {
    it(`a stop during the ${phase} of iteration 2 records iterations 0 and 1 only, with the weights after 1`, async () => {
      const control = new PausableControl();
      const events: TrainEvent[] = [];
      let handles: FinetuneHandles | null = null;
      let afterOne: Map<string, Float32Array> | null = null;
      const result = await finetunePpo({
        config: config({ nTrainItr: 5, nCriticWarmupItr: 0, actorLr: 1e-2 }),
        checkpoint: checkpoint(),
        control,
        onReady: (h) => (handles = h),
        sink: (e) => {
          events.push(e);
          if (e.type === 'iteration' && e.itr === 1) afterOne = weightsOf(handles!);
          if (e.type === 'progress' && e.phase === phase && e.itr === 2) control.stop();
        },
      });
      const pts = points(events);
      expect(pts.map((p) => p.itr)).toEqual([0, 1]);
      expect(events.flatMap((e) => (e.type === 'paths' ? [e.itr] : []))).toEqual([0, 1]);
      expect(result.summary).toMatchObject({ stopped: true, itr: 1, iterations: 2, env_steps: pts[1].envSteps });
      expect(handles!.currentItr()).toBe(2);
      // A partial update was undone: the live weights are those of the last recorded point.
      const now = weightsOf(handles!);
      for (const [k, w] of afterOne!) expect(Array.from(now.get(k)!), k).toEqual(Array.from(w));
      result.dispose();
    });
  }
});
