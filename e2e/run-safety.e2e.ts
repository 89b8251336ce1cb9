/**
 * Runs you can trust (issue 13, items 4–6), in the built app with the real worker, MuJoCo and tfjs:
 * - actor lr 1e6 halts with the divergence message, and the last good weights stay evaluable (the clouds
 *   sample them as `session:<runId>`);
 * - a paused run's wall-clock leaves the pause out (±1 s), and the pause is recorded;
 * - Stop mid-iteration leaves no partial point: every CSV row is a whole iteration, numbered 0…n−1, and
 *   the progress bar, the trajectory panel and the CSV agree on the last iteration.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, artifactPath, BASE_URL } from './helpers';

/** One iteration takes seconds: 8 envs × 25 chunk steps, one epoch of 500-item minibatches. */
const TINY = 'task=avoid-m2&algo=dppo&preset=laptop&seed=0&nEnvs=8&nSteps=25&batchSize=500&updateEpochs=1';
const link = (extra: string) => `#/experiments?${TINY}&${extra}`;

async function useLink(page: Page, extra: string, nTrainItr: string): Promise<void> {
  await page.goto(BASE_URL + link(extra));
  await page.waitForFunction((n) => (document.querySelector<HTMLInputElement>('#param-nTrainItr')?.value ?? '') === n, nTrainItr, { timeout: 10_000 });
}

/** The newest run's row in the run list. */
const newestRow = (page: Page) => page.locator('[data-testid="run-list"] tbody tr').first();

async function iterations(page: Page): Promise<number> {
  return Number((await page.getByTestId('run-progress').getAttribute('data-iterations')) ?? 'NaN');
}

async function waitIterations(page: Page, n: number, timeout = 300_000): Promise<void> {
  await page.waitForFunction((k) => Number(document.querySelector('[data-testid="run-progress"]')?.getAttribute('data-iterations') ?? 0) >= k, n, { timeout, polling: 250 });
}

/** The newest run's CSV (its row's CSV button) as records. */
async function newestCsv(page: Page): Promise<Record<string, string>[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), newestRow(page).getByRole('button', { name: 'CSV' }).click()]);
  const text = await readFile((await download.path())!, 'utf8');
  const [head, ...rows] = text.trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(head.map((k, i) => [k, r[i]])));
}

