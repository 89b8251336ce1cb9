/**
 * Issue 10, data path, in real Chromium against the built app: a D4RL HDF5 file (written by h5py,
 * tests/fixtures/make_datasets.py) dropped on the Datasets page (a drop event whose DataTransfer is built in
 * the page from the bytes) is read in the data worker and shown in the inspector; it is still listed after a
 * reload (IndexedDB); "pre-train on this" runs BC with a progress bar and a live loss; damaged files (a
 * truncated HDF5, random bytes, a parquet with a missing frame, a truncated npz, a lone normalization.npz) show a
 * specific error and the page stays usable; the pre-trained policy is listed on the Policies page.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { fixturePath } from '../src/data/readers/testing/fixtures';
import { appSession, artifactPath } from './helpers';

/** Plain JS (tsx would add helpers to a TS function passed to evaluate): drops files built from base64 on the drop zone. */
const DROP_SRC = `(files) => {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
  const zone = document.querySelector('[data-testid="dataset-drop"]');
  zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
}`;

async function drop(page: Page, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  const arg = JSON.stringify(files.map((f) => ({ name: f.name, b64: Buffer.from(f.bytes).toString('base64') })));
  await page.evaluate(`(${DROP_SRC})(${arg})`);
}

const fixture = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(fixturePath(name))) });

describe('Datasets page', () => {
  const s = appSession();

  it('a dropped D4RL file is read in the worker, inspected, kept after a reload, and pre-trains with live loss', async () => {
    const { page } = s;
    await page.goto(page.url().replace(/#.*$/, '#/datasets'));
    await page.getByTestId('page-datasets').waitFor();
    await drop(page, [fixture('d4rl_hopper.hdf5')]);
    const inspector = page.getByTestId('dataset-inspector');
    await inspector.waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('dataset-format').innerText(), 'D4RL HDF5');
    assert.equal(await page.getByTestId('dataset-episodes').innerText(), '6');
    assert.match(await page.getByTestId('dataset-dims').innerText(), /11 \/ 3/);
    assert.match(await page.getByTestId('dataset-task').innerText(), /suggested: hopper/);
    assert.match(await page.getByTestId('dataset-mapping').innerText(), /episode ends = terminals \| timeouts/);
    assert.equal(await page.getByTestId('dataset-episode-table').locator('tbody tr').count(), 6);
    await page.getByTestId('dataset-obs-signals').waitFor();
    assert.equal(await page.getByTestId('dataset-obs-signals').getAttribute('data-steps'), '5'); // episode 0: 5 steps
    assert.equal(await page.getByTestId('dataset-path-preview').getAttribute('data-paths'), '6');
    assert.equal(await page.getByTestId('sanity-nan').getAttribute('data-ok'), 'true');
    // Episode 2 has 3 steps, shorter than Hopper's action chunk: the report says so.
    assert.equal(await page.getByTestId('sanity-short').getAttribute('data-ok'), 'false');
    await page.getByTestId('dataset-episode-table').locator('tbody tr').nth(3).click();
    await page.locator('[data-testid="dataset-obs-signals"][data-steps="12"]').waitFor();
    await page.getByTestId('dataset-stored-item').first().waitFor();
    await page.screenshot({ path: artifactPath('datasets-inspector.png'), fullPage: true });

    // Kept in IndexedDB: listed again after a reload, and opens.
    await page.reload();
    await page.locator('[data-testid="dataset-stored-list"][data-loaded="true"]').waitFor({ state: 'attached', timeout: 30_000 });
    const item = page.getByTestId('dataset-stored-item');
    await item.first().waitFor({ timeout: 30_000 });
    assert.equal(await item.count(), 1);
    assert.match(await item.first().innerText(), /d4rl_hopper\.hdf5/);
    // The train worker must be up before pre-training (the app reports its backend).
    await page.getByTestId('backend-label').and(page.locator('[data-pending="false"]')).waitFor({ timeout: 90_000 });
    await item.first().locator('button').first().click();
    await inspector.waitFor({ timeout: 60_000 });

    await page.getByLabel('policy kind').selectOption('gaussian-mlp');
    await page.getByLabel('pre-training epochs').fill('3');
    await page.getByTestId('dataset-pretrain-start').click();
    const progress = page.getByTestId('dataset-pretrain-progress');
    await progress.waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="dataset-pretrain-progress"][data-status="done"]').waitFor({ timeout: 180_000 });
    assert.equal(await progress.getAttribute('data-epochs'), '3');
    assert.equal(await page.getByTestId('dataset-pretrain-loss').getAttribute('data-points'), '3');
    assert.match(await page.getByTestId('dataset-pretrain-result').innerText(), /session:/);
    // The pre-trained policy is listed on the Policies page.
    await page.evaluate("location.hash = '#/policies'");
    await page.locator('[data-testid="policy-row"]', { hasText: 'hopper' }).filter({ hasText: 'gaussian-mlp' }).first().waitFor({ timeout: 30_000 });
    await page.evaluate("location.hash = '#/datasets'");
    await page.getByTestId('dataset-inspector').waitFor();
    assert.deepEqual(s.errors, []);
  });

  it('damaged files show a specific error and the page stays usable', async () => {
    const { page } = s;
    const hdf5 = fixture('robomimic_lowdim.hdf5');
    const cases: { name: string; bytes: Uint8Array; want: RegExp }[] = [
      { name: 'cut.hdf5', bytes: hdf5.bytes.slice(0, 20_000), want: /cut\.hdf5 could not be opened as HDF5 \(damaged or truncated\): truncated file: eof = 20000/ },
      { name: 'noise.bin', bytes: Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 251), want: /noise\.bin is not a format we read \(first bytes/ },
      { ...fixture('lerobot_gap.parquet'), want: /episode_index 2: frame_index 4 is missing/ },
      { name: 'train.npz', bytes: fixture('dppo_train.npz').bytes.slice(0, 700), want: /train\.npz starts like a zip archive but its directory is damaged/ },
      { ...fixture('dppo_normalization.npz'), want: /normalization\.npz.*goes with a train\.npz/ },
    ];
    for (const c of cases) {
      await drop(page, [{ name: c.name, bytes: c.bytes }]);
      const err = page.getByTestId('dataset-error');
      await err.waitFor({ timeout: 30_000 });
      assert.match(await err.innerText(), c.want);
      await err.getByRole('button', { name: 'Dismiss' }).click();
    }
    // Nothing half-imported: still the one stored dataset; the open one is still shown; a bundled one opens.
    assert.equal(await page.getByTestId('dataset-stored-item').count(), 1);
    await page.getByTestId('dataset-inspector').waitFor();
    await page.getByTestId('dataset-bundled').getByRole('button').first().click();
    await page.locator('[data-testid="dataset-format"]', { hasText: 'DPPO train.npz' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('dataset-path-preview').getAttribute('data-paths'), '40');
    // Deleting the stored dataset removes it for good (after a reload too).
    await page.getByRole('button', { name: 'delete d4rl_hopper.hdf5' }).click();
    await page.getByTestId('dataset-stored-item').waitFor({ state: 'detached' });
    await page.reload();
    await page.locator('[data-testid="dataset-stored-list"][data-loaded="true"]').waitFor({ state: 'attached', timeout: 30_000 });
    assert.equal(await page.getByTestId('dataset-stored-item').count(), 0);
    assert.deepEqual(s.errors, []);
  });
});
