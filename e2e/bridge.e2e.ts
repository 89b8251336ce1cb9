/**
 * The connector page against a REAL `dppo-bridge --backend mujoco` (issue 11, must-show), in the built app
 * with the real train worker and tfjs:
 * - a wrong token is refused with a message at the token field, and the app stays usable;
 * - pasting the lines dppo-bridge prints fills URL and token; connected: latency, backend, Hopper's spec;
 * - the tab's own env steps/s through the bridge (printed for docs/benchmarks.md, "Bridge");
 * - "Run on bridge": a short Hopper fine-tuning run on bridge-hosted envs gets points on its curve
 *   (Experiments page), and the run record names the bridge;
 * - STOP (Esc) stops the run; a bridge killed mid-run ends that run with a message about the lost connection
 *   (its whole iterations kept) and shows it at the connection field; the app stays usable.
 * The bridge process is started with the e2e server's origin (--origin) and killed in every case.
 * Without .venv/bin/dppo-bridge the suite is skipped with a loud message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { bridgeAvailable, BRIDGE_BIN, startBridge, type BridgeProcess } from '../src/bridge/spawnBridge';
import { untrainedCheckpoint } from '../src/bridge/testFixtures';
import { initTf } from '../src/policy/tfSetup';
import { appSession, artifactPath, BASE_URL } from './helpers';

const HAVE = bridgeAvailable();
if (!HAVE) console.error(`\n*** SKIPPED bridge.e2e: ${BRIDGE_BIN} is missing; create it with: node scripts/ensure-pyenv.mjs ***\n`);

/** Tiny Hopper settings: 2 envs × 4 chunk steps per iteration; many iterations so STOP has a run to stop. */
const HOPPER = '#/experiments?task=hopper&algo=dppo&preset=laptop&seed=0&nEnvs=2&nSteps=4&batchSize=16&updateEpochs=1&ftDenoisingSteps=2&nTrainItr=400';

async function toConnector(page: Page): Promise<void> {
  await page.evaluate(() => {
    location.hash = '#/connector';
  });
  await page.getByTestId('page-connector').waitFor();
}

