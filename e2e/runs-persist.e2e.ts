/**
 * Issue 10, "runs persist and resume" and "a run as a file", as a user meets them in Chromium: reload in the
 * middle of a run and find it listed and resumable; resume it and watch the curve continue past where it
 * was; stop it, export it as one file and open that file in a fresh browser profile (a new user-data dir)
 * to see the same run and curves; a file that is not a run file is refused with a specific message. A full
 * storage quota is reported on the run and keeps the state saved before it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, artifactPath, BASE_URL, collectErrors, launch, openApp, waitBackend } from './helpers';

/** One iteration takes seconds; 16 keep the run going across the reload and the quota check. */
const LINK = '#/experiments?task=avoid-m2&algo=dppo&preset=laptop&seed=3&nEnvs=8&nSteps=25&batchSize=500&updateEpochs=1&nTrainItr=16';

async function iterationsAtLeast(page: Page, n: number): Promise<number> {
  await page.waitForFunction(`Number(document.querySelector('[data-testid="run-progress"]')?.getAttribute('data-iterations') ?? 0) >= ${n}`, undefined, {
    timeout: 420_000,
    polling: 500,
  });
  return Number(await page.getByTestId('run-progress').getAttribute('data-iterations'));
}

/** What the run list shows of one run: status, "done/total", success, return. */
async function rowOf(page: Page): Promise<{ status: string; cells: string[] }> {
  const row = page.locator('[data-testid="run-list"] tbody tr').first();
  const status = (await row.getAttribute('data-status')) ?? '';
  const cells = (await row.locator('td.num').allInnerTexts()).map((t) => t.trim());
  return { status, cells };
}

/**
 * Console errors that are failures. Emscripten's runtime (MuJoCo, tfjs-wasm) prints "still waiting on run
 * dependencies: … wasm-instantiate … (end of list)" through console.error when instantiating its wasm takes
 * more than 10 s — a progress notice on a loaded machine, not an error.
 */
function realErrors(errors: string[]): string[] {
  return errors.filter((e) => !/still waiting on run dependencies:|dependency: wasm-instantiate|\(end of list\)$/.test(e));
}

/** Complete iterations the saved training state holds (the run list's data-saved-itr). */
async function savedItr(page: Page): Promise<number> {
  return page.evaluate(`Number(document.querySelector('[data-testid="run-list"] tbody tr td[data-saved-itr]')?.getAttribute('data-saved-itr') || 0)`) as Promise<number>;
}

/** Points drawn in the success-rate chart (recharts dots or path segments). */
async function curvePoints(page: Page): Promise<number> {
  return page.evaluate(`(() => {
    const chart = document.querySelector('[data-testid="chart-charts/success_rate"]');
    const path = chart?.querySelector('.recharts-line-curve');
    const d = path?.getAttribute('d') ?? '';
    return (d.match(/[ML]/g) ?? []).length + (d.match(/C/g) ?? []).length;
  })()`) as Promise<number>;
}

