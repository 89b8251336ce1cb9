/**
 * Start-up ordering (issue 13, item 1): the first inspector requests of a fresh page must wait for the train
 * worker's backend, and a failed request must be retried, so both action-cloud rows fill with all 256
 * chains on every fresh load, on the Experiments page and on the Inspector page, with no console error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { BASE_URL, collectErrors, launch, type Browser } from './helpers';

// 6 fresh loads per page (10 before the Gym e2e tests were added): keeps the suite within CI's ~20 minutes.
const LOADS = 6;

/** Waits until both rows' final-action panels (k = 0) hold samples; returns their chain counts and the caption. */
async function cloudRows(page: Page): Promise<{ pretrained: number; current: number; caption: string }> {
  // Plain JS source: tsx would add helpers such as __name to a TS function passed to the page.
  await page.waitForFunction(
    `['pretrained', 'current'].every((row) => Number(document.querySelector('[data-testid="cloud-' + row + '-0"] canvas')?.getAttribute('data-points') ?? 0) > 0)`,
    undefined,
    { timeout: 120_000, polling: 250 },
  );
  const read = async (row: string) => Number(await page.locator(`[data-testid="cloud-${row}-0"] canvas`).first().getAttribute('data-points'));
  return {
    pretrained: await read('pretrained'),
    current: await read('current'),
    caption: (await page.locator('.ic-grid-foot').first().innerText()).trim(),
  };
}

describe('start-up: both action-cloud rows fill on every fresh load', { timeout: 1_800_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  for (const hash of ['#/experiments', '#/inspector']) {
    it(`${LOADS} fresh loads of ${hash}`, async () => {
      for (let i = 0; i < LOADS; i++) {
        const page = await browser.context.newPage();
        const errors = collectErrors(page);
        // Records every inspector error that is shown, even one that a later answer clears again.
        await page.addInitScript(`(() => {
          window.__icErrors = [];
          new MutationObserver(() => {
            for (const el of document.querySelectorAll('.ic-error')) window.__icErrors.push(el.textContent);
          }).observe(document, { childList: true, subtree: true, characterData: true });
        })()`);
        try {
          await page.goto(BASE_URL + hash);
          const rows = await cloudRows(page);
          assert.equal(rows.pretrained, 256, `load ${i + 1}: pre-trained row has ${rows.pretrained} chains`);
          assert.equal(rows.current, 256, `load ${i + 1}: current row has ${rows.current} chains`);
          assert.match(rows.caption, /for 256 sampled chains/, `load ${i + 1}: caption "${rows.caption}"`);
          const shown = (await page.evaluate('window.__icErrors')) as string[];
          assert.deepEqual([...new Set(shown)], [], `load ${i + 1}: inspector errors shown on the way`);
          assert.deepEqual(errors, [], `load ${i + 1}: console errors`);
        } finally {
          await page.close();
        }
      }
    });
  }
});
