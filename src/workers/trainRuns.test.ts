/**
 * The train worker's run handling, driven in Node exactly as train.worker.ts drives it: a fine-tuning run
 * from an uploaded checkpoint emits start/progress/iteration/paths/done; pause holds the loop, resume and
 * stop release it; the inspector returns K+1 clouds in raw units for the pre-trained and current policy;
 * nothing leaks tensors. Uses the tiny "two-goals" task so it runs in seconds.
 * Pre-training runs on the bundled avoid-m2 demos (read from public/) with a budget of a few gradient
 * steps, and its `session:` checkpoint then fine-tunes one small Avoid iteration.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFamily } from '../sim/registry';
import { resolveFinetuneConfig, type FinetuneConfig } from '../config/finetune';
import type { DiffusionMlpConfig } from '../config/model';
import { Rng } from '../core/rng';
import { encodeCheckpoint } from '../policy/checkpoint';
import { buildPolicy } from '../policy/index';
import { initTf } from '../policy/tfSetup';
import type { TrainEvent } from '../train/events';
import type { InspectResult, TrainResponse } from './protocol';
import { setAssetReader } from './runAssets';
import { handleRunMessage } from './trainRuns';

const PUBLIC = new URL('../../public/', import.meta.url);

const actor: DiffusionMlpConfig = {
  kind: 'diffusion-mlp',
  obsDim: 2,
  actionDim: 2,
  condSteps: 1,
  horizonSteps: 4,
  actSteps: 4,
  denoisingSteps: 6,
  timeDim: 8,
  mlpDims: [32, 32, 32],
  activation: 'relu',
  residualStyle: true,
  denoisedClipValue: 1,
};

/** Action range ±0.5 so raw-unit conversion is visible (normalised samples live in about [−3, 3]). */
function checkpointBytes(): ArrayBuffer {
  const policy = buildPolicy(actor, new Rng(1));
  const bytes = encodeCheckpoint({
    actorConfig: actor,
    normalization: {
      obsMin: Float32Array.from([-1, -1]),
      obsMax: Float32Array.from([1, 1]),
      actionMin: Float32Array.from([-0.5, -0.5]),
      actionMax: Float32Array.from([0.5, 0.5]),
    },
    weights: policy.namedWeights(),
    provenance: {},
  });
  policy.dispose();
  return bytes.slice().buffer;
}

function tinyConfig(overrides: Record<string, unknown>): FinetuneConfig {
  return resolveFinetuneConfig(taskFamily('two-goals').presets.reference('two-goals', 'dppo', 0), {
    nEnvs: 4,
    nSteps: 3,
    maxEpisodeSteps: 12,
    batchSize: 24,
    updateEpochs: 1,
    ftDenoisingSteps: 3,
    logprobBatchSize: 200,
    ...overrides,
  });
}

/** Collects responses; `until` resolves when a response matches and fails fast on an unexpected error. */
function recorder() {
  const got: TrainResponse[] = [];
  type Waiter = { test: (r: TrainResponse) => boolean; resolve: (r: TrainResponse) => void; reject: (e: Error) => void };
  const waiters: Waiter[] = [];
  const errorText = (r: TrainResponse): string | null =>
    r.type === 'error' ? r.message : r.type === 'event' && r.event.type === 'error' ? r.event.message : null;
  const post = (r: TrainResponse) => {
    got.push(r);
    for (const w of [...waiters]) {
      const matched = w.test(r);
      const err = errorText(r);
      if (!matched && err === null) continue;
      waiters.splice(waiters.indexOf(w), 1);
      if (matched) w.resolve(r);
      else w.reject(new Error(`worker error: ${err}`));
    }
  };
  const until = (test: (r: TrainResponse) => boolean, ms = 60_000) =>
    new Promise<TrainResponse>((resolve, reject) => {
      const hit = got.find(test);
      if (hit) return resolve(hit);
      const t = setTimeout(() => reject(new Error('timed out waiting for a worker response')), ms);
      waiters.push({ test, resolve: (r) => (clearTimeout(t), resolve(r)), reject: (e) => (clearTimeout(t), reject(e)) });
    });
  const events = (runId: string): TrainEvent[] => got.flatMap((r) => (r.type === 'event' && r.runId === runId ? [r.event] : []));
  return { got, post, until, events };
}

const isEvent = (runId: string, type: TrainEvent['type']) => (r: TrainResponse) => r.type === 'event' && r.runId === runId && r.event.type === type;

