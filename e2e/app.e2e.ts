/**
 * The foundation as a user meets it, served with COOP/COEP: the app loads without console errors, the
 * MuJoCo scene is drawn and moves, the backend label shows WASM with the software GPUs skipped, a backend
 * override works and survives a reload, and every page is reachable from the navigation.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, artifactPath, BASE_URL, canvasShot, chooseBackend, compareShots, openApp, readProbes } from './helpers';

describe('app (cross-origin isolated)', { timeout: 150_000 }, () => {
  const app = appSession();
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('loads with the header, cross-origin isolation and no console errors', async () => {
    assert.match(await page.locator('.app-header').innerText(), /DPPO Workbench/);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.screenshot({ path: artifactPath('experiments.png') });
    assert.deepEqual(errors, []);
  });

  it('draws the MuJoCo scene and it moves', async () => {
    // The app opens on the Avoid scene; the demo scene (falling primitives of every geom type) moves more.
    await page.getByTestId('viewer-scene-select').selectOption('demo');
    await page.locator('[data-testid="viewer"][data-scene="demo"]').waitFor({ timeout: 30_000 });
    const a = await canvasShot(page);
    await page.waitForTimeout(700);
    const b = await canvasShot(page);
    const { a: stats, changed } = await compareShots(page, a, b);
    assert.ok(stats.width > 200 && stats.height > 200, `canvas ${stats.width}×${stats.height}`);
    assert.ok(stats.colours > 40, `only ${stats.colours} colours: blank canvas?`);
    assert.ok(stats.nonBackground > 0.05, `only ${(stats.nonBackground * 100).toFixed(1)} % of pixels are not background`);
    console.log(`viewer: ${stats.width}×${stats.height}, ${stats.colours} colours, ${(stats.nonBackground * 100).toFixed(1)} % non-background, ${(changed * 100).toFixed(2)} % changed in 0.7 s`);
    assert.ok(changed > 0.001, `picture did not change between frames (${(changed * 100).toFixed(3)} % pixels)`);
    // Pausing stops the motion.
    await page.getByTestId('viewer-play').click();
    // Wait until frames already in flight have been drawn: the HUD's sim time stops advancing.
    const hudTime = async () => (await page.locator('.viewer-hud').innerText()).split(' s')[0];
    let prev = await hudTime();
    for (let i = 0; i < 20; i++) {
      await page.waitForTimeout(300);
      const now = await hudTime();
      if (now === prev) break;
      prev = now;
    }
    const c = await canvasShot(page);
    await page.waitForTimeout(500);
    const d = await canvasShot(page);
    assert.equal((await compareShots(page, c, d)).changed, 0);
    await page.getByTestId('viewer-play').click();
  });

  it('switches the viewer to the Avoid task scene and back', async () => {
    await page.getByTestId('viewer-scene-select').selectOption('avoid-m1');
    await page.locator('[data-testid="viewer"][data-scene="avoid-m1"]').waitFor({ timeout: 30_000 });
    const a = await canvasShot(page);
    await page.waitForTimeout(700);
    const b = await canvasShot(page);
    const { a: stats, changed } = await compareShots(page, a, b);
    assert.ok(stats.colours > 40, `Avoid scene: only ${stats.colours} colours`);
    assert.ok(changed > 0.0005, `Avoid scene did not move (${(changed * 100).toFixed(3)} % pixels)`);
    await page.screenshot({ path: artifactPath('avoid-scene.png') });
    await page.getByTestId('viewer-scene-select').selectOption('demo');
    await page.locator('[data-testid="viewer"][data-scene="demo"]').waitFor({ timeout: 30_000 });
  });

  for (const task of ['hopper', 'walker2d', 'halfcheetah']) {
    it(`shows the ${task} scene from its task definition, and the body moves`, async () => {
      await page.getByTestId('viewer-scene-select').selectOption(task);
      await page.locator(`[data-testid="viewer"][data-scene="${task}"]`).waitFor({ timeout: 30_000 });
      await page.waitForTimeout(300);
      const a = await canvasShot(page);
      await page.waitForTimeout(700);
      const b = await canvasShot(page);
      const { a: stats, changed } = await compareShots(page, a, b);
      assert.ok(stats.colours > 20, `${task} scene: only ${stats.colours} colours`);
      assert.ok(changed > 0.0005, `${task} did not move (${(changed * 100).toFixed(3)} % pixels)`);
      await page.screenshot({ path: artifactPath(`${task}-scene.png`) });
    });
  }

  it('shows WASM in the header with WebGPU and WebGL skipped', async () => {
    assert.equal(await page.getByTestId('backend-label').innerText(), 'WASM');
    const probes = await readProbes(page);
    assert.equal(probes.wasm.state, 'active');
    assert.ok(probes.wasm.checkError !== null && probes.wasm.checkError < 1e-4, `wasm self-check ${probes.wasm.checkError}`);
    // Our SIMD matMul kernels link to tfjs' memory (shared under isolation, plain without) and pass the self-check.
    assert.match(probes.wasm.reason, /matMul: DPPO SIMD\+FMA kernel/);
    assert.notEqual(probes.webgpu.state, 'active');
    assert.match(probes.webgpu.reason, /software adapter|no WebGPU adapter|does not expose WebGPU/);
    assert.equal(probes.webgl.state, 'skipped');
    assert.match(probes.webgl.reason, /software renderer/i);
    await page.screenshot({ path: artifactPath('backend-popover.png') });
    await page.keyboard.press('Escape');
  });

  it('switches the backend to CPU, keeps it after a reload, and back to automatic', async () => {
    assert.equal(await chooseBackend(page, 'cpu'), 'cpu');
    assert.equal(await page.getByTestId('backend-label').innerText(), 'CPU');
    await page.reload();
    await openApp(page, BASE_URL, '');
    assert.equal(await page.getByTestId('backend-label').innerText(), 'CPU');
    assert.equal(await page.evaluate(() => localStorage.getItem('dppo.backend')), 'cpu');
    assert.equal(await chooseBackend(page, 'auto'), 'wasm');
    await page.reload();
    await openApp(page, BASE_URL, '');
    assert.equal(await page.getByTestId('backend-label').innerText(), 'WASM');
    await page.keyboard.press('Escape');
  });

  it('lists the bundled checkpoints and opens one for fine-tuning', async () => {
    await page.getByTestId('nav-policies').click();
    const rows = page.locator('[data-testid="policy-row"][data-origin="bundled"]');
    await rows.first().waitFor({ timeout: 10_000 });
    // {Avoid M1, M2, M3, Hopper, Walker2d, HalfCheetah} × {diffusion, Gaussian, GMM}.
    assert.equal(await rows.count(), 18);
    await page.locator('[data-testid="policy-row"][data-ref="builtin:avoid-m3/gmm-mlp"]').getByTestId('policy-finetune').click();
    await page.locator('main[data-route="experiments"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('task').and(page.locator('select')).waitFor();
    assert.equal(await page.getByTestId('task').inputValue(), 'avoid-m3');
  });

  it('reaches every page through the navigation (no dead links)', async () => {
    const hrefs = await page.locator('nav.nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(hrefs.length, 5);
    for (const route of ['inspector', 'datasets', 'policies', 'connector', 'experiments']) {
      await page.getByTestId(`nav-${route}`).click();
      await page.locator(`main[data-route="${route}"]`).waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId(`nav-${route}`).getAttribute('aria-current'), 'page');
      assert.equal(new URL(page.url()).hash.split('?')[0], `#/${route}`);
      assert.ok((await page.locator('main').innerText()).trim().length > 20, `${route} page is empty`);
      if (route !== 'experiments') await page.screenshot({ path: artifactPath(`${route}.png`) });
    }
    // Every in-app link points at a page that exists.
    const routes = ['experiments', 'inspector', 'datasets', 'policies', 'connector'];
    for (const href of await page.locator('a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
      const route = href.replace(/^#\/?/, '').split('?')[0];
      assert.ok(routes.includes(route), `link ${href} leads to no page`);
    }
    // The viewer comes back alive (with whichever scene was loaded) after leaving and returning to Experiments.
    await page.getByTestId('nav-experiments').click();
    await page.locator('[data-testid="viewer"]:not([data-scene=""])').waitFor();
    await page.keyboard.press('?');
    await page.getByTestId('help-dialog').waitFor();
    await page.keyboard.press('Escape');
    assert.deepEqual(errors, []);
  });
});
