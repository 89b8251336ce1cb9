/**
 * Training on the GPU backends, end to end (issue 12), in Debian Chromium with --enable-unsafe-webgpu: WebGPU
 * (SwiftShader's fallback adapter here) and WebGL (ANGLE → SwiftShader) run every engine path — a sampling
 * chain (training and evaluation mode), a PPO update minibatch, whole DPPO fine-tuning iterations on Avoid,
 * a behaviour-cloning epoch, and (the benchmark's "other paths") Gaussian-PPO and GMM-PPO iterations, one
 * evaluation round, the inspector's per-denoising-step sampling and a Unet1D denoiser chain — through the
 * in-app benchmark, with the GPU backend forced in the popover. Their losses and metrics match the wasm
 * backend's on the same seed within float32 tolerance, env step counts are identical, and the tensor count
 * and GPU bytes are flat over the iterations of every algorithm.
 *
 * Tolerance: |a − b| ≤ 1e-3·max(|a|, |b|) + 1e-5 on every loss and metric (the backends agree to ~1e-6 per op,
 * spec/tfjs-backends.md §5; a rollout compounds that over 20 denoising steps and the env's dynamics).
 * Sizes are tiny because SwiftShader is 10–100× (WebGL) and ~500× (WebGPU) slower than wasm; they are the
 * benchmark panel's inputs. WebGPU runs 2 iterations of one chunk step per algorithm (the cost is per
 * dispatched op, so chains, not envs, are what it pays for); WebGL runs 3 DPPO iterations.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, readProbes, waitBackend } from './helpers';
import { readBench, runBenchPanel, type BenchIteration, type BenchRowData } from './benchHelpers';

const SIZES = {
  webgpu: { nEnvs: 2, batchSize: 20, finetuneIters: 2, finetuneEnvs: 2, finetuneSteps: 1, finetuneBatch: 20, pretrainBatches: 1, pretrainBatchSize: 16, coverItrs: 2 },
  webgl: { nEnvs: 2, batchSize: 20, finetuneIters: 3, finetuneEnvs: 2, finetuneSteps: 1, finetuneBatch: 20, pretrainBatches: 1, pretrainBatchSize: 16, coverItrs: 2 },
};
const REL = 1e-3;
const ABS = 1e-5;

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  return Math.abs(a - b) <= REL * Math.max(Math.abs(a), Math.abs(b)) + ABS;
}

/** Every loss and metric of `gpu` against `ref` (wasm); returns the mismatches as text. */
function compare(ref: BenchRowData, gpu: BenchRowData): string[] {
  const bad: string[] = [];
  const r = ref.result!;
  const g = gpu.result!;
  const check = (what: string, a: number, b: number) => {
    if (!close(a, b)) bad.push(`${what}: wasm ${a} vs ${gpu.backend} ${b}`);
  };
  check('chain |action| (exploration)', r.chain.actionsAbsMean, g.chain.actionsAbsMean);
  check('chain |action| (eval)', r.chain.evalActionsAbsMean, g.chain.evalActionsAbsMean);
  check('update pg loss', r.update.pgLoss, g.update.pgLoss);
  check('update value loss', r.update.vLoss, g.update.vLoss);
  check('BC epoch loss', r.pretrain!.loss, g.pretrain!.loss);
  const iterations = (what: string, ri: BenchIteration[], gi: BenchIteration[]) => {
    assert.equal(gi.length, ri.length, `${what} iterations done`);
    ri.forEach((it, k) => {
      assert.equal(gi[k].envSteps, it.envSteps, `${what} env steps of itr ${k}`);
      for (const [key, v] of Object.entries(it.metrics)) {
        if (key.startsWith('time/') || key.includes('_per_s') || key.includes('wall')) continue;
        check(`${what} itr ${k} ${key}`, v, gi[k].metrics[key]);
      }
    });
  };
  iterations('dppo', r.finetune!.iterations, g.finetune!.iterations);
  const rc = r.coverage!;
  const gc = g.coverage!;
  iterations('gaussian', rc.gaussian, gc.gaussian);
  iterations('gmm', rc.gmm, gc.gmm);
  assert.equal(gc.evaluate.episodes, rc.evaluate.episodes, 'evaluation episodes');
  check('eval avg return', rc.evaluate.avgReturn, gc.evaluate.avgReturn);
  check('eval avg best reward', rc.evaluate.avgBestReward, gc.evaluate.avgBestReward);
  check('eval success rate', rc.evaluate.successRate, gc.evaluate.successRate);
  check('eval path |trace|', rc.evaluate.traceAbsMean, gc.evaluate.traceAbsMean);
  assert.equal(gc.inspector.steps, rc.inspector.steps, 'inspector steps');
  rc.inspector.absMeanPerStep.forEach((v, s) => check(`inspector step ${s} |action|`, v, gc.inspector.absMeanPerStep[s]));
  assert.equal(gc.unet.chainLength, rc.unet.chainLength, 'unet chain length');
  check('unet |action| (exploration)', rc.unet.actionsAbsMean, gc.unet.actionsAbsMean);
  check('unet |action| (eval)', rc.unet.evalActionsAbsMean, gc.unet.evalActionsAbsMean);
  check('unet |chain|', rc.unet.chainAbsMean, gc.unet.chainAbsMean);
  return bad;
}

