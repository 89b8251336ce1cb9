/** CSV export of runs' per-iteration scalars (ux.md "CSV download"): one row per (run, iteration). */
import type { Run } from '../../state/runs';
import type { MetricKey } from '../../workers/protocol';

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function runsToCsv(runs: readonly Run[]): string {
  const keys = new Set<MetricKey>();
  for (const r of runs) for (const p of r.points) for (const k of Object.keys(p.metrics)) keys.add(k as MetricKey);
  const metricKeys = [...keys].sort();
  const head = ['run_id', 'label', 'task', 'algo', 'seed', 'itr', 'env_steps', 'wall_s', ...metricKeys];
  const lines = [head.join(',')];
  for (const r of runs) {
    for (const p of r.points) {
      lines.push([r.id, r.label, r.config.task, r.config.algo, r.config.seed, p.itr, p.envSteps, p.wallS, ...metricKeys.map((k) => p.metrics[k])].map(cell).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** Saves text as a file through a temporary object URL. */
export function downloadText(filename: string, text: string, mime = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
