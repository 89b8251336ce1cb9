#!/usr/bin/env node
// Draws fine-tuning curves from `dppo finetune --json` logs into one PNG (docs/benchmarks.md's figures).
//
//   node scripts/plot-curves.mjs --out docs/results/hopper-curve.png --title "Hopper, laptop preset" \
//     "DPPO seed 0=docs/results/hopper-dppo-s0.jsonl" "Gaussian seed 0=docs/results/hopper-gaussian-s0.jsonl"
//
// x: env steps; y: avg_return of each iteration. Training iterations are joined by a line; evaluation
// iterations (every valFreq-th, the deterministic policy, which the summary's avg_return ends on) are dots
// with the value; the dashed line is the run's pretrained_avg_return × 1 (and the ratio is printed). The
// SVG is rendered by the e2e Chromium (playwright-core; $CHROMIUM_PATH or /usr/bin/chromium) to PNG.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string' }, title: { type: 'string', default: '' }, svg: { type: 'boolean', default: false } },
  allowPositionals: true,
  strict: true,
});
if (!values.out || positionals.length === 0) {
  console.error('usage: node scripts/plot-curves.mjs --out FILE.png [--title T] "label=run.jsonl" …');
  process.exit(2);
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const runs = positionals.map((arg, i) => {
  const eq = arg.indexOf('=');
  if (eq < 1) throw new Error(`"${arg}": expected label=path`);
  const label = arg.slice(0, eq);
  const lines = readFileSync(arg.slice(eq + 1), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const its = lines.filter((l) => typeof l.itr === 'number' && !l.final && Number.isFinite(l.avg_return));
  const summary = lines.find((l) => l.final) ?? null;
  // An evaluation iteration adds no env steps: same count as the iteration before it (or 0 at itr 0).
  const points = its.map((l, k) => ({ x: l.env_steps, y: l.avg_return, eval: k === 0 ? l.env_steps === 0 : l.env_steps === its[k - 1].env_steps }));
  return { label, points, summary, color: COLORS[i % COLORS.length] };
});

const W = 800;
const LEGEND = 20 + 18 * positionals.length;
const H = 420 + LEGEND;
const M = { l: 70, r: 56, t: 46, b: 56 + LEGEND };
const xs = runs.flatMap((r) => r.points.map((p) => p.x));
const ys = runs.flatMap((r) => r.points.map((p) => p.y));
const xMax = Math.max(1, ...xs);
let yLo = Math.min(...ys);
let yHi = Math.max(...ys);
const pad = (yHi - yLo) * 0.08 || 50;
yLo = Math.max(0, yLo - pad);
yHi += pad;
const sx = (x) => M.l + (x / xMax) * (W - M.l - M.r);
const sy = (y) => M.t + ((yHi - y) / (yHi - yLo)) * (H - M.t - M.b);
function ticks(lo, hi, n) {
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}
const fmtSteps = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e3 ? `${Math.round(x / 1e3)}k` : `${x}`);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
svg += `<rect width="${W}" height="${H}" fill="white"/>`;
svg += `<text x="${M.l}" y="22" font-size="15" font-weight="bold">${values.title}</text>`;
for (const v of ticks(yLo, yHi, 6)) {
  svg += `<line x1="${M.l}" x2="${W - M.r}" y1="${sy(v)}" y2="${sy(v)}" stroke="#e5e5e5"/>`;
  svg += `<text x="${M.l - 6}" y="${sy(v) + 4}" text-anchor="end">${Math.round(v)}</text>`;
}
for (const v of ticks(0, xMax, 6)) svg += `<text x="${sx(v)}" y="${H - M.b + 18}" text-anchor="middle">${fmtSteps(v)}</text>`;
svg += `<line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" stroke="#333"/><line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" stroke="#333"/>`;
svg += `<text x="${(M.l + W - M.r) / 2}" y="${H - M.b + 38}" text-anchor="middle">env steps</text>`;
svg += `<text transform="translate(18 ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle">average episode return</text>`;
runs.forEach((r, i) => {
  const train = r.points.filter((p) => !p.eval);
  svg += `<polyline fill="none" stroke="${r.color}" stroke-width="1.6" stroke-opacity="0.75" points="${train.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')}"/>`;
  for (const p of r.points.filter((q) => q.eval)) {
    svg += `<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="4.5" fill="${r.color}"/><text x="${sx(p.x) + 6}" y="${sy(p.y) - 6}" fill="${r.color}">${Math.round(p.y)}</text>`;
  }
  const s = r.summary;
  const pre = s?.pretrained_avg_return;
  if (Number.isFinite(pre)) svg += `<line x1="${M.l}" x2="${W - M.r}" y1="${sy(pre)}" y2="${sy(pre)}" stroke="${r.color}" stroke-dasharray="4 4" stroke-opacity="0.6"/>`;
  const ratio = s && Number.isFinite(pre) && pre > 0 ? ` — final ${Math.round(s.avg_return)} = ${(s.avg_return / pre).toFixed(2)}× pre-trained ${Math.round(pre)}, ${Math.round(s.wall_s)} s` : '';
  const ly = H - LEGEND + 14 + i * 18;
  svg += `<rect x="${M.l}" y="${ly - 5}" width="12" height="3" fill="${r.color}"/><text x="${M.l + 18}" y="${ly}">${r.label}${ratio}</text>`;
});
svg += `<text x="${W - M.r}" y="${M.t - 10}" text-anchor="end" fill="#666">line: training iterations (exploration) · dots: evaluation iterations · dashed: pre-trained</text>`;
svg += '</svg>';

if (values.svg) {
  writeFileSync(values.out, svg);
} else {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: W, height: H } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    writeFileSync(values.out, await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width: W, height: H } }));
  } finally {
    await browser.close();
  }
}
console.log(`wrote ${values.out}`);
