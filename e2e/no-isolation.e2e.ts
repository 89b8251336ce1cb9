/** Served without COOP/COEP the app still works: the scene moves and tfjs runs single-threaded WASM. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, canvasShot, compareShots, PLAIN_URL, readProbes } from './helpers';

describe('app without cross-origin isolation', { timeout: 120_000 }, () => {
  const app = appSession({ url: PLAIN_URL });
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('runs the viewer and the WASM backend', async () => {
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    assert.equal(await page.getByTestId('backend-label').innerText(), 'WASM');
    const probes = await readProbes(page);
    assert.match(probes.wasm.reason, /1 thread/);
    // Our SIMD matMul kernels link to tfjs' memory (shared under isolation, plain without) and pass the self-check.
    assert.match(probes.wasm.reason, /matMul: DPPO SIMD\+FMA kernel/);
    const a = await canvasShot(page);
    await page.waitForTimeout(600);
    const b = await canvasShot(page);
    const { a: stats, changed } = await compareShots(page, a, b);
    assert.ok(stats.colours > 40 && changed > 0.001, `colours ${stats.colours}, changed ${changed}`);
    assert.deepEqual(errors, []);
  });
});
