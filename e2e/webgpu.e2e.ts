/**
 * With --enable-unsafe-webgpu Chromium exposes SwiftShader's fallback adapter (spec/tfjs-backends.md §4):
 * automatic mode must skip it as software, and forcing WebGPU through the override must run it and pass
 * the numeric self-check (a small matMul/ReLU forward and gradient against float64 JS).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, chooseBackend, readProbes } from './helpers';

describe('WebGPU backend (software adapter)', { timeout: 150_000 }, () => {
  const app = appSession({ extraArgs: ['--enable-unsafe-webgpu'] });
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('is skipped as a software adapter in automatic mode', async () => {
    const probes = await readProbes(page);
    assert.equal(probes.wasm.state, 'active');
    assert.equal(probes.webgpu.state, 'skipped');
    assert.match(probes.webgpu.reason, /software adapter/);
  });

  it('runs and computes correctly when forced', async () => {
    assert.equal(await chooseBackend(page, 'webgpu'), 'webgpu');
    const probes = await readProbes(page);
    assert.equal(probes.webgpu.state, 'active');
    assert.match(probes.webgpu.reason, /override/);
    assert.ok(probes.webgpu.checkError !== null && probes.webgpu.checkError < 1e-4, `webgpu self-check error ${probes.webgpu.checkError}`);
    console.log(`webgpu (SwiftShader): ${probes.webgpu.ms} ms/step, self-check error ${probes.webgpu.checkError}; wasm ${probes.wasm.ms} ms/step`);
    assert.equal(await chooseBackend(page, 'auto'), 'wasm');
    assert.deepEqual(errors, []);
  });
});