describe('runs persist, resume and travel as files', { timeout: 1_500_000 }, () => {
  const app = appSession({ url: BASE_URL, hash: LINK });
  let page: Page;
  let errors: string[];
  before(() => ({ page, errors } = app));
  let beforeReload = 0;
  let runFile = '';
  let exported: { cells: string[]; points: number } = { cells: [], points: 0 };

  it('after a reload mid-run the run is listed, its state saved, and it offers Resume', async () => {
    await page.getByTestId('run-start').click();
    beforeReload = await iterationsAtLeast(page, 2);
    // The state of the last complete iteration is saved (stateEvery 1) before the reload.
    await page.waitForFunction(`Number(document.querySelector('[data-testid="run-list"] tbody tr td[data-saved-itr]')?.getAttribute('data-saved-itr') || 0) >= 2`, undefined, { timeout: 60_000 });
    beforeReload = Number(await page.getByTestId('run-progress').getAttribute('data-iterations'));
    assert.ok(beforeReload < 16, 'the run is still going');
    await page.reload();
    const note = page.getByTestId('run-interrupted');
    await note.waitFor({ timeout: 60_000 });
    assert.match(await note.innerText(), /training state after itr \d+ is saved: Resume continues/);
    const { status, cells } = await rowOf(page);
    assert.equal(status, 'interrupted');
    assert.ok(Number(cells[0].split('/')[0]) >= 2, `iterations kept: ${cells[0]}`);
    assert.ok(await page.getByTestId('run-continue').isVisible(), 'the run list offers resume');
    await waitBackend(page);
    assert.ok(await page.getByTestId('run-resume-saved').isEnabled());
    await page.locator('.xp-controls').screenshot({ path: artifactPath('runs-persist-interrupted.png') }).catch(() => undefined);
  });

  it('Resume continues the run: the curve goes on past where it stopped', async () => {
    const pointsBefore = await curvePoints(page);
    await page.getByTestId('run-resume-saved').click();
    await page.waitForFunction(`document.querySelector('[data-testid="run-list"] tbody tr')?.getAttribute('data-status') === 'running'`, undefined, { timeout: 120_000 });
    const after = await iterationsAtLeast(page, beforeReload + 2);
    assert.ok(after > beforeReload, `${after} iterations after resuming, ${beforeReload} before the reload`);
    assert.ok((await curvePoints(page)) > pointsBefore, 'the success curve has more points');
  });

  it('a full storage quota is reported and loses nothing already saved', async () => {
    // The browser refuses writes to the states store as a full quota does (a QuotaExceededError DOMException).
    await page.evaluate(`(() => {
      const put = IDBObjectStore.prototype.put;
      window.__quotaFull = true;
      IDBObjectStore.prototype.put = function (...args) {
        if (window.__quotaFull && this.name === 'states') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return put.apply(this, args);
      };
    })()`);
    const note = page.getByTestId('run-storage-error-note');
    await note.waitFor({ timeout: 300_000 });
    assert.match(await note.innerText(), /storage is full: the training state after itr \d+ \(\d+\.\d MB\) was not saved; the previously saved one is kept/);
    assert.ok(await page.getByTestId('run-storage-error').isVisible(), 'the run list marks the run');
    const kept = await savedItr(page);
    const done = Number(await page.getByTestId('run-progress').getAttribute('data-iterations'));
    await iterationsAtLeast(page, done + 1);
    assert.equal(await savedItr(page), kept, 'the saved state stays the last one written');
    assert.equal(await page.evaluate(`document.querySelector('[data-testid="run-list"] tbody tr')?.getAttribute('data-status')`), 'running', 'the run goes on');
    // Space again: the next state is saved and the note goes.
    await page.evaluate('window.__quotaFull = false');
    await page.waitForFunction(`Number(document.querySelector('[data-testid="run-list"] tbody tr td[data-saved-itr]')?.getAttribute('data-saved-itr') || 0) > ${kept}`, undefined, { timeout: 300_000 });
    await note.waitFor({ state: 'detached', timeout: 10_000 });
    // Stop, so the run can be exported.
    await page.getByTestId('run-stop').click();
    await page.waitForFunction(`document.querySelector('[data-testid="run-list"] tbody tr')?.getAttribute('data-status') === 'stopped'`, undefined, { timeout: 300_000 });
  });

  it('exports the run as one file', async () => {
    exported = { cells: (await rowOf(page)).cells, points: await curvePoints(page) };
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('run-export').first().click()]);
    assert.match(download.suggestedFilename(), /\.dppo-run\.zip$/);
    runFile = artifactPath(download.suggestedFilename());
    await download.saveAs(runFile);
    assert.deepEqual(realErrors(errors), []);
  });

  it('opens the file in a fresh browser profile with the same curves; a foreign file is refused', async () => {
    const fresh = await launch();
    try {
      const p = await fresh.context.newPage();
      const errs = collectErrors(p);
      await openApp(p, BASE_URL, '#/experiments');
      assert.equal(await p.locator('[data-testid="run-list"] tbody tr').count(), 0, 'a fresh profile has no runs');
      // Not a run file: a specific message, nothing listed.
      const junk = artifactPath('not-a-run.zip');
      writeFileSync(junk, 'PK\u0003\u0004 this is not really a zip');
      await p.getByTestId('run-file-input').setInputFiles(junk);
      const err = p.getByTestId('run-file-error');
      await err.waitFor({ timeout: 30_000 });
      assert.match(await err.innerText(), /not-a-run\.zip is not a DPPO Workbench run file: the zip archive is damaged/);
      assert.equal(await p.locator('[data-testid="run-list"] tbody tr').count(), 0);

      await p.getByTestId('run-file-input').setInputFiles(runFile);
      const ok = p.getByTestId('run-file-opened');
      await ok.waitFor({ timeout: 60_000 });
      assert.match(await ok.innerText(), /its policy is stored as stored:[0-9a-f]+/);
      const { status, cells } = await rowOf(p);
      assert.equal(status, 'stopped');
      assert.deepEqual(cells, exported.cells, 'iterations, success and return as exported');
      await p.waitForFunction(`(document.querySelector('[data-testid="chart-charts/success_rate"] .recharts-line-curve')?.getAttribute('d') ?? '').length > 0`, undefined, { timeout: 30_000 });
      assert.equal(await curvePoints(p), exported.points, 'the same number of curve points');
      // The imported run can be resumed here too (its training state came with it).
      assert.ok(await p.getByTestId('run-continue').isVisible());
      await p.locator('.xp-runlist').screenshot({ path: artifactPath('runs-persist-imported.png') }).catch(() => undefined);
      assert.deepEqual(realErrors(errs), []);
    } finally {
      await fresh.close();
    }
  });
});