describe('runs you can trust: divergence, paused time, stop', { timeout: 900_000 }, () => {
  const app = appSession({ url: BASE_URL, hash: link('nTrainItr=8&actorLr=1e6') });
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('actor lr 1e6 halts with the divergence message and the last good weights stay evaluable', async () => {
    assert.equal(Number(await page.locator('#param-actorLr').inputValue()), 1e6);
    await page.getByTestId('run-start').click();
    const error = page.getByTestId('run-error');
    await error.waitFor({ timeout: 420_000 });
    const message = await error.innerText();
    assert.match(message, /^Training diverged at iteration \d+: the .+ became non-finite/);
    assert.match(message, /Try a lower actorLr/);
    assert.doesNotMatch(message, /Avoid action contains a non-finite value/);
    const itr = Number(/iteration (\d+)/.exec(message)![1]);
    assert.equal(await iterations(page), itr, 'the points stop before the iteration that diverged');
    assert.equal(await newestRow(page).getAttribute('data-status'), 'error');

    const lastGood = page.getByTestId('last-good');
    const ref = (await lastGood.getAttribute('data-checkpoint')) ?? '';
    const goodItr = Number(await lastGood.getAttribute('data-itr'));
    assert.match(ref, /^session:run-/);
    assert.ok(goodItr < itr, `last good itr ${goodItr} < ${itr}`);
    await page.getByTestId('use-last-good').click();
    assert.equal(await page.getByTestId('checkpoint').inputValue(), ref);
    // The clouds sample the kept weights: the current row says which iteration they come after.
    const title = goodItr >= 0 ? `current · after itr ${goodItr}` : 'current (= pre-trained, no run yet)';
    await page.locator(`.ic-rowhead[title="${title}"]`).first().waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="cloud-current-0"] canvas')?.getAttribute('data-points') ?? 0) > 0, undefined, { timeout: 60_000 });
    await page.screenshot({ path: artifactPath('run-safety-divergence.png') });
    assert.deepEqual(errors, []);
  });

  it('a paused run\'s wall-clock leaves out the pause (±1 s) and records it', async () => {
    await useLink(page, 'nTrainItr=3', '3');
    await page.getByTestId('checkpoint').selectOption('builtin:avoid-m2/diffusion-mlp');
    await page.getByTestId('run-start').click();
    await waitIterations(page, 1);
    await page.waitForTimeout(500); // into iteration 1
    await page.getByTestId('run-pause').click();
    await page.locator('[data-testid="run-pause"]', { hasText: 'Resume' }).waitFor();
    const PAUSE_S = 5;
    await page.waitForTimeout(PAUSE_S * 1000);
    assert.equal(await iterations(page), 1, 'nothing completes while paused');
    assert.match(await page.getByTestId('run-progress').innerText(), /paused/);
    await page.getByTestId('run-pause').click();
    await page.locator('[data-testid="run-list"] tbody tr[data-status="done"]').first().waitFor({ timeout: 300_000 });
    const rows = await newestCsv(page);
    assert.deepEqual(rows.map((r) => r.itr), ['0', '1', '2']);
    const wall = rows.map((r) => Number(r.wall_s));
    const itrS = rows.map((r) => Number(r['time/iteration_s']));
    const pausedS = rows.map((r) => Number(r['time/paused_s']));
    assert.ok(pausedS[1] > PAUSE_S - 1 && pausedS[1] < PAUSE_S + 1, `paused ${pausedS[1]} s in itr 1`);
    assert.ok(pausedS[0] < 0.1 && pausedS[2] < 0.1, `no pause in itr 0 and 2: ${pausedS}`);
    // The wall-clock advances by running time: over itr 1 it moves by the iteration's running time (±1 s),
    // not by that plus the pause.
    assert.ok(Math.abs(wall[1] - wall[0] - itrS[1]) < 1, `Δwall ${wall[1] - wall[0]} vs running ${itrS[1]}`);
    assert.ok(Math.abs(itrS[1] - itrS[2]) < 1 + 0.5 * itrS[2], `itr 1 ran ${itrS[1]} s, itr 2 ${itrS[2]} s`);
    assert.deepEqual(errors, []);
  });

  it('Stop mid-iteration leaves no partial point, and the iteration numbers agree', async () => {
    await useLink(page, 'nTrainItr=10', '10');
    await page.getByTestId('run-start').click();
    await waitIterations(page, 2);
    await page.waitForTimeout(1500); // into iteration 2
    await page.getByTestId('run-stop').click();
    await page.locator('[data-testid="run-list"] tbody tr[data-status="stopped"]').first().waitFor({ timeout: 120_000 });
    const n = await iterations(page);
    const rows = await newestCsv(page);
    assert.equal(rows.length, n);
    assert.deepEqual(rows.map((r) => Number(r.itr)), [...Array(n).keys()]);
    const steps = rows.map((r) => Number(r.env_steps));
    for (let i = 1; i < n; i++) assert.ok(steps[i] > steps[i - 1], `env_steps grow at itr ${i}: ${steps}`);
    for (const r of rows) assert.ok(r['losses/value_loss'] !== '' && r['time/iteration_s'] !== '', `a whole iteration: ${JSON.stringify(r)}`);
    // Progress bar, trajectory panel and CSV name the same last iteration.
    assert.equal(Number(await page.getByTestId('run-progress').getAttribute('data-itr')), n - 1);
    assert.match(await page.getByTestId('run-progress').innerText(), new RegExp(`itr ${n - 1} · ${n}/10 done`));
    await page.getByText(new RegExp(`Trajectories · itr ${n - 1}\\b`)).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: artifactPath('run-safety-stop.png') });
    assert.deepEqual(errors, []);
  });
});