describe('trainRuns (train worker run handling)', () => {
  beforeAll(async () => {
    await initTf('cpu');
  });

  it('runs a fine-tuning job and reports its events with the run id', async () => {
    const rec = recorder();
    handleRunMessage({ type: 'start-finetune', runId: 'a', config: tinyConfig({ nTrainItr: 2 }), checkpoint: checkpointBytes() }, rec.post);
    await rec.until(isEvent('a', 'done'));
    const ev = rec.events('a');
    const start = ev.find((e) => e.type === 'start');
    expect(start).toMatchObject({ type: 'start', runId: 'a', totalIterations: 2 });
    expect(ev.filter((e) => e.type === 'iteration').map((e) => (e as { itr: number }).itr)).toEqual([0, 1]);
    expect(ev.some((e) => e.type === 'progress' && e.phase === 'update')).toBe(true);
    const paths = ev.find((e) => e.type === 'paths');
    expect(paths && paths.type === 'paths' && paths.paths.length).toBeGreaterThan(0);
    expect(ev.some((e) => e.type === 'error')).toBe(false);
  });

  it('samples K+1 clouds in raw units for both policies without leaking tensors', async () => {
    const rec = recorder();
    const before = tf.memory().numTensors;
    const ask = (requestId: number, policy: 'pretrained' | 'current') =>
      handleRunMessage({ type: 'inspect', requestId, runId: 'a', checkpoint: 'unused', policy, obs: [0.1, -0.2], n: 64, seed: 5 }, rec.post);
    ask(1, 'pretrained');
    ask(2, 'current');
    const results = await Promise.all([1, 2].map((id) => rec.until((r) => r.type === 'inspect-result' && r.result.requestId === id)));
    const [pre, cur] = results.map((r) => (r as { result: InspectResult }).result);
    for (const res of [pre, cur]) {
      expect(res.steps).toHaveLength(actor.denoisingSteps + 1);
      expect(res.stepLabels).toEqual([6, 5, 4, 3, 2, 1, 0]);
      expect(res.actionDim).toBe(2);
      for (const s of res.steps) {
        expect(s).toHaveLength(64 * 2);
        expect(s.every(Number.isFinite)).toBe(true);
      }
    }
    expect(pre.itr).toBe(-1);
    expect(cur.itr).toBe(1);
    // x_K is N(0, 1) normalised = std 0.5 raw (range ±0.5 ↔ ±1); denoising narrows it.
    const std = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length - (a.reduce((s, v) => s + v, 0) / a.length) ** 2);
    expect(std(pre.steps[0])).toBeGreaterThan(0.4);
    expect(std(pre.steps[0])).toBeLessThan(0.6);
    expect(std(pre.steps[pre.steps.length - 1])).toBeLessThan(std(pre.steps[0]));
    expect(pre.mode).toBe('exploration');
    // Eval sampling (floor 1e-3, noiseless last step) gives a tighter final cloud than the exploration floor.
    handleRunMessage({ type: 'inspect', requestId: 3, runId: 'a', checkpoint: 'unused', policy: 'pretrained', obs: [0.1, -0.2], n: 64, seed: 5, mode: 'eval' }, rec.post);
    const evalRes = ((await rec.until((r) => r.type === 'inspect-result' && r.result.requestId === 3)) as { result: InspectResult }).result;
    expect(evalRes.mode).toBe('eval');
    const last = (r: InspectResult) => r.steps[r.steps.length - 1];
    expect(std(last(evalRes))).toBeLessThan(std(last(pre)));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('answers an inspect request it cannot serve with an error carrying the request id', async () => {
    const rec = recorder();
    handleRunMessage({ type: 'inspect', requestId: 9, runId: null, checkpoint: 'not-a-builtin', policy: 'current', obs: [0, 0], n: 8, seed: 0 }, rec.post);
    const err = await rec.until((r) => r.type === 'error');
    expect(err).toMatchObject({ type: 'error', requestId: 9 });
  });

  it('a diverging run ends in an error naming the iteration and keeps its last good weights as session:<runId>', async () => {
    const rec = recorder();
    const config = tinyConfig({ nTrainItr: 6, nCriticWarmupItr: 1, actorLr: 1e30, actorMinLr: 1e30 });
    handleRunMessage({ type: 'start-finetune', runId: 'dv', config, checkpoint: checkpointBytes() }, rec.post);
    const err = (await rec.until(isEvent('dv', 'error'))) as { event: Extract<TrainEvent, { type: 'error' }> };
    expect(err.event.message).toMatch(/^Training diverged at iteration \d+: the .+ became non-finite/);
    expect(err.event.lastGood).toEqual({ checkpoint: 'session:dv', itr: expect.any(Number) });
    const points = rec.events('dv').filter((e) => e.type === 'iteration');
    expect(err.event.lastGood!.itr).toBeLessThan(points.length);
    await new Promise((r) => setTimeout(r, 0));
    // The kept weights are evaluable: the inspector samples them (finite clouds). Both policies are asked at
    // once, as the page does at start-up, while the checkpoint is not loaded yet: neither request may lose
    // its policy to the other's load.
    handleRunMessage({ type: 'inspect', requestId: 31, runId: null, checkpoint: 'session:dv', policy: 'current', obs: [0.1, -0.2], n: 16, seed: 0 }, rec.post);
    handleRunMessage({ type: 'inspect', requestId: 32, runId: null, checkpoint: 'session:dv', policy: 'pretrained', obs: [0.1, -0.2], n: 16, seed: 0 }, rec.post);
    for (const id of [31, 32]) {
      const res = (await rec.until((r) => r.type === 'inspect-result' && r.result.requestId === id)) as { result: InspectResult };
      expect(res.result.steps.every((s) => s.every(Number.isFinite))).toBe(true);
    }
  });

  it('pauses, resumes and stops a run', async () => {
    const rec = recorder();
    handleRunMessage({ type: 'start-finetune', runId: 'b', config: tinyConfig({ nTrainItr: 200 }), checkpoint: checkpointBytes() }, rec.post);
    await rec.until(isEvent('b', 'iteration'));
    handleRunMessage({ type: 'start-finetune', runId: 'c', config: tinyConfig({ nTrainItr: 1 }), checkpoint: checkpointBytes() }, rec.post);
    expect(await rec.until(isEvent('c', 'error'))).toMatchObject({ event: { message: expect.stringMatching(/still going/) } });
    handleRunMessage({ type: 'pause', runId: 'b' }, rec.post);
    await new Promise((r) => setTimeout(r, 300));
    const held = rec.got.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(rec.got.length).toBe(held);
    handleRunMessage({ type: 'resume', runId: 'b' }, rec.post);
    const n = rec.events('b').filter((e) => e.type === 'iteration').length;
    await rec.until((r) => isEvent('b', 'iteration')(r) && (r as { event: { itr: number } }).event.itr >= n);
    handleRunMessage({ type: 'stop', runId: 'b' }, rec.post);
    const done = await rec.until(isEvent('b', 'done'));
    expect(done).toMatchObject({ event: { summary: { stopped: true } } });
    expect(rec.events('b').filter((e) => e.type === 'iteration').length).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 0)); // the loop has returned after 'done'
    handleRunMessage({ type: 'stop', runId: 'b' }, rec.post);
    expect(await rec.until((r) => r.type === 'error' && r.runId === 'b')).toMatchObject({ message: expect.stringMatching(/not active/) });
  });
});

