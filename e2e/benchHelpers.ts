/** Drives the in-app benchmark (backend popover → Benchmark backends…) and reads its rows. */
import type { Page } from 'playwright-core';

export interface BenchIteration {
  itr: number;
  envSteps: number;
  wallS: number;
  metrics: Record<string, number>;
  memory: { numTensors: number; numBytesInGPU: number | null };
}

export interface BenchRowData {
  backend: string;
  software: boolean;
  device?: string;
  error?: string;
  result?: {
    backend: string;
    chain: { ms: number; samplesPerS: number; actionsAbsMean: number; evalActionsAbsMean: number };
    update: { ms: number; samplesPerS: number; pgLoss: number; vLoss: number };
    finetune: { msPerItr: number; envStepsPerS: number; iterations: BenchIteration[] } | null;
    pretrain: { ms: number; loss: number; batches: number } | null;
    coverage: {
      gaussian: BenchIteration[];
      gmm: BenchIteration[];
      evaluate: { episodes: number; avgReturn: number; avgBestReward: number; successRate: number; traceAbsMean: number };
      inspector: { steps: number; absMeanPerStep: number[] };
      unet: { denoisingSteps: number; chainLength: number; actionsAbsMean: number; evalActionsAbsMean: number; chainAbsMean: number };
    } | null;
    leakedTensors: number;
  };
}

/** Opens the popover and the benchmark panel (if closed). */
export async function openBench(page: Page): Promise<void> {
  if (!(await page.getByTestId('backend-popover').isVisible())) await page.getByTestId('backend-button').click();
  if (!(await page.getByTestId('bench-panel').isVisible())) await page.getByTestId('bench-open').click();
  await page.getByTestId('bench-panel').waitFor();
}

/** Rows of the benchmark table by backend: state and parsed result (null when not run). */
export async function readBench(page: Page): Promise<Record<string, { state: string; row: BenchRowData | null }>> {
  const out: Record<string, { state: string; row: BenchRowData | null }> = {};
  for (const tr of await page.locator('[data-testid^="bench-row-"]').all()) {
    const name = ((await tr.getAttribute('data-testid')) ?? '').replace('bench-row-', '');
    const raw = (await tr.getAttribute('data-result')) ?? '';
    out[name] = { state: (await tr.getAttribute('data-state')) ?? '', row: raw ? (JSON.parse(raw) as BenchRowData) : null };
  }
  return out;
}

/** Runs the benchmark on `backends` with `sizes` (panel inputs) and returns the finished rows by backend. */
export async function runBenchPanel(page: Page, backends: string[], sizes: Record<string, number>, timeout = 500_000): Promise<Record<string, BenchRowData>> {
  await openBench(page);
  for (const box of await page.locator('[data-testid^="bench-use-"]').all()) {
    const name = ((await box.getAttribute('data-testid')) ?? '').replace('bench-use-', '');
    await box.setChecked(backends.includes(name));
  }
  for (const [k, v] of Object.entries(sizes)) await page.getByTestId(`bench-${k}`).fill(String(v));
  await page.getByTestId('bench-run').click();
  await page.locator('[data-testid="bench-panel"][data-running="true"]').waitFor({ timeout: 10_000 }).catch(() => undefined);
  await page.locator('[data-testid="bench-panel"][data-running="false"]').waitFor({ timeout });
  const err = page.getByTestId('bench-error');
  if (await err.isVisible()) throw new Error(`benchmark failed: ${await err.innerText()}`);
  const rows = await readBench(page);
  const out: Record<string, BenchRowData> = {};
  for (const [k, v] of Object.entries(rows)) if (v.row) out[k] = v.row;
  return out;
}