describe('connector page with a real dppo-bridge', { skip: !HAVE }, () => {
  const s = appSession({ hash: HOPPER });
  let bridge: BridgeProcess | null = null;
  let dir = '';
  let ckptPath = '';

  before(async () => {
    bridge = await startBridge(['--backend', 'mujoco', '--origin', new URL(BASE_URL).origin]);
    dir = mkdtempSync(join(tmpdir(), 'dppo-bridge-e2e-'));
    await initTf('cpu');
    ckptPath = join(dir, 'hopper-untrained.ckpt');
    writeFileSync(ckptPath, untrainedCheckpoint('hopper'));
  });
  after(async () => {
    await bridge?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a wrong token is refused at the token field; pasting the printed lines connects', async () => {
    const { page } = s;
    await page.waitForFunction(() => (document.querySelector<HTMLInputElement>('#param-nTrainItr')?.value ?? '') === '400', undefined, { timeout: 20_000 });
    await toConnector(page);
    await page.getByTestId('bridge-url').fill(bridge!.url);
    await page.getByTestId('bridge-token').fill('not-the-token');
    await page.getByTestId('bridge-connect-button').click();
    await page.getByTestId('bridge-token-error').waitFor({ timeout: 15_000 });
    assert.match(await page.getByTestId('bridge-token-error').innerText(), /refused the token/);

    // What dppo-bridge prints, pasted into the URL field as a whole.
    await page.getByTestId('bridge-url').fill(`Paste into the connector page:\n  URL:   ${bridge!.url}\n  Token: ${bridge!.token}`);
    assert.equal(await page.getByTestId('bridge-url').inputValue(), bridge!.url);
    assert.equal(await page.getByTestId('bridge-token').inputValue(), bridge!.token);
    await page.getByTestId('bridge-connect-button').click();
    await page.locator('[data-testid="bridge-status"][data-phase="connected"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('bridge-info').getAttribute('data-backend'), 'mujoco');
    await page.waitForFunction(() => (document.querySelector('[data-testid="bridge-latency"]')?.getAttribute('data-ms') ?? '') !== '', undefined, { timeout: 10_000 });
    const ms = Number(await page.getByTestId('bridge-latency').getAttribute('data-ms'));
    assert.ok(ms >= 0 && ms < 1000, `latency ${ms} ms`);
    await page.getByTestId('bridge-task').selectOption('hopper');
    await page.locator('[data-testid="bridge-spec-values"][data-obs-dim="11"][data-act-dim="3"]').waitFor({ timeout: 15_000 });
  });

  it('measures env steps/s of bridge-hosted Hopper from the tab', async () => {
    const { page } = s;
    await page.getByTestId('bridge-bench-envs').fill('40');
    await page.getByTestId('bridge-bench-seconds').fill('4');
    await page.getByTestId('bridge-bench').click();
    await page.getByTestId('bridge-bench-result').waitFor({ timeout: 120_000 });
    const res = page.getByTestId('bridge-bench-result');
    const rate = Number(await res.getAttribute('data-steps-per-s'));
    const pool = Number(await res.getAttribute('data-pool-steps-per-s'));
    console.log(`bridge bench (browser tab, hopper, 40 envs, act_steps 4): bridge ${rate} env steps/s, browser pool (${await res.getAttribute('data-pool-workers')} workers) ${pool} env steps/s`);
    assert.ok(rate > 100, `bridge env steps/s ${rate}`);
    assert.ok(pool > 100, `pool env steps/s ${pool}`);
    await page.screenshot({ path: artifactPath('bridge-connector.png') });
  });

  it('runs a Hopper experiment on bridge-hosted envs: the curve gets points; STOP stops it', async () => {
    const { page } = s;
    await page.getByTestId('bridge-ckpt-file').setInputFiles(ckptPath);
    await page.getByTestId('bridge-run-start').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="bridge-run-status"]')?.getAttribute('data-points') ?? 0) >= 2, undefined, { timeout: 300_000, polling: 250 });
    assert.equal(await page.getByTestId('bridge-run-status').getAttribute('data-status'), 'running');
    assert.match(await page.getByTestId('bridge-run-status').innerText(), /mujoco bridge/);

    // STOP (Esc): the bridge gets `stop` first, then the run stops after whole iterations.
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="bridge-run-status"][data-status="stopped"]').waitFor({ timeout: 180_000 });
    assert.match(await page.getByTestId('bridge-log').innerText(), /→ stop \(sent before anything else\)/);
    const points = Number(await page.getByTestId('bridge-run-status').getAttribute('data-points'));
    assert.ok(points >= 2 && points < 400, `${points} iterations before the stop`);

    // The Experiments page lists the run, labelled with the bridge, and its curve has the points.
    await page.evaluate(() => {
      location.hash = '#/experiments';
    });
    const row = page.locator('[data-testid="run-list"] tbody tr').first();
    await row.waitFor({ timeout: 60_000 });
    assert.match(await row.innerText({ timeout: 60_000 }), /hopper[\s\S]*mujoco bridge|mujoco bridge[\s\S]*hopper/);
    try {
      // An iteration without a finished episode has no return (NaN, not drawn): at least one point.
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-charts/avg_return"]')?.getAttribute('data-points') ?? 0) >= 1, undefined, { timeout: 60_000, polling: 500 });
    } catch (err) {
      await page.screenshot({ path: artifactPath('bridge-experiments.png') });
      throw err;
    }
  });

  it('a bridge that goes away mid-run: the run ends with that message, the page says so, the app stays usable', async () => {
    const { page, errors } = s;
    if (!(await page.getByTestId('page-connector').isVisible())) await toConnector(page);
    await page.locator('[data-testid="bridge-status"][data-phase="connected"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('bridge-ckpt-file').setInputFiles(ckptPath);
    await page.getByTestId('bridge-run-start').click();
    await page.locator('[data-testid="bridge-run-status"][data-status="running"]').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="bridge-run-status"][data-status="running"]')?.getAttribute('data-points') ?? 0) >= 1, undefined, { timeout: 300_000, polling: 250 });
    await bridge!.stop();
    await page.locator('[data-testid="bridge-run-status"][data-status="error"]').waitFor({ timeout: 120_000 });
    assert.match(await page.getByTestId('bridge-run-status').innerText(), /bridge at ws:\/\/127\.0\.0\.1:\d+[\s\S]*envs on the bridge are gone/);
    await page.getByTestId('bridge-connection-error').waitFor({ timeout: 15_000 });
    assert.match(await page.getByTestId('bridge-connection-error').innerText(), /bridge at ws:\/\/127\.0\.0\.1:\d+/);
    await page.evaluate(() => {
      location.hash = '#/experiments';
    });
    await page.getByTestId('run-list').waitFor({ timeout: 60_000 });
    const ours = errors.filter((e) => /bridge|WebSocket/i.test(e) && !/ERR_CONNECTION_REFUSED|failed: Error in connection establishment|Connection closed before receiving/.test(e));
    assert.deepEqual(ours, []);
  });
});
