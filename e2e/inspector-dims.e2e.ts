/**
 * The inspector with 3-D and 6-D actions (issue 9, "the inspector handles 3-D and 6-D actions"): a user picks
 * Hopper; the pre-trained builtin:hopper/diffusion-mlp policy is sampled at the start state (no training
 * needed); the picker lists the three action dimensions and PCA; another pair redraws the clouds with other
 * axes; PCA says how much variance its two components explain and keeps its axes across steps; one
 * histogram per action dimension shows the scrubbed step, wider at k = K (noise) than at k = 0 (action);
 * Walker2d then lists six dimensions.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { appSession, artifactPath, compareShots } from './helpers';

/** Waits until the cloud of `row` at denoising index `k` has samples under `scope`. */
async function waitCloud(page: Page, scope: string, row: 'pretrained' | 'current', k: number): Promise<void> {
  await page.waitForFunction(
    ([sc, r, kk]) => Number(document.querySelector(`${sc} [data-testid="cloud-${r}-${kk}"] canvas`)?.getAttribute('data-points') ?? 0) > 0,
    [scope, row, k] as const,
    { timeout: 90_000 },
  );
}

async function attr(l: Locator, name: string): Promise<string> {
  return (await l.getAttribute(name)) ?? '';
}

describe('inspector: 3-D actions (Hopper)', { timeout: 240_000 }, () => {
  const app = appSession();
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));

  it('picks Hopper and shows clouds of its 3-D action with a dimension picker (Experiments panel)', async () => {
    await page.getByTestId('task').and(page.locator('select')).selectOption('hopper');
    const panel = page.getByTestId('inspector-panel');
    await waitCloud(page, '[data-testid="inspector-panel"]', 'pretrained', 0);
    const picker = panel.getByTestId('proj-picker');
    assert.equal(await attr(picker, 'data-dims'), '3');
    assert.equal(await attr(picker, 'data-proj'), 'dims:0,1');
    assert.equal(await panel.getByTestId('proj-x').locator('option').count(), 3);
    assert.equal(await panel.getByTestId('proj-y').locator('option').count(), 3);
    assert.deepEqual(await panel.getByTestId('proj-kind').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), ['dims', 'pca']);
    // 256 chains of the pre-trained policy in the final-action cell.
    assert.equal(Number(await attr(panel.locator('[data-testid="cloud-pretrained-0"] canvas'), 'data-points')), 256);
    await page.screenshot({ path: artifactPath('inspector-dims-panel.png') });
  });

  it('on the Inspector page, another pair of dimensions redraws the clouds with other axes', async () => {
    await page.getByTestId('nav-inspector').click();
    const view = page.getByTestId('page-inspector');
    await view.waitFor();
    await waitCloud(page, '[data-testid="page-inspector"]', 'pretrained', 0);
    const grid = view.getByTestId('cloud-grid');
    const names = await view.getByTestId('proj-x').locator('option').allInnerTexts();
    assert.equal(names.length, 3);
    assert.equal(new Set(names).size, 3, `dimension names ${names.join(', ')}`);
    assert.equal(await attr(grid, 'data-proj'), 'dims:0,1');
    assert.equal(await view.getByTestId('cloud-axis-y').innerText(), names[1]);
    const cell = view.locator('[data-testid="cloud-pretrained-0"] canvas');
    const before = await cell.screenshot();
    await view.getByTestId('proj-y').selectOption('2');
    await page.locator('[data-testid="page-inspector"] [data-testid="cloud-grid"][data-proj="dims:0,2"]').waitFor({ timeout: 10_000 });
    assert.equal(await view.getByTestId('cloud-axis-x').innerText(), names[0]);
    assert.equal(await view.getByTestId('cloud-axis-y').innerText(), names[2]);
    assert.equal(await attr(view.getByTestId('scrub-panels'), 'data-proj'), 'dims:0,2');
    const after = await cell.screenshot();
    const { changed } = await compareShots(page, before, after);
    assert.ok(changed > 0.01, `the k=0 cloud looks the same after switching the y dimension (${(changed * 100).toFixed(2)} % pixels changed)`);
    // Choosing x = the y dimension swaps the pair.
    await view.getByTestId('proj-x').selectOption('2');
    await page.locator('[data-testid="page-inspector"] [data-testid="cloud-grid"][data-proj="dims:2,0"]').waitFor({ timeout: 10_000 });
  });

  it('shows one histogram per action dimension, wider at k = K (noise) than at k = 0 (action)', async () => {
    const view = page.getByTestId('page-inspector');
    const hists = view.getByTestId('dim-hists');
    assert.equal(await attr(hists, 'data-count'), '3');
    assert.equal(await hists.getByTestId('dim-hist').count(), 3);
    const stds = async () => hists.getByTestId('dim-hist').evaluateAll((fs) => fs.map((f) => Number(f.getAttribute('data-std-pretrained'))));
    const heads = view.locator('.ic-colhead');
    const S = await heads.count();
    assert.ok(S >= 3, `only ${S} denoising steps`);
    await heads.first().click();
    await page.locator('[data-testid="page-inspector"] [data-testid="dim-hists"]:not([data-step="0"])').waitFor();
    const K = Number(await attr(hists, 'data-step'));
    assert.equal(K, S - 1);
    const noise = await stds();
    // The choice of projection survives switching the step.
    assert.equal(await attr(view.getByTestId('cloud-grid'), 'data-proj'), 'dims:2,0');
    await heads.last().click();
    await page.locator('[data-testid="page-inspector"] [data-testid="dim-hists"][data-step="0"]').waitFor();
    const action = await stds();
    console.log(`hopper: σ per action dim at k=${K} ${noise.map((v) => v.toFixed(3)).join(', ')}; at k=0 ${action.map((v) => v.toFixed(3)).join(', ')}`);
    for (let d = 0; d < 3; d++) {
      assert.ok(noise[d] > 0 && action[d] > 0, `dim ${d}: σ ${noise[d]} / ${action[d]}`);
      assert.ok(action[d] < noise[d], `dim ${d}: the final action (σ ${action[d]}) is not tighter than the noise (σ ${noise[d]})`);
    }
    assert.equal(await attr(view.getByTestId('cloud-grid'), 'data-proj'), 'dims:2,0');
  });

  it('PCA shows the explained variance, keeps its axes across steps, and the choice carries to the panel', async () => {
    const view = page.getByTestId('page-inspector');
    await view.getByTestId('proj-kind').selectOption('pca');
    await page.locator('[data-testid="page-inspector"] [data-testid="cloud-grid"][data-proj="pca"]').waitFor({ timeout: 10_000 });
    assert.equal(await view.getByTestId('cloud-axis-x').innerText(), 'PC1');
    assert.equal(await view.getByTestId('cloud-axis-y').innerText(), 'PC2');
    const explained = view.getByTestId('proj-explained');
    const together = Number(await attr(explained, 'data-explained'));
    // Two of three components: at least 2/3 of the variance, at most all of it.
    assert.ok(together >= 2 / 3 - 1e-6 && together <= 1 + 1e-6, `explained ${together}`);
    assert.match(await explained.innerText(), /PC1 \d+(\.\d)? % · PC2 \d+(\.\d)? %/);
    const text = await explained.innerText();
    await view.locator('.ic-colhead').first().click();
    assert.equal(await explained.innerText(), text);
    assert.equal(await attr(view.getByTestId('cloud-grid'), 'data-proj'), 'pca');
    await page.screenshot({ path: artifactPath('inspector-dims-pca.png'), fullPage: true });
    await page.getByTestId('nav-experiments').click();
    const panel = page.getByTestId('inspector-panel');
    await panel.getByTestId('proj-picker').waitFor();
    assert.equal(await attr(panel.getByTestId('proj-picker'), 'data-proj'), 'pca');
    assert.match(await panel.getByTestId('proj-explained').innerText(), /PC1 .* · PC2 /);
    assert.deepEqual(errors, []);
  });

  it('a 6-D task (Walker2d) lists six dimensions and goes back to its default pair', async () => {
    // Only the picker, from the task catalog: Walker2d's sampled clouds need its bundled checkpoint.
    await page.getByTestId('task').and(page.locator('select')).selectOption('walker2d');
    const panel = page.getByTestId('inspector-panel');
    await panel.locator('[data-testid="proj-picker"][data-dims="6"]').waitFor({ timeout: 30_000 });
    // A new task has other action dimensions: the choice goes back to the task's default pair.
    assert.equal(await attr(panel.getByTestId('proj-picker'), 'data-proj'), 'dims:0,1');
    const names = await panel.getByTestId('proj-x').locator('option').allInnerTexts();
    assert.equal(names.length, 6);
    assert.equal(new Set(names).size, 6, `dimension names ${names.join(', ')}`);
  });
});
