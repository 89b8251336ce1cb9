/**
 * Hopper fine-tuning as a user does it (issue 9, "Must show"): on the Experiments page pick Hopper and
 * DPPO, make the run small in the form, press Start, and see
 *  - the 3-D view switch to the Hopper and follow one env of the run live (the badge and the Trajectories
 *    title name the env; the bodies move while the run goes; picking another env's line follows that env),
 *  - the trajectory panel's 'series' view (forward progress and torso height per env, falls marked ×),
 *  - the average-return curve get at least two points.
 * Settings: 2 envs × 100 chunk steps (400 env steps per env per iteration) with 120-step episodes, so every
 * iteration holds complete episodes (returns are only counted for those, spec/dppo-reference.md §4.8).
 * Runs against the built app with the real training worker, MuJoCo and tfjs.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, artifactPath } from './helpers';

const SETTINGS: Record<string, string> = {
  nEnvs: '2',
  nSteps: '100',
  maxEpisodeSteps: '120',
  nTrainItr: '5',
  batchSize: '500',
  updateEpochs: '1',
};

async function attrNumber(page: Page, testId: string, attr: string): Promise<number> {
  return Number((await page.getByTestId(testId).first().getAttribute(attr)) ?? 'NaN');
}

/** The viewer's mean geom position of the newest pose frame (Viewer.tsx's HUD writes it 4× a second). */
async function meanPos(page: Page): Promise<number[]> {
  const s = (await page.getByTestId('viewer').getAttribute('data-mean-pos')) ?? '';
  return s.split(',').map(Number);
}

async function runStatus(page: Page): Promise<string> {
  return (await page.getByTestId('run-start').isVisible()) ? 'idle' : 'live';
}

/** Samples the viewer's pose over `ms` and returns the largest change of the mean geom position, in m. */
async function poseTravel(page: Page, ms: number): Promise<number> {
  const first = await meanPos(page);
  let most = 0;
  for (let t = 0; t < ms; t += 250) {
    await page.waitForTimeout(250);
    const p = await meanPos(page);
    most = Math.max(most, Math.hypot(p[0] - first[0], p[1] - first[1], p[2] - first[2]));
  }
  return most;
}

describe('Hopper: DPPO fine-tuning with the viewer following one env live', { timeout: 600_000 }, () => {
  const app = appSession();
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('picks Hopper and DPPO and sets a small run in the form', async () => {
    await page.getByTestId('task').selectOption('hopper');
    await page.getByRole('radio', { name: 'DPPO' }).click();
    assert.match(await page.getByTestId('checkpoint').inputValue(), /^builtin:hopper\/diffusion-mlp$/);
    for (const [key, value] of Object.entries(SETTINGS)) await page.locator(`#param-${key}`).fill(value);
    for (const [key, value] of Object.entries(SETTINGS)) assert.equal(await page.locator(`#param-${key}`).inputValue(), value, key);
    assert.equal(await page.locator('[data-invalid="true"]').count(), 0, 'no setting is refused');
  });

  it('starts DPPO; the viewer switches to the Hopper and follows env 0 live', async () => {
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-progress').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="viewer"][data-scene="hopper"]').waitFor({ timeout: 60_000 });
    const badge = page.getByTestId('viewer-follow');
    await badge.waitFor({ timeout: 120_000 });
    assert.equal(await badge.getAttribute('data-env'), '0');
    assert.match(await badge.innerText(), /env 0 · live/);
    assert.match((await page.getByTestId('trajectory-panel').locator('.panel-title').textContent()) ?? '', /viewer follows env 0/);
    // The hopper moves while the run goes: its poses change (torso, thigh, leg and foot travel with it).
    const travel = await poseTravel(page, 2_000);
    console.log(`live follow: mean geom position moved ${travel.toFixed(3)} m in 2 s (env 0)`);
    assert.ok(travel > 0.02, `the followed hopper did not move (${travel.toFixed(4)} m)`);
    await page.getByTestId('scene-panel').screenshot({ path: artifactPath('hopper-live-follow.png') });
  });

  it("shows the iteration's forward progress and torso height per env, falls marked ×", async () => {
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="trajectory-plot"]')?.getAttribute('data-paths') ?? 0) >= 2, undefined, {
      timeout: 240_000,
      polling: 500,
    });
    const plot = page.getByTestId('trajectory-plot');
    const charts = plot.locator('.tj-series svg');
    assert.equal(await charts.count(), 2, 'one chart per trace dimension');
    assert.match((await charts.nth(0).locator('text.tj-axis').first().textContent()) ?? '', /forward progress/);
    assert.match((await charts.nth(1).locator('text.tj-axis').first().textContent()) ?? '', /torso height/);
    // One snapshot of the plot (it re-renders at every iteration).
    const snap = await plot.evaluate((el) => ({
      paths: Number(el.getAttribute('data-paths')),
      lines: el.querySelector('.tj-series svg')?.querySelectorAll('polyline').length ?? 0,
      crosses: el.querySelectorAll('.tj-collide').length,
      readout: el.querySelector('.tj-readout')?.textContent ?? '',
    }));
    const readout = snap.readout;
    assert.equal(snap.lines, snap.paths, 'one line per episode of the iteration');
    const m = /(\d+) episodes · (\d+) ended in a fall/.exec(readout);
    assert.ok(m, `readout: ${readout}`);
    assert.equal(Number(m[1]), snap.paths);
    assert.equal(snap.crosses, 2 * Number(m[2]), 'each fall marked × in both charts');
    console.log(`trajectory panel: ${readout}`);
  });

  it('follows env 1 live after its line is clicked', async () => {
    assert.equal(await runStatus(page), 'live', 'the run is still going (make it longer if this fails)');
    // Each <g> is one episode's line (data-env names its env); the plot re-renders at every iteration, so retry.
    const title = page.getByTestId('trajectory-panel').locator('.panel-title');
    for (let attempt = 0; attempt < 5 && !/viewer follows env 1/.test((await title.textContent()) ?? ''); attempt++) {
      await page.locator('[data-testid="trajectory-plot"] .tj-series svg').first().locator('g[data-env="1"]').first().dispatchEvent('click');
      await page.waitForTimeout(500);
    }
    assert.match((await title.textContent()) ?? '', /viewer follows env 1/, `envs in the plot: ${await page.locator('[data-testid="trajectory-plot"] g[data-env]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-env')).join(','))}`);
    await page.locator('[data-testid="viewer-follow"][data-env="1"]').waitFor({ timeout: 60_000 });
    const travel = await poseTravel(page, 1_500);
    console.log(`live follow: mean geom position moved ${travel.toFixed(3)} m in 1.5 s (env 1)`);
    assert.ok(travel > 0.02, `the followed hopper did not move (${travel.toFixed(4)} m)`);
  });

  it('the average-return curve gets at least two points; the live badge goes when the run ends', async () => {
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="chart-charts/avg_return"]')?.getAttribute('data-points') ?? 0) >= 2,
      undefined,
      { timeout: 420_000, polling: 500 },
    );
    const points = await attrNumber(page, 'chart-charts/avg_return', 'data-points');
    assert.ok(points >= 2, `return chart has ${points} points`);
    await page.getByTestId('run-start').waitFor({ timeout: 300_000 });
    await page.getByTestId('viewer-follow').waitFor({ state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: artifactPath('hopper-finetune.png') });
    assert.deepEqual(errors, []);
  });
});
