/**
 * The workload behind the in-app benchmark and `dppo bench workload` (bench/workload.ts), tiny, in Node:
 * wasm and cpu run the same seeded work to the same losses (float32 tolerance), the fine-tuning iterations
 * keep the tensor count flat, and nothing leaks. (The GPU backends are compared the same way in
 * e2e/webgpu-training.e2e.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWorkload, type WorkloadResult, type WorkloadSpec } from '../../bench/workload';
import { loadDppoNpz } from '../data/dppoNpz';
import { decodeCheckpoint } from '../policy/checkpoint';
import { initTf } from '../policy/tfSetup';
import { resolveBuiltin } from '../sim/registry';

const asset = (ref: string) => new Uint8Array(readFileSync(join(process.cwd(), 'public', resolveBuiltin(ref).path)));

const SPEC: WorkloadSpec = {
  task: 'avoid-m2', algo: 'dppo', seed: 0, nEnvs: 2, batchSize: 20, finetuneIters: 2, finetuneEnvs: 1, finetuneSteps: 2,
  finetuneBatch: 20, pretrainBatches: 1, pretrainBatchSize: 8, reps: 1, budgetMs: 0, coverItrs: 2,
};

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-3 * Math.max(Math.abs(a), Math.abs(b)) + 1e-5;

describe('workload benchmark (wasm vs cpu)', () => {
  it('same seeded losses on both backends, flat tensors over the iterations, no leak', async () => {
    const checkpoint = decodeCheckpoint(asset('builtin:avoid-m2/diffusion-mlp'));
    const coverCheckpoints = { gaussian: decodeCheckpoint(asset('builtin:avoid-m2/gaussian-mlp')), gmm: decodeCheckpoint(asset('builtin:avoid-m2/gmm-mlp')) };
    const ds = loadDppoNpz(asset('builtin:avoid-m2/train'), asset('builtin:avoid-m2/normalization'));
    const dataset = { states: ds.obs, actions: ds.act, trajLengths: ds.episodeLengths, normalization: ds.normalization! };
    const results: WorkloadResult[] = [];
    for (const b of ['wasm', 'cpu'] as const) {
      await initTf(b);
      results.push(await runWorkload(SPEC, { checkpoint, dataset, coverCheckpoints }));
    }
    const [w, c] = results;
    for (const r of results) {
      expect(r.leakedTensors).toBe(0);
      expect(r.chain.ms).toBeGreaterThan(0);
      const tensors = r.finetune!.iterations.map((i) => i.memory.numTensors);
      expect(new Set(tensors).size).toBe(1);
      expect(r.finetune!.iterations.map((i) => i.envSteps)).toEqual([8, 16]);
    }
    expect(w.backend).toBe('wasm');
    expect(c.backend).toBe('cpu');
    expect(close(w.chain.actionsAbsMean, c.chain.actionsAbsMean)).toBe(true);
    expect(close(w.chain.evalActionsAbsMean, c.chain.evalActionsAbsMean)).toBe(true);
    expect(close(w.update.pgLoss, c.update.pgLoss)).toBe(true);
    expect(close(w.update.vLoss, c.update.vLoss)).toBe(true);
    expect(close(w.pretrain!.loss, c.pretrain!.loss)).toBe(true);
    for (const k of ['losses/policy_loss', 'losses/value_loss', 'losses/approx_kl']) {
      expect(close(w.finetune!.iterations[1].metrics[k], c.finetune!.iterations[1].metrics[k]), k).toBe(true);
    }
    // The other engine paths: Gaussian/GMM iterations, evaluation, inspector sampling, UNet chain.
    const [wc, cc] = [w.coverage!, c.coverage!];
    for (const algo of ['gaussian', 'gmm'] as const) {
      expect(wc[algo].map((i) => i.envSteps)).toEqual([8, 16]);
      expect(new Set(wc[algo].map((i) => i.memory.numTensors)).size, algo).toBe(1);
      for (const k of ['losses/policy_loss', 'losses/value_loss']) {
        expect(Number.isFinite(wc[algo][1].metrics[k]), `${algo} ${k}`).toBe(true);
        expect(close(wc[algo][1].metrics[k], cc[algo][1].metrics[k]), `${algo} ${k}`).toBe(true);
      }
    }
    expect(wc.evaluate.episodes).toBe(1);
    expect(close(wc.evaluate.avgReturn, cc.evaluate.avgReturn)).toBe(true);
    expect(wc.evaluate.traceAbsMean).toBeGreaterThan(0);
    expect(close(wc.evaluate.traceAbsMean, cc.evaluate.traceAbsMean)).toBe(true);
    expect(wc.inspector.steps).toBe(21);
    wc.inspector.absMeanPerStep.forEach((v, s) => expect(close(v, cc.inspector.absMeanPerStep[s]), `inspector step ${s}`).toBe(true));
    expect(wc.unet.chainLength).toBe(5);
    expect(wc.unet.actionsAbsMean).toBeGreaterThan(0);
    for (const k of ['actionsAbsMean', 'evalActionsAbsMean', 'chainAbsMean'] as const) expect(close(wc.unet[k], cc.unet[k]), `unet ${k}`).toBe(true);
  });
});