function assertFlatMemory(row: BenchRowData, sizes: { finetuneIters: number; coverItrs: number }): void {
  // GPU bytes: exact for DPPO; within 1 KiB for Gaussian/GMM, whose few scalars may sit on the GPU in one
  // iteration and on the host in the next (WebGL counted 8 bytes more in GMM's second iteration) — a leaked
  // weight or activation would be far larger, and the tensor count is exact everywhere.
  const flat = (what: string, its: BenchIteration[], n: number, slack: number) => {
    assert.equal(its.length, n, `${what} iterations`);
    const tensors = its.map((i) => i.memory.numTensors);
    const gpuBytes = its.map((i) => i.memory.numBytesInGPU);
    assert.ok(tensors.every((t) => t === tensors[0]), `${row.backend} ${what} tensors per iteration ${tensors.join(', ')}`);
    assert.ok(gpuBytes.every((b) => b !== null && Math.abs(b - gpuBytes[0]!) <= slack), `${row.backend} ${what} GPU bytes per iteration ${gpuBytes.join(', ')}`);
  };
  flat('dppo', row.result!.finetune!.iterations, sizes.finetuneIters, 0);
  flat('gaussian', row.result!.coverage!.gaussian, sizes.coverItrs, 1024);
  flat('gmm', row.result!.coverage!.gmm, sizes.coverItrs, 1024);
  assert.equal(row.result!.leakedTensors, 0, `${row.backend} leaked tensors`);
}

/** Forces `choice` in the popover; starting a software GPU backend on a loaded 2-core box can take minutes. */
async function force(page: Page, choice: string): Promise<string> {
  if (!(await page.getByTestId('backend-popover').isVisible())) await page.getByTestId('backend-button').click();
  await page.getByTestId('backend-select').selectOption(choice, { timeout: 300_000 });
  return waitBackend(page, 300_000);
}

async function forcedRun(page: Page, gpu: 'webgpu' | 'webgl'): Promise<void> {
  assert.equal(await force(page, gpu), gpu);
  const t0 = Date.now();
  const rows = await runBenchPanel(page, ['wasm', gpu], SIZES[gpu]);
  const ref = rows.wasm;
  const got = rows[gpu];
  assert.ok(ref?.result && got?.result, `both rows have results: ${JSON.stringify({ wasm: ref?.error, [gpu]: got?.error })}`);
  assert.ok(ref.result.coverage && got.result.coverage, 'the other paths ran');
  console.log(`${gpu} (SwiftShader) vs wasm in ${((Date.now() - t0) / 1000).toFixed(0)} s: eval return ${got.result.coverage.evaluate.avgReturn} vs ${ref.result.coverage.evaluate.avgReturn}, inspector steps ${got.result.coverage.inspector.steps}, unet |a| ${got.result.coverage.unet.actionsAbsMean} vs ${ref.result.coverage.unet.actionsAbsMean}; chain ${got.result.chain.ms.toFixed(0)} vs ${ref.result.chain.ms.toFixed(1)} ms, update ${got.result.update.ms.toFixed(0)} vs ${ref.result.update.ms.toFixed(1)} ms, itr ${got.result.finetune!.msPerItr.toFixed(0)} vs ${ref.result.finetune!.msPerItr.toFixed(0)} ms; BC loss ${got.result.pretrain!.loss} vs ${ref.result.pretrain!.loss}; tensors ${got.result.finetune!.iterations.map((i) => i.memory.numTensors).join('/')}, GPU bytes ${got.result.finetune!.iterations.map((i) => i.memory.numBytesInGPU).join('/')}; gmm GPU bytes ${got.result.coverage.gmm.map((i) => i.memory.numBytesInGPU).join('/')}; eval |trace| ${got.result.coverage.evaluate.traceAbsMean} vs ${ref.result.coverage.evaluate.traceAbsMean}`);
  assert.deepEqual(compare(ref, got), []);
  assertFlatMemory(got, SIZES[gpu]);
  // The forced backend is active again after the benchmark.
  const probes = await readProbes(page);
  assert.equal(probes[gpu].state, 'active');
}

describe('training on WebGPU and WebGL matches wasm (software adapters)', { timeout: 900_000 }, () => {
  const app = appSession({ extraArgs: ['--enable-unsafe-webgpu'] });
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('WebGPU forced: BC epoch, chain, update, DPPO/Gaussian/GMM iterations, evaluation, inspector and UNet match wasm; memory flat', async () => {
    await forcedRun(page, 'webgpu');
  });

  it('WebGL forced: the same', async () => {
    await forcedRun(page, 'webgl');
  });

  it('the benchmark table has a row per available backend; automatic is still wasm, GPU skips name SwiftShader', async () => {
    assert.equal(await force(page, 'auto'), 'wasm');
    const probes = await readProbes(page);
    assert.equal(probes.wasm.state, 'active');
    for (const gpu of ['webgpu', 'webgl']) {
      assert.equal(probes[gpu].state, 'skipped');
      assert.match(probes[gpu].reason, /software (adapter|renderer) \(SwiftShader\)/);
    }
    const rows = await readBench(page);
    assert.deepEqual(Object.keys(rows).sort(), Object.entries(probes).filter(([, p]) => p.state !== 'unavailable').map(([k]) => k).sort());
    assert.equal(rows.wasm.state, 'done');
    assert.equal(rows.webgl.state, 'done');
    assert.ok(rows.wasm.row!.result!.chain.samplesPerS > 0 && rows.wasm.row!.result!.update.samplesPerS > 0);
    assert.equal(rows.webgl.row!.software, true);
    assert.deepEqual(errors, []);
  });
});
