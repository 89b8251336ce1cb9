/**
 * The Avoid study as a user does it (issue "Must show"): open a shared link with a tiny DPPO config, press
 * Start, watch the learning curves grow for at least two iterations, see the env paths in the trajectory
 * plot, open the Inspector and see action clouds at several denoising steps, find the run again after a
 * reload, and pre-train a policy from the bundled demos whose checkpoint the experiment can then select.
 * Runs against the built app with the real training worker, MuJoCo and tfjs.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, artifactPath, BASE_URL, waitBackend } from './helpers';

/** A config where one iteration takes seconds: 8 envs × 25 chunk steps, one epoch of 500-item minibatches. */
const LINK = '#/experiments?task=avoid-m2&algo=dppo&preset=laptop&seed=0&nEnvs=8&nSteps=25&batchSize=500&updateEpochs=1&nTrainItr=3';

async function attrNumber(page: Page, testId: string, attr: string): Promise<number> {
  return Number((await page.getByTestId(testId).first().getAttribute(attr)) ?? 'NaN');
}

describe('Avoid study: DPPO fine-tuning, curves, trajectories, action clouds', { timeout: 600_000 }, () => {
  const app = appSession({ url: BASE_URL, hash: LINK });
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('reads the experiment from the link into the form', async () => {
    assert.equal(await page.locator('#param-nEnvs').inputValue(), '8');
    assert.equal(await page.locator('#param-batchSize').inputValue(), '500');
    assert.equal(await page.getByTestId('task').inputValue(), 'avoid-m2');
    assert.match(await page.locator('[data-param="ftDenoisingSteps"]').innerText(), /K′\s*ft_denoising_steps/);
  });

  it('starts DPPO and the curves grow for at least two iterations', async () => {
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-progress').waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="run-progress"]')?.getAttribute('data-iterations') ?? 0) >= 2,
      undefined,
      { timeout: 420_000, polling: 500 },
    );
    const points = await attrNumber(page, 'chart-charts/success_rate', 'data-points');
    assert.ok(points >= 2, `success-rate chart has ${points} points`);
    const klPoints = await attrNumber(page, 'chart-losses/approx_kl', 'data-points');
    assert.ok(klPoints >= 1, `approx-KL chart has ${klPoints} points`);
    await page.screenshot({ path: artifactPath('avoid-study-experiments.png') });
  });

  it('plots the env paths of the current iteration', async () => {
    const n = await attrNumber(page, 'trajectory-plot', 'data-paths');
    assert.ok(n >= 1, `trajectory plot shows ${n} paths`);
    assert.ok((await page.locator('[data-testid="trajectory-plot"] polyline').count()) >= 1);
    // The 3-D view switched to the Avoid scene to replay one env's path.
    await page.locator('[data-testid="viewer"][data-scene="avoid-m2"]').waitFor({ timeout: 60_000 });
  });

  it('shows action clouds at several denoising steps on the Inspector', async () => {
    await page.locator('.nav a', { hasText: 'Inspector' }).click();
    await page.getByTestId('page-inspector').waitFor();
    await page.waitForFunction(
      () => {
        const cells = [...document.querySelectorAll('[data-testid^="cloud-current-"] canvas, [data-testid^="cloud-pretrained-"] canvas')];
        return cells.filter((c) => Number(c.getAttribute('data-points')) > 0).length >= 4;
      },
      undefined,
      { timeout: 120_000, polling: 500 },
    );
    const steps = await attrNumber(page, 'cloud-grid', 'data-steps');
    assert.ok(steps >= 2, `${steps} denoising steps shown`);
    const final = page.locator('[data-testid="cloud-current-0"] canvas');
    assert.ok(Number(await final.getAttribute('data-points')) >= 64, 'final-action cloud (k = 0) of the current policy has samples');
    // Clicking a vertex of a path in the trajectory plot makes that state the inspected one.
    const target = await page.evaluate(() => {
      const svg = document.querySelector<SVGSVGElement>('[data-testid="page-inspector"] [data-testid="trajectory-plot"]')!;
      const line = svg.querySelector('polyline')!;
      const [x, y] = line.getAttribute('points')!.trim().split(/\s+/)[6].split(',').map(Number);
      const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM()!);
      return { x: p.x, y: p.y };
    });
    await page.mouse.click(target.x, target.y);
    await page.getByTestId('inspect-source').filter({ hasText: /env \d+ · chunk point \d+/ }).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="inspect-source"][data-busy="false"]').waitFor({ timeout: 60_000 });
    assert.ok(Number(await final.getAttribute('data-points')) >= 64, 'clouds at the clicked state');
    await page.screenshot({ path: artifactPath('avoid-study-inspector.png') });
    // Evaluation noise instead of the exploration floor: both policies are re-sampled and say so.
    await page.getByTestId('page-inspector').getByTestId('inspect-mode').selectOption('eval');
    await page.locator('[data-testid="page-inspector"] .ic-rowhead', { hasText: 'pre-trained · eval noise' }).first().waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="page-inspector"] .ic-rowhead', { hasText: /current.*eval noise/ }).first().waitFor({ timeout: 60_000 });
    assert.ok(Number(await final.getAttribute('data-points')) >= 64, 'eval-noise clouds have samples');
    await page.getByTestId('page-inspector').getByTestId('inspect-mode').selectOption('exploration');
  });

  it('keeps the run and its curve after a reload', async () => {
    await page.locator('.nav a', { hasText: 'Experiments' }).click();
    await page.getByTestId('page-experiments').waitFor();
    const stop = page.getByTestId('run-stop');
    if (await stop.isEnabled()) await stop.click();
    await page.reload();
    await page.getByTestId('run-list').waitFor({ timeout: 30_000 });
    const rows = await page.locator('[data-testid="run-list"] tbody tr').count();
    assert.ok(rows >= 1, 'the run is listed after reload');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-charts/success_rate"]')?.getAttribute('data-points') ?? 0) >= 2, undefined, {
      timeout: 30_000,
    });
    assert.deepEqual(errors, []);
  });

  it('pre-trains from the demos for one epoch and offers the result as the pre-trained policy', async () => {
    await waitBackend(page);
    assert.equal(await page.getByTestId('pretrain-kind').inputValue(), 'diffusion-mlp');
    await page.getByTestId('pretrain-epochs').fill('1');
    const t0 = Date.now();
    await page.getByTestId('pretrain-start').click();
    await page.getByTestId('pretrain-progress').waitFor({ timeout: 30_000 });
    assert.ok(await page.getByTestId('run-start').isDisabled(), 'fine-tuning waits while pre-training runs');
    await page.locator('[data-testid="pretrain-progress"][data-status="done"]').waitFor({ timeout: 420_000 });
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(await attrNumber(page, 'pretrain-progress', 'data-epochs'), 1);
    const bar = page.locator('[data-testid="pretrain-progress"] [role="progressbar"]');
    assert.equal(await bar.getAttribute('aria-valuenow'), await bar.getAttribute('aria-valuemax'));
    assert.match((await bar.locator('.xp-overall-fill').getAttribute('style')) ?? '', /width: 100%/);
    assert.equal(await attrNumber(page, 'pretrain-loss-chart', 'data-points'), 1);
    const select = page.getByTestId('checkpoint');
    const labels = await select.locator('option').allInnerTexts();
    assert.ok(labels.some((l) => /^this session's pre-trained diffusion-mlp \(loss [\d.e-]+/.test(l)), `checkpoint options: ${labels.join(' | ')}`);
    assert.match(await select.inputValue(), /^session:pre-/);
    assert.ok(await page.getByTestId('run-start').isEnabled(), 'fine-tuning can start again');
    console.log(`pre-training: 1 epoch in ${seconds.toFixed(1)} s (including dataset load)`);
    await page.getByTestId('pretrain-panel-box').screenshot({ path: artifactPath('avoid-study-pretrain.png') });
    assert.deepEqual(errors, []);
  });
});