describe('trainRuns: pre-training from the bundled demos', () => {
  let flat = -1;
  beforeAll(async () => {
    await initTf('cpu');
    setAssetReader(async (path) => new Uint8Array(await readFile(new URL(path, PUBLIC))));
  });
  afterAll(() => setAssetReader(null));

  const pretrain = (runId: string, epochs: number, policy: 'diffusion-mlp' | 'gaussian-mlp' = 'diffusion-mlp') =>
    ({ type: 'start-pretrain', runId, task: 'avoid-m2', policy, epochs, seed: 0, batchSize: 16, batchesPerEpoch: 2 }) as const;

  it('pre-trains on avoid-m2, reports every epoch and keeps the checkpoint as session:<runId>', async () => {
    const rec = recorder();
    handleRunMessage(pretrain('p1', 2), rec.post);
    const done = await rec.until(isEvent('p1', 'done'));
    const epochs = rec.events('p1').flatMap((e) => (e.type === 'pretrain-epoch' ? [e] : []));
    expect(epochs.map((e) => [e.epoch, e.totalEpochs])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const e of epochs) expect(e.loss).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(done).toMatchObject({ event: { summary: { checkpoint: 'session:p1', epochs: 2, total_epochs: 2, stopped: false, policy: 'diffusion-mlp' } } });
    const summary = (done as { event: { summary: Record<string, unknown> } }).event.summary;
    expect(summary.final_loss).toBe(epochs[1].loss);
    // The inspector samples the session checkpoint on its own: K + 1 = 21 clouds.
    handleRunMessage({ type: 'inspect', requestId: 21, runId: null, checkpoint: 'session:p1', policy: 'pretrained', obs: [0.525, -0.28, 0.525, -0.28], n: 8, seed: 0 }, rec.post);
    const res = (await rec.until((r) => r.type === 'inspect-result' && r.result.requestId === 21)) as { result: InspectResult };
    expect(res.result.steps).toHaveLength(21);
    expect(res.result.steps.every((s) => s.every(Number.isFinite))).toBe(true);
    flat = tf.memory().numTensors;
  });

  it('pauses, resumes and stops pre-training, refusing a second job meanwhile', async () => {
    const rec = recorder();
    handleRunMessage({ ...pretrain('p2', 500), batchesPerEpoch: 1 }, rec.post);
    await rec.until(isEvent('p2', 'pretrain-epoch'));
    handleRunMessage(pretrain('p3', 1), rec.post);
    expect(await rec.until(isEvent('p3', 'error'))).toMatchObject({ event: { message: expect.stringMatching(/Pre-training p2 is still going/) } });
    handleRunMessage({ type: 'start-finetune', runId: 'f0', config: tinyConfig({ nTrainItr: 1 }), checkpoint: checkpointBytes() }, rec.post);
    expect(await rec.until(isEvent('f0', 'error'))).toMatchObject({ event: { message: expect.stringMatching(/still going/) } });
    handleRunMessage({ type: 'pause', runId: 'p2' }, rec.post);
    await new Promise((r) => setTimeout(r, 300));
    const held = rec.got.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(rec.got.length).toBe(held);
    handleRunMessage({ type: 'resume', runId: 'p2' }, rec.post);
    const n = rec.events('p2').filter((e) => e.type === 'pretrain-epoch').length;
    await rec.until((r) => isEvent('p2', 'pretrain-epoch')(r) && (r as { event: { epoch: number } }).event.epoch >= n);
    handleRunMessage({ type: 'stop', runId: 'p2' }, rec.post);
    const done = (await rec.until(isEvent('p2', 'done'))) as { event: { summary: Record<string, unknown> } };
    const nEpochs = rec.events('p2').filter((e) => e.type === 'pretrain-epoch').length;
    expect(done.event.summary).toMatchObject({ stopped: true, epochs: nEpochs, total_epochs: 500, checkpoint: 'session:p2' });
    expect(nEpochs).toBeLessThan(500);
    expect(tf.memory().numTensors).toBe(flat);
  });

  it('fine-tunes Avoid from the session checkpoint, then releases it all for the next job', async () => {
    const rec = recorder();
    const config = resolveFinetuneConfig(taskFamily('avoid-m2').presets.reference('avoid-m2', 'dppo', 0), { nEnvs: 2, nSteps: 2, batchSize: 20, updateEpochs: 1, nTrainItr: 1 });
    handleRunMessage({ type: 'start-finetune', runId: 'f1', config, checkpoint: 'session:p1' }, rec.post);
    const done = await rec.until(isEvent('f1', 'done'), 90_000);
    expect(done).toMatchObject({ event: { summary: { itr: 0, iterations: 1, stopped: false } } });
    expect(rec.events('f1').filter((e) => e.type === 'iteration')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 0)); // the loop has returned after 'done'
    handleRunMessage({ type: 'start-finetune', runId: 'f2', config, checkpoint: 'session:nope' }, rec.post);
    expect(await rec.until(isEvent('f2', 'error'))).toMatchObject({ event: { message: expect.stringMatching(/is gone/) } });
    // The next job releases the fine-tuned policies; a Gaussian pre-training leaves nothing behind either.
    handleRunMessage({ ...pretrain('p4', 1, 'gaussian-mlp'), batchesPerEpoch: 1 }, rec.post);
    expect(await rec.until(isEvent('p4', 'done'))).toMatchObject({ event: { summary: { checkpoint: 'session:p4', policy: 'gaussian-mlp' } } });
    expect(tf.memory().numTensors).toBe(flat);
  });
});
