/**
 * Issue 13, items 7 and 8, as a user meets them: a short Avoid run whose Value loss axis has unique labels
 * (and every chart axis a unit); a reload mid-run shows the interrupted run in the Run panel with what
 * happened and what can be done; the plain URL after a reload keeps the last-used form state (the seed).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, artifactPath, BASE_URL, waitBackend } from './helpers';

/** One iteration takes seconds; 30 of them keep the run going while the test reloads. */
const LINK = '#/experiments?task=avoid-m2&algo=dppo&preset=laptop&seed=0&nEnvs=8&nSteps=25&batchSize=500&updateEpochs=1&nTrainItr=30';

async function iterations(page: Page, n: number): Promise<void> {
  await page.waitForFunction(`Number(document.querySelector('[data-testid="run-progress"]')?.getAttribute('data-iterations') ?? 0) >= ${n}`, undefined, {
    timeout: 420_000,
    polling: 500,
  });
}

/** The rendered y-axis tick labels of a chart. */
function yLabels(page: Page, key: string): Promise<string[]> {
  // recharts 3 draws the tick labels in their own layer (recharts-yAxis-tick-labels); SVG text has no innerText.
  const chart = `[data-testid="chart-${key}"]`;
  return page.locator(`${chart} .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value, ${chart} .recharts-yAxis .recharts-cartesian-axis-tick-value`).allTextContents();
}

describe('charts and reload: unique axis labels, the interrupted run, the last-used form', { timeout: 900_000 }, () => {
  const app = appSession({ url: BASE_URL, hash: LINK });
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('labels the Value loss axis with unique ticks, and every chart axis has a unit', async () => {
    await page.getByTestId('run-start').click();
    await iterations(page, 2);
    for (const key of ['losses/value_loss', 'charts/success_rate', 'charts/avg_return', 'losses/approx_kl']) {
      const labels = (await yLabels(page, key)).map((l) => l.trim());
      assert.ok(labels.length >= 2, `${key}: ${labels.length} y labels`);
      assert.equal(new Set(labels).size, labels.length, `${key} y labels repeat: ${labels.join(' | ')}`);
      const units = (await page.locator(`[data-testid="chart-${key}"] .recharts-label`).allTextContents()).filter((u) => u.trim());
      assert.ok(units.length >= 2, `${key}: axis labels ${units.join(' | ')}`);
    }
    await page.getByTestId('chart-losses/value_loss').screenshot({ path: artifactPath('value-loss-axis.png') });
  });

  it('after a reload mid-run, the Run panel shows the interrupted run and what can be done', async () => {
    const done = Number(await page.getByTestId('run-progress').getAttribute('data-iterations'));
    assert.ok(done < 30, 'the run is still going');
    await page.reload();
    const note = page.getByTestId('run-interrupted');
    await note.waitFor({ timeout: 30_000 });
    assert.equal((await page.locator('[data-testid="run-progress"] .xp-run-status').innerText()).trim(), 'interrupted');
    const text = await note.innerText();
    assert.match(text, /worker running it was lost/);
    assert.match(text, /the last complete one is itr \d+/);
    assert.ok(Number(await note.getAttribute('data-iterations')) >= done, 'the completed iterations are kept');
    assert.ok(await page.getByTestId('run-load-config').isVisible());
    await waitBackend(page);
    assert.ok(await page.getByTestId('run-restart').isEnabled(), 'the run can be started again');
    await page.locator('.xp-controls').screenshot({ path: artifactPath('run-interrupted.png') }).catch(() => undefined);
    // Dismiss hides the note; the run stays in the run list.
    await page.getByTestId('run-dismiss').click();
    await note.waitFor({ state: 'detached' });
    assert.ok((await page.locator('[data-testid="run-list"] tbody tr').count()) >= 1);
  });

  it('the plain URL keeps the last-used form state after a reload', async () => {
    await page.getByTestId('seed').fill('17');
    await page.getByTestId('seed').press('Tab');
    await page.goto(BASE_URL + '#/experiments');
    await page.reload();
    await page.getByTestId('seed').waitFor();
    assert.equal(await page.getByTestId('seed').inputValue(), '17');
    assert.equal(await page.locator('#param-nEnvs').inputValue(), '8', 'the overrides are kept too');
    assert.deepEqual(errors, []);
  });
});
