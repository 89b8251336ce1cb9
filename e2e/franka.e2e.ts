/**
 * The connector page's Franka path against a REAL `dppo-bridge --backend franka --sim-robot` (issue 11:
 * "running a policy under the clamps"), in the built app with the real train worker (inference there):
 * arm with typed ARM, run the scripted reach policy, the live pose changes and the motion panel shows the
 * commanded vs. clamped vs. measured step; STOP (Esc) ends the run and disarms, and the pose stays put; a
 * hidden tab ends a run and disarms too.
 * Without .venv/bin/dppo-bridge the suite is skipped with a loud message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { bridgeAvailable, BRIDGE_BIN, startBridge, type BridgeProcess } from '../src/bridge/spawnBridge';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untrainedCheckpoint } from '../src/bridge/testFixtures';
import { initTf } from '../src/policy/tfSetup';
import { appSession, BASE_URL } from './helpers';

const HAVE = bridgeAvailable();
if (!HAVE) console.error(`\n*** SKIPPED franka.e2e: ${BRIDGE_BIN} is missing; create it with: node scripts/ensure-pyenv.mjs ***\n`);

async function poseText(page: Page): Promise<string> {
  return (await page.getByTestId('robot-pose').innerText()).split('\n').find((l) => /x .* y .* z/.test(l)) ?? '';
}

describe('connector page: a policy on the simulated Franka', { skip: !HAVE }, () => {
  const s = appSession();
  let bridge: BridgeProcess | null = null;
  let dir = '';

  before(async () => {
    bridge = await startBridge(['--backend', 'franka', '--sim-robot', '--origin', new URL(BASE_URL).origin]);
    dir = mkdtempSync(join(tmpdir(), 'dppo-franka-e2e-'));
  });
  after(async () => {
    await bridge?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('arm with ARM, run the policy (pose changes), Esc stops it and disarms', async () => {
    const { page } = s;
    await page.evaluate(() => {
      location.hash = '#/connector';
    });
    await page.getByTestId('page-connector').waitFor();
    await page.getByTestId('bridge-url').fill(bridge!.url);
    await page.getByTestId('bridge-token').fill(bridge!.token);
    await page.getByTestId('bridge-connect-button').click();
    await page.locator('[data-testid="bridge-status"][data-phase="connected"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('bridge-info').getAttribute('data-backend'), 'franka');
    await page.waitForFunction(() => /x \d/.test(document.querySelector('[data-testid="robot-pose"]')?.textContent ?? ''), undefined, { timeout: 10_000 });

    // Not armed: the policy cannot start; the Arm button needs the typed word.
    assert.equal(await page.getByTestId('robot-policy-run').isDisabled(), true);
    await page.getByTestId('robot-arm-confirm').fill('arm');
    assert.equal(await page.getByTestId('robot-arm').isDisabled(), true);
    await page.getByTestId('robot-arm-confirm').fill('ARM');
    await page.getByTestId('robot-arm').click();
    await page.locator('[data-testid="robot-state"][data-state="armed"]').waitFor({ timeout: 10_000 });
    const before = await poseText(page);

    await page.getByTestId('robot-policy-run').click();
    await page.locator('[data-testid="robot-policy"][data-running="true"]').waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="robot-policy"]')?.getAttribute('data-steps') ?? 0) >= 5, undefined, { timeout: 20_000 });
    const moving = await poseText(page);
    assert.notEqual(moving, before, `pose did not change: ${before}`);
    const motion = await page.getByTestId('robot-policy-motion').innerText();
    assert.match(motion, /commanded Δ \(cm\)\s+-?\d/);
    assert.match(motion, /measured Δ \(cm\)\s+-?\d/);
    // Every commanded translation is within the 5 cm clamp. The panel shows each axis to 0.01 cm, so a step
    // on the clamp itself may read up to 0.005·√3 cm longer (seen: 3.47, 3.15, −1.76 → 5.006).
    const cmd = /commanded Δ \(cm\)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(motion)!.slice(1).map(Number);
    assert.ok(Math.hypot(...cmd) <= 5 + 0.005 * Math.sqrt(3) + 1e-9, `commanded ${cmd} cm`);

    // STOP from the keyboard: the run ends and the arm is disarmed at once.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="robot-policy"][data-running="false"]').waitFor({ timeout: 1000 });
    await page.waitForFunction(() => {
      const st = document.querySelector('[data-testid="robot-state"]')?.getAttribute('data-state');
      return st === 'stopped' || st === 'connected';
    }, undefined, { timeout: 1000 });
    assert.equal(await page.getByTestId('robot-policy').getAttribute('data-ended'), 'stopped');
    const steps = Number(await page.getByTestId('robot-policy').getAttribute('data-steps'));
    await page.waitForTimeout(400);
    const halted = await poseText(page);
    await page.waitForTimeout(600);
    assert.equal(await poseText(page), halted, 'the arm moved after STOP');
    assert.equal(Number(await page.getByTestId('robot-policy').getAttribute('data-steps')), steps, 'commands were sent after STOP');
    assert.deepEqual(s.errors, []);
  });

  it('hiding the tab during a policy run stops it and disarms', async () => {
    const { page } = s;
    await page.getByTestId('robot-arm-confirm').fill('ARM');
    await page.getByTestId('robot-arm').click();
    await page.locator('[data-testid="robot-state"][data-state="armed"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('robot-policy-run').click();
    await page.locator('[data-testid="robot-policy"][data-running="true"]').waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="robot-policy"]')?.getAttribute('data-steps') ?? 0) >= 3, undefined, { timeout: 20_000 });
    // What the browser does when the tab goes to the background.
    // (a string: tsx would wrap an inline getter in a helper the page does not have)
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'hidden' }); document.dispatchEvent(new Event('visibilitychange'));`);
    await page.locator('[data-testid="robot-policy"][data-running="false"]').waitFor({ timeout: 1000 });
    await page.waitForFunction(() => {
      const st = document.querySelector('[data-testid="robot-state"]')?.getAttribute('data-state');
      return st === 'stopped' || st === 'connected';
    }, undefined, { timeout: 1000 });
    await page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, value: 'visible' });`);
    assert.match(await page.getByTestId('bridge-log').innerText(), /tab hidden while armed: STOP/);
  });

  it('a checkpoint file of another shape is refused by name, and the arm is stopped', async () => {
    const { page } = s;
    await initTf('cpu');
    const path = join(dir, 'hopper.ckpt');
    writeFileSync(path, untrainedCheckpoint('hopper', 'gaussian-mlp'));
    await page.getByTestId('robot-arm-confirm').fill('ARM');
    await page.getByTestId('robot-arm').click();
    await page.locator('[data-testid="robot-state"][data-state="armed"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('robot-policy-source').selectOption('file');
    await page.getByTestId('robot-policy-file').setInputFiles(path);
    await page.getByTestId('robot-policy-run').click();
    await page.getByTestId('robot-policy-error').waitFor({ timeout: 15_000 });
    assert.match(await page.getByTestId('robot-policy-error').innerText(), /takes 1×11 observations and emits 3-D actions; a Franka policy takes the end-effector pose/);
    assert.equal(await page.getByTestId('robot-policy').getAttribute('data-steps'), '0');
    await page.waitForFunction(() => document.querySelector('[data-testid="robot-state"]')?.getAttribute('data-state') !== 'armed', undefined, { timeout: 1000 });
  });
});
