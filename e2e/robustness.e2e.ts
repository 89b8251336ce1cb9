/**
 * Robustness study on the Policies page in real Chromium (issue 9, paper Fig. 12): a bad σ list is refused
 * next to the control without starting anything; then one click on Hopper (1 episode per cell, σ 0 and 0.2,
 * init scales 1 and 4) evaluates the bundled DPPO (diffusion) and Gaussian policies side by side in the train
 * worker (300-step episodes), with a progress bar, and shows both charts with one line per policy and a finite return in every
 * cell of the table; Cancel ends a running study with the cells finished so far.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appSession, artifactPath } from './helpers';

describe('Policies: robustness, one click', () => {
  const s = appSession();

  it('refuses a σ list that is not numbers at the control', async () => {
    const { page } = s;
    await page.evaluate(() => {
      location.hash = '#/policies';
    });
    await page.getByTestId('robustness').waitFor();
    await page.getByTestId('robustness-task').selectOption('hopper');
    assert.equal(await page.getByTestId('robustness-policy-dppo').inputValue(), 'builtin:hopper/diffusion-mlp');
    assert.equal(await page.getByTestId('robustness-policy-gaussian').inputValue(), 'builtin:hopper/gaussian-mlp');
    await page.getByTestId('robustness-sigmas').fill('0, x');
    await page.getByTestId('robustness-run').click();
    const err = page.getByTestId('robustness-error');
    await err.waitFor();
    assert.match((await err.textContent()) ?? '', /σ list: "x" is not a number/);
    assert.equal(await page.getByTestId('robustness-result').count(), 0);
  });

  it('evaluates DPPO and Gaussian under σ 0 and 0.2 and init scales 1 and 4, every cell finite', async () => {
    const { page } = s;
    const t0 = Date.now();
    await page.getByTestId('robustness-sigmas').fill('0, 0.2');
    await page.getByTestId('robustness-init-scales').fill('1, 4');
    await page.getByTestId('robustness-episodes').fill('1');
    // 300-step episodes keep the six cells short on a shared 2-core machine (the horizon field's quick look).
    await page.getByTestId('robustness-max-steps').fill('300');
    await page.getByTestId('robustness-run').click();
    assert.equal(await page.getByTestId('robustness-error').count(), 0);
    await page.getByTestId('robustness-progress').waitFor({ timeout: 30_000 });
    const result = page.locator('[data-testid="robustness-result"][data-done="true"]');
    await result.waitFor({ timeout: 150_000 });
    // 2 policies × (σ 0, σ 0.2, init ×4; the σ 0 / init ×1 cell shared by both sweeps) = 6 cells.
    assert.equal(await result.getAttribute('data-cells'), '6');
    const cells = page.getByTestId('robustness-cell');
    assert.equal(await cells.count(), 8); // table: 4 rows (σ 0, σ 0.2, ×1, ×4) × 2 policies
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const c = cells.nth(i);
      const v = Number(await c.getAttribute('data-return'));
      assert.ok(Number.isFinite(v), `cell ${i} return ${await c.getAttribute('data-return')}`);
      seen.add(String(await c.getAttribute('data-policy')));
    }
    assert.deepEqual([...seen].sort(), ['DPPO', 'Gaussian']);
    for (const chart of ['robustness-chart-sigma', 'robustness-chart-init']) {
      const series = page.getByTestId(chart).getByTestId('robust-series');
      assert.equal(await series.count(), 2);
      for (let i = 0; i < 2; i++) assert.equal(await series.nth(i).getAttribute('data-points'), '2');
    }
    await page.getByTestId('robustness').screenshot({ path: artifactPath('robustness.png') });
    // The Run button is back; nothing went to the console as an error.
    await page.getByTestId('robustness-run').waitFor();
    assert.deepEqual(s.errors, []);
    console.log(`robustness e2e: 6 cells in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('Cancel stops a running study and keeps the finished cells', async () => {
    const { page } = s;
    await page.getByTestId('robustness-sigmas').fill('0, 0.1, 0.2, 0.3');
    await page.getByTestId('robustness-run').click();
    await page.getByTestId('robustness-progress').waitFor({ timeout: 30_000 });
    await page.getByTestId('robustness-cancel').click();
    // The Run button comes back within a chunk step or so, not after the 10 cells.
    await page.getByTestId('robustness-run').waitFor({ timeout: 15_000 });
    const result = page.getByTestId('robustness-result');
    assert.equal(await result.getAttribute('data-done'), 'false');
    assert.ok(Number(await result.getAttribute('data-cells')) < 10);
    assert.match((await result.textContent()) ?? '', /Cancelled: only the finished cells are shown/);
    assert.match((await result.textContent()) ?? '', /at most 300 steps/);
    assert.equal(await page.getByTestId('robustness-error').count(), 0);
    assert.deepEqual(s.errors, []);
  });
});
