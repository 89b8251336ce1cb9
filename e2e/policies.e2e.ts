/**
 * Policies page in real Chromium (issue 10): export a bundled policy as safetensors, ONNX and TF.js
 * (Playwright download events), import each file again through the file input and find it listed with its
 * config; a .pt whose pickle calls os.system is refused with a message naming it and the page stays usable;
 * an imported checkpoint evaluates with a progress bar; a checkpoint pre-trained in the tab is saved as
 * 'trained'; all are still listed after a reload and offered for fine-tuning in the Experiments form.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession } from './helpers';

const BUNDLED = 'builtin:avoid-m1/diffusion-mlp';
const EVIL_PT = join(process.cwd(), 'tests/export/fixtures/evil_reduce.pt');

async function openPolicies(page: Page): Promise<void> {
  await page.evaluate(() => {
    location.hash = '#/policies';
  });
  await page.getByTestId('page-policies').waitFor();
  await page.locator(`[data-testid="policy-row"][data-ref="${BUNDLED}"]`).waitFor();
}

/** Clicks an export button and saves every download it triggers (TF.js gives two). */
async function exportFiles(page: Page, format: string, count: number, dir: string): Promise<string[]> {
  const row = page.locator(`[data-testid="policy-row"][data-ref="${BUNDLED}"]`);
  const downloads: Promise<string>[] = [];
  const got = new Promise<void>((resolve) => {
    const onDownload = (d: import('playwright-core').Download) => {
      const path = join(dir, d.suggestedFilename());
      downloads.push(d.saveAs(path).then(() => path));
      if (downloads.length === count) {
        page.off('download', onDownload);
        resolve();
      }
    };
    page.on('download', onDownload);
  });
  await row.getByTestId(`policy-export-${format}`).click();
  await got;
  return Promise.all(downloads);
}

async function importFiles(page: Page, paths: string[]): Promise<string> {
  await page.getByTestId('policy-import-input').setInputFiles(paths);
  // The report of THIS import (the previous one may still be on screen for a moment).
  const ok = page.getByTestId('policy-import-ok').filter({ hasText: basename(paths[0]) });
  await ok.waitFor({ timeout: 60_000 });
  const ref = (await ok.locator('code').nth(1).textContent()) ?? '';
  assert.match(ref, /^stored:[0-9a-f]{16}$/);
  return ref;
}

describe('Policies: export, import, refuse, evaluate, persist', () => {
  const s = appSession();
  const dir = mkdtempSync(join(tmpdir(), 'dppo-policies-'));
  const imported: string[] = [];

  it('exports the bundled policy in each format and imports each file again', async () => {
    const { page } = s;
    await openPolicies(page);
    for (const [format, count, label] of [
      ['safetensors', 1, /\.safetensors$/],
      ['onnx', 1, /\.onnx$/],
      ['tfjs', 2, /model\.json/],
    ] as const) {
      const paths = await exportFiles(page, format, count, dir);
      assert.equal(paths.length, count);
      const ref = await importFiles(page, paths);
      imported.push(ref);
      const row = page.locator(`[data-testid="policy-row"][data-ref="${ref}"]`);
      await row.waitFor();
      assert.equal(await row.getAttribute('data-origin'), 'imported');
      assert.match((await row.locator('.policy-name').textContent()) ?? '', label);
      // Its details: the same actor as the bundled one (DiffusionMLP for avoid, normalisation rows).
      await row.locator('.policy-name').click();
      const details = page.getByTestId('policy-details');
      await details.waitFor();
      const text = (await details.textContent()) ?? '';
      assert.match(text, /diffusion-mlp/);
      assert.match(text, /obs 3/);
      assert.match(text, /action 1/);
      await row.locator('.policy-name').click();
    }
    assert.equal(new Set(imported).size, 3);
  });

  it('refuses a .pt whose pickle names os.system, with the global named, and stays usable', async () => {
    const { page } = s;
    await page.getByTestId('policy-import-input').setInputFiles([EVIL_PT]);
    const err = page.getByTestId('policy-import-error');
    await err.waitFor({ timeout: 30_000 });
    const text = (await err.textContent()) ?? '';
    assert.match(text, /Refused to load this \.pt file/);
    assert.match(text, /"posix\.system"/);
    // A bad file that is no checkpoint at all gets its own message.
    const junk = join(dir, 'notes.txt');
    (await import('node:fs')).writeFileSync(junk, 'not a checkpoint');
    await page.getByTestId('policy-import-input').setInputFiles([junk]);
    await page.getByText(/notes\.txt is not a checkpoint/).waitFor({ timeout: 30_000 });
    // Still usable: the list is there and another import works.
    assert.ok((await page.getByTestId('policy-row').count()) >= 4);
  });

  it('evaluates an imported checkpoint with a progress bar', async () => {
    const { page } = s;
    const row = page.locator(`[data-testid="policy-row"][data-ref="${imported[0]}"]`);
    await row.getByLabel('episodes').fill('4');
    await row.getByTestId('policy-eval').click();
    const result = row.getByTestId('policy-eval-result');
    const progress = row.getByTestId('policy-eval-progress');
    await Promise.race([progress.waitFor({ timeout: 60_000 }), result.waitFor({ timeout: 60_000 })]);
    await result.waitFor({ timeout: 180_000 });
    assert.match((await result.textContent()) ?? '', /success \d+% · return .* · 4 episodes on avoid-m1/);
  });

  it('saves a checkpoint pre-trained in the tab to the browser store and lists it as trained', async () => {
    const { page } = s;
    await page.evaluate(() => {
      location.hash = '#/experiments';
    });
    await page.getByTestId('pretrain-kind').selectOption('gaussian-mlp');
    await page.getByTestId('pretrain-epochs').fill('1');
    await page.getByTestId('pretrain-start').click();
    await page.locator('[data-testid="pretrain-progress"][data-status="done"]').waitFor({ timeout: 300_000 });
    await openPolicies(page);
    const trained = page.locator('[data-testid="policy-row"][data-origin="trained"]');
    await trained.first().waitFor({ timeout: 60_000 });
    const ref = (await trained.first().getAttribute('data-ref')) ?? '';
    assert.match(ref, /^stored:[0-9a-f]{16}$/);
    imported.push(ref);
  });

  it('keeps imported and trained checkpoints after a reload', async () => {
    const { page } = s;
    await page.reload();
    await openPolicies(page);
    for (const ref of imported) await page.locator(`[data-testid="policy-row"][data-ref="${ref}"]`).waitFor({ timeout: 30_000 });
    // "fine-tune →" on a stored checkpoint selects it in the Experiments form (the worker reads stored:<id>).
    await page.locator(`[data-testid="policy-row"][data-ref="${imported[0]}"]`).getByTestId('policy-finetune').click();
    const select = page.getByTestId('checkpoint');
    await select.waitFor();
    assert.equal(await select.inputValue(), imported[0]);
    assert.deepEqual(s.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
});
