/**
 * Training on the GPU backends, end to end (issue 12), in Debian Chromium with --enable-unsafe-webgpu: WebGPU
 * (SwiftShader's fallback adapter here) and WebGL (ANGLE → SwiftShader) run the real work — one sampling
 * chain (training and evaluation mode), one PPO update minibatch, 3 whole DPPO fine-tuning iterations on
 * Avoid and one behaviour-cloning epoch — through the in-app benchmark, with the GPU backend forced in the
 * popover. Their losses and metrics match the wasm backend's on the same seed within float32 tolerance, env
 * step counts are identical, and the tensor count and GPU bytes are flat over the 3 iterations.
 *
 * Tolerance: |a − b| ≤ 1e-3·max(|a|, |b|) + 1e-5 on every loss and metric (the backends agree to ~1e-6 per op,
 * spec/tfjs-backends.md §5; a rollout compounds that over 20 denoising steps and the env's dynamics).
 * Sizes are tiny because SwiftShader is 10–100× slower than wasm; they are the benchmark panel's inputs.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, readProbes, waitBackend } from './helpers';
import { readBench, runBenchPanel, type BenchRowData } from './benchHelpers';

const TINY = { nEnvs: 4, batchSize: 40, finetuneIters: 3, finetuneEnvs: 2, finetuneSteps: 2, finetuneBatch: 40, pretrainBatches: 2, pretrainBatchSize: 16 };
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
  const ri = r.finetune!.iterations;
  const gi = g.finetune!.iterations;
  assert.equal(gi.length, ri.length, 'iterations done');
  ri.forEach((it, k) => {
    assert.equal(gi[k].envSteps, it.envSteps, `env steps of itr ${k}`);
    for (const [key, v] of Object.entries(it.metrics)) {
      if (key.startsWith('time/') || key.includes('_per_s') || key.includes('wall')) continue;
      check(`itr ${k} ${key}`, v, gi[k].metrics[key]);
    }
  });
  return bad;
}

function assertFlatMemory(row: BenchRowData): void {
  const its = row.result!.finetune!.iterations;
  assert.equal(its.length, 3);
  const tensors = its.map((i) => i.memory.numTensors);
  const gpuBytes = its.map((i) => i.memory.numBytesInGPU);
  assert.ok(tensors.every((t) => t === tensors[0]), `${row.backend} tensors per iteration ${tensors.join(', ')}`);
  assert.ok(gpuBytes.every((b) => b !== null && b === gpuBytes[0]), `${row.backend} GPU bytes per iteration ${gpuBytes.join(', ')}`);
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
  const rows = await runBenchPanel(page, ['wasm', gpu], TINY);
  const ref = rows.wasm;
  const got = rows[gpu];
  assert.ok(ref?.result && got?.result, `both rows have results: ${JSON.stringify({ wasm: ref?.error, [gpu]: got?.error })}`);
  console.log(`${gpu} (SwiftShader) vs wasm in ${((Date.now() - t0) / 1000).toFixed(0)} s: chain ${got.result.chain.ms.toFixed(0)} vs ${ref.result.chain.ms.toFixed(1)} ms, update ${got.result.update.ms.toFixed(0)} vs ${ref.result.update.ms.toFixed(1)} ms, itr ${got.result.finetune!.msPerItr.toFixed(0)} vs ${ref.result.finetune!.msPerItr.toFixed(0)} ms; BC loss ${got.result.pretrain!.loss} vs ${ref.result.pretrain!.loss}; tensors ${got.result.finetune!.iterations.map((i) => i.memory.numTensors).join('/')}, GPU bytes ${got.result.finetune!.iterations.map((i) => i.memory.numBytesInGPU).join('/')}`);
  assert.deepEqual(compare(ref, got), []);
  assertFlatMemory(got);
  // The forced backend is active again after the benchmark.
  const probes = await readProbes(page);
  assert.equal(probes[gpu].state, 'active');
}

describe('training on WebGPU and WebGL matches wasm (software adapters)', { timeout: 1_200_000 }, () => {
  const app = appSession({ extraArgs: ['--enable-unsafe-webgpu'] });
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('WebGPU forced: BC epoch, chain, update and 3 DPPO iterations match wasm; memory flat', async () => {
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
