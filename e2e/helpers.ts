/**
 * Shared pieces of the e2e suite: launch Debian Chromium through playwright-core (never a downloaded
 * browser), collect console errors, wait for the app to be ready, and measure the viewer canvas.
 * Launch flags follow spec/tfjs-backends.md §4.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const BASE_URL = process.env.E2E_URL ?? 'http://127.0.0.1:4173/';
export const PLAIN_URL = process.env.E2E_URL_PLAIN ?? BASE_URL;
export const ARTIFACTS = join(process.cwd(), 'test-results');

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh headless Chromium profile; `extraArgs` e.g. ['--enable-unsafe-webgpu']. */
export async function launch(extraArgs: string[] = []): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'dppo-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...extraArgs],
    viewport: { width: 1440, height: 860 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One browser with one page on the app, and the console errors collected on it. */
export interface AppSession {
  browser: Browser;
  page: Page;
  errors: string[];
}

/**
 * Registers before/after hooks in the calling describe: a fresh Chromium (`extraArgs`), one page collecting
 * console errors, the app opened at `url` + `hash`; closed after the suite. Read the fields inside tests.
 */
export function appSession(opts: { url?: string; hash?: string; extraArgs?: string[] } = {}): AppSession {
  const session = {} as AppSession;
  before(async () => {
    session.browser = await launch(opts.extraArgs);
    session.page = await session.browser.context.newPage();
    session.errors = collectErrors(session.page);
    await openApp(session.page, opts.url, opts.hash);
  });
  after(async () => {
    await session.browser?.close();
  });
  return session;
}

/** Records console errors and uncaught exceptions of a page (and its workers). */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker console: ${m.text()}`)));
  return errors;
}

/** Opens the app and waits until the viewer has its scene and the backend report is in. */
export async function openApp(page: Page, url = BASE_URL, hash = '#/experiments'): Promise<void> {
  await page.goto(url + hash);
  // Any scene: the default experiment's task, or the one in the link.
  await page.locator('[data-testid="viewer"]:not([data-scene=""])').waitFor({ timeout: 60_000 });
  await waitBackend(page);
}

/** Waits until no backend (re)selection is pending; returns the active backend. */
export async function waitBackend(page: Page, timeout = 90_000): Promise<string> {
  const label = page.getByTestId('backend-label');
  await label.and(page.locator('[data-pending="false"]')).waitFor({ timeout });
  return (await label.getAttribute('data-backend')) ?? '';
}

export interface CanvasStats {
  width: number;
  height: number;
  /** Distinct colours after quantising to 4 bits per channel. */
  colours: number;
  /** Fraction of pixels that differ (any channel > 24) from the top-left pixel (background). */
  nonBackground: number;
}

/** PNG screenshot of the viewer canvas (the HUD text over it is masked). */
export function canvasShot(page: Page): Promise<Buffer> {
  return page.getByTestId('viewer-canvas').screenshot({ mask: [page.locator('.viewer-hud')], maskColor: '#000000' });
}

/**
 * In-page source (plain JS: tsx would add helpers such as __name to a TS function passed to evaluate)
 * that decodes two PNGs and returns stats of the first plus the fraction of pixels that differ a→b.
 */
const COMPARE_SRC = `async ([a64, b64]) => {
  const decode = async (s) => {
    const bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const cv = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = cv.getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    return ctx.getImageData(0, 0, bmp.width, bmp.height);
  };
  const A = await decode(a64);
  const B = await decode(b64);
  const d = A.data, e = B.data, n = A.width * A.height, same = B.width === A.width && B.height === A.height;
  const colours = new Set();
  let nonBg = 0, changed = 0;
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    colours.add(((d[o] >> 4) << 8) | ((d[o + 1] >> 4) << 4) | (d[o + 2] >> 4));
    if (Math.max(Math.abs(d[o] - d[0]), Math.abs(d[o + 1] - d[1]), Math.abs(d[o + 2] - d[2])) > 24) nonBg++;
    if (same && Math.max(Math.abs(d[o] - e[o]), Math.abs(d[o + 1] - e[o + 1]), Math.abs(d[o + 2] - e[o + 2])) > 24) changed++;
  }
  return { a: { width: A.width, height: A.height, colours: colours.size, nonBackground: nonBg / n }, changed: changed / n };
}`;

/** Decodes the PNGs in the page: stats of `a`, and the fraction of pixels that differ between a and b. */
export async function compareShots(page: Page, a: Buffer, b: Buffer): Promise<{ a: CanvasStats; changed: number }> {
  const args = JSON.stringify([a.toString('base64'), b.toString('base64')]);
  return page.evaluate(`(${COMPARE_SRC})(${args})`) as Promise<{ a: CanvasStats; changed: number }>;
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Opens the backend popover (if closed) and returns the probe rows' state/reason/checkError by backend. */
export interface ProbeRow {
  state: string;
  reason: string;
  checkError: number | null;
  /** Micro-benchmark ms/step, when measured. */
  ms: number | null;
}

export async function readProbes(page: Page): Promise<Record<string, ProbeRow>> {
  if (!(await page.getByTestId('backend-popover').isVisible())) await page.getByTestId('backend-button').click();
  const rows = page.locator('[data-testid^="probe-"]');
  await rows.first().waitFor();
  const out: Record<string, ProbeRow> = {};
  for (const row of await rows.all()) {
    const name = ((await row.getAttribute('data-testid')) ?? '').replace('probe-', '');
    const ce = await row.getAttribute('data-check-error');
    out[name] = {
      state: (await row.getAttribute('data-state')) ?? '',
      reason: (await row.locator('td').nth(2).innerText()).trim(),
      checkError: ce === null || ce === '' ? null : Number(ce),
      ms: Number.parseFloat(await row.locator('td').nth(3).innerText()) || null,
    };
  }
  return out;
}

/** Picks a backend in the popover's select and waits for the switch to finish. */
export async function chooseBackend(page: Page, choice: string): Promise<string> {
  if (!(await page.getByTestId('backend-popover').isVisible())) await page.getByTestId('backend-button').click();
  await page.getByTestId('backend-select').selectOption(choice);
  return waitBackend(page);
}
